"""``create_app``: the job service's FastAPI application (``netraven serve``).

How to plug into it (the seam for the scheduler, templates and anything after):

* **A router.** Write ``netraven/service/routes/NAME.py`` with a module-level
  ``router = APIRouter(prefix="/schedules", tags=["schedules"])`` and add ``"NAME"`` to
  ``ROUTE_MODULES`` below (one line). Modules are imported when the app is created.
* **Auth.** Every route except ``/health`` takes a principal:
  ``principal: Annotated[Principal, Depends(require(Role.VIEWER))]`` for reads,
  ``Role.OPERATOR`` to start/cancel jobs and reset breakers, ``Role.ADMIN`` for tokens
  and the audit log (``netraven.service.auth``). It returns ``Principal(name, role)``;
  401/403 are raised for you with no detail.
* **Audit.** After every write, ``await audit_write(request, principal, "schedule.add",
  target="nightly", detail={...})`` (``netraven.service.auth``); refused writes are
  recorded by ``require`` itself.
* **Database.** ``state = state_of(request)``; ``await state.db.read(fn, *args)`` runs a
  sync ``fn(connection, *args)`` (app-layer queries take ``Engine | Connection``) on the
  async engine, ``await state.db.write(fn, ...)`` does it in a committed transaction;
  ``state.db.engine`` is the ``AsyncEngine`` for native async sessions.
* **Errors.** Raise ``InputError`` (→ 400 with its one-line message) or ``StoreError``
  (→ 503); anything else is a 500 with no detail, logged with its traceback.
* **Background tasks.** ``async def run(state: ServiceState) -> None`` that loops until
  cancelled; add ``"module:function"`` to ``BACKGROUND_TASKS`` below. They start after
  the job runner when the app's lifespan begins and are cancelled (then awaited) at
  shutdown, before running jobs are interrupted.
* **Queueing a job** from inside the process (a schedule firing):
  ``await submit(state, StartJob(playbook=..., inventory=..., limit=...),
  started_by="schedule:nightly")`` returns ``Submitted(job: JobView, notes)``; it raises
  ``InputError`` if a run would refuse the inputs. The job waits ``queued`` in the store
  until a slot among ``service_max_jobs`` is free.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from netraven import __version__
from netraven.errors import InputError, StoreError
from netraven.service.requests import StartJob
from netraven.service.runner import Submitted
from netraven.service.state import BackgroundTask, ServiceState
from netraven.settings import Settings

__all__ = ["BACKGROUND_TASKS", "ROUTE_MODULES", "create_app", "submit"]

log = logging.getLogger("netraven.service")

# netraven.service.routes.<name>.router, in this order.
ROUTE_MODULES: list[str] = [
    "health", "jobs", "events", "backups", "breakers", "admin", "schedules", "templates"
]
# The flags API and the web UI (pages at / and /ui/...; docs/ui.md).
ROUTE_MODULES += ["flags", "ui", "ui_hosts", "ui_admin", "ui_sched", "apidocs"]
# "module:function" of background tasks started with the service.
BACKGROUND_TASKS: list[str] = ["netraven.service.scheduling:run_scheduler"]


async def submit(state: ServiceState, request: StartJob, *, started_by: str) -> Submitted:
    """Queue a job as the API's POST /jobs does (``started_by`` is what job.user records)."""
    return await state.runner.submit(request, started_by)


def create_app(
    settings: Settings,
    *,
    background: Sequence[BackgroundTask] = (),
) -> FastAPI:
    """The application; the store is opened (and migrated) when its lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await open_state(settings, [*_load_background(), *background])
        app.state.service = state
        await state.start()
        try:
            yield
        finally:
            await state.stop()

    app = FastAPI(
        title="NetRaven job service",
        version=__version__,
        description="Run playbooks, follow jobs, read backups and breakers. "
        "Every route but /health needs `Authorization: Bearer <token>`.",
        lifespan=lifespan,
        # Served by routes/apidocs.py to signed-in callers only (only /health is anonymous).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"netraven.service.routes.{name}")
        app.include_router(module.router)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("job store error on %s: %s", request.url.path, exc)
        return JSONResponse(status_code=503, content={"detail": "job store unavailable"})

    return app


async def open_state(settings: Settings, background: list[BackgroundTask]) -> ServiceState:
    """Migrate the store and mark dead processes' jobs interrupted, then build the runner."""
    import asyncio

    from netraven.engine.pool import ConnectionPool
    from netraven.service.db import Database
    from netraven.service.feed import Feeds
    from netraven.service.response_cache import ResponseCache
    from netraven.service.runner import JobRunner
    from netraven.store.engine import open_engine

    store = await asyncio.to_thread(open_engine, settings.db_url)
    vault_password = None
    if settings.vault_password_file is not None:
        from netraven.vault import load_vault_password

        vault_password = load_vault_password(settings.vault_password_file)
    feeds = Feeds(asyncio.get_running_loop())
    pool = ConnectionPool.from_settings(settings)
    responses = ResponseCache()
    runner = JobRunner(settings, store, feeds, pool, vault_password, responses.invalidate)
    return ServiceState(
        settings=settings,
        store=store,
        db=Database(settings.db_url),
        feeds=feeds,
        runner=runner,
        pool=pool,
        responses=responses,
        background=background,
    )


def _load_background() -> list[BackgroundTask]:
    tasks: list[BackgroundTask] = []
    for spec in BACKGROUND_TASKS:
        module, _, name = spec.partition(":")
        tasks.append(getattr(importlib.import_module(module), name))
    return tasks
