"""Jobs in the service's own process: queued in the store, started up to a cap.

``submit`` checks a request as ``netraven run`` would (loading playbook and inventory,
so bad input is refused before anything is recorded), then records the job ``queued``
together with its request (``job_request``). A dispatcher starts queued jobs, oldest
first, while fewer than ``service_max_jobs`` run; starting one is an atomic
``queued → running`` update, so two services on one store never both take a job. Each
runs through ``netraven.engine.execute`` with the service's long-lived ``ConnectionPool``.

Jobs get an event loop of their own, in one thread of this process (``netraven-jobs``),
and every job and the pool live on it; requests are served on uvicorn's loop. A job of
a thousand hosts keeps its loop busy with SSH work: sharing that loop, each request
waited a full turn of it for every await (tens of seconds under load, measured with
bench/service_load.py), while across two loops a request only waits for the
interpreter's thread switch. The two meet in thread-safe calls only: ``submit`` and
``cancel`` hand over with ``call_soon_threadsafe``/``run_coroutine_threadsafe``, and
feeds wake their subscribers on the request loop (``feed.py``).

Restart semantics: the store is the queue. A job left ``running`` by a killed service
becomes ``interrupted`` (``store.liveness``: its pid is dead), with every host result
it recorded kept; queued jobs start. Extra vars under secret-looking keys are never
stored, so a queued job that had them is failed after a restart with a message saying
so. A job cancelled through the API ends ``cancelled`` (exit 99) — queued ones without
running, running ones with their finished hosts kept.

Every change the runner makes to a job's row (queued, started, finished, cancelled) is
followed by ``on_change()``, once the store has it: the service's answer cache
(``response_cache``) drops what it knew, so polls never see a state older than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from netraven import exit_codes
from netraven.app.jobs import job_view
from netraven.app.read_models import JobView
from netraven.domain import JobStatus
from netraven.engine.events import NullListener
from netraven.engine.pool import ConnectionPool
from netraven.engine.spec import JobSpec, Owner
from netraven.errors import ExecutorError, InputError
from netraven.secrets import Redactor, secret_values
from netraven.service.feed import FeedListener, Feeds
from netraven.service.requests import StartJob
from netraven.settings import Settings
from netraven.store.models import Job, JobRequest, now
from netraven.store.queries import finish_job

__all__ = ["JobRunner", "Submitted", "resolve_inside"]

log = logging.getLogger("netraven.service")


@dataclass
class Submitted:
    job: JobView
    notes: list[str] = field(default_factory=list)


def resolve_inside(root: Path, relative: str, what: str) -> Path:
    """``relative`` under ``root``; anything that leaves it (``..``, absolute, symlink out)
    is an input error, so callers cannot run files from elsewhere on the machine."""
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise InputError(f"{what} '{relative}' is outside the service's playbook directory")
    if not target.exists():
        raise InputError(f"{what} '{relative}' does not exist in the playbook directory")
    return target


class JobRunner:
    def __init__(
        self,
        settings: Settings,
        store: Engine,
        feeds: Feeds,
        pool: ConnectionPool | None,
        vault_password: bytes | None = None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.on_change = on_change  # thread-safe: called on either loop
        self.store = store
        self.feeds = feeds
        self.pool = pool
        self.root = (settings.service_playbook_dir or settings.cwd).resolve()
        self.max_jobs = settings.service_max_jobs
        self._vault_password = vault_password
        self._specs: dict[int, JobSpec] = {}  # prepared at submit, for jobs queued here
        # Everything below belongs to the jobs loop (read-only from the request loop).
        self._running: dict[int, asyncio.Task[None]] = {}
        self._cancels: dict[int, asyncio.Event] = {}
        self._cancelled_by_api: set[int] = set()
        self._wake: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._pid = os.getpid()
        self._machine = socket.gethostname()

    # --- life ---

    def start(self) -> None:
        """Start the jobs loop's thread and its dispatcher (queued jobs from before a
        restart start at once)."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._wake = asyncio.Event()
            self._dispatcher = loop.create_task(self._dispatch(), name="netraven-dispatcher")
            self._wake.set()
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="netraven-jobs", daemon=True)
        self._thread.start()
        ready.wait()

    async def stop(self, grace: float = 30.0) -> None:
        """Cancel running jobs (they end ``interrupted``, results kept); queued ones stay.
        Then close the pool's sessions and end the jobs loop."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._stop_jobs(grace), loop)
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(future)
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 10)

    async def _stop_jobs(self, grace: float) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
        self.interrupt_all()
        tasks = list(self._running.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        if self.pool is not None:
            await self.pool.close()

    def _wake_dispatcher(self) -> None:
        """From either loop: look at the queue again."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def interrupt_all_threadsafe(self) -> None:
        """``interrupt_all`` from a signal handler or another thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.interrupt_all)

    def interrupt_all(self) -> None:
        """Shutdown began: every running job stops (``interrupted``, results kept) and no
        queued job starts any more (they wait in the store for the next start)."""
        self._stopping = True
        for event in self._cancels.values():
            event.set()

    @property
    def running(self) -> list[int]:
        return sorted(self._running)

    # --- submit, cancel ---

    async def submit(self, request: StartJob, started_by: str) -> Submitted:
        """Check and queue a job; ``InputError`` for anything a run would refuse."""
        spec, notes = await asyncio.to_thread(self._prepare, request, started_by)
        if spec is None:
            raise InputError("; ".join(notes) or "nothing to run")
        stored, withheld = _storable(request)
        row = await asyncio.to_thread(self._queue, spec, stored, withheld)
        assert row.id is not None
        self.on_change()
        self.feeds.open(row.id)
        self._wake_dispatcher()
        return Submitted(job_view(row), notes)

    async def enqueue(self, spec: JobSpec, *, schedule: str) -> int:
        """Queue a job whose spec a schedule's handler prepared (the scheduler's hook).

        It waits for a slot like any other job. Its request is not replayable (a generated
        backup play has no file), so after a restart it fails saying so and the schedule
        runs again at its next time.
        """
        row = await asyncio.to_thread(self._queue, spec, {"schedule": schedule}, False)
        assert row.id is not None
        self.on_change()
        self.feeds.open(row.id)
        self._wake_dispatcher()
        return row.id

    async def cancel(self, job_id: int) -> str:
        """'cancelled' (it was queued), 'cancelling' (it runs here and is being stopped),
        or 'not-running' (finished, or running in another process: nothing to do here)."""
        if self._loop is not None:
            running = asyncio.run_coroutine_threadsafe(self._cancel_running(job_id), self._loop)
            if await asyncio.wrap_future(running):
                return "cancelling"
        if await asyncio.to_thread(self._cancel_queued, job_id):
            self.on_change()
            self._specs.pop(job_id, None)
            self._end_feed(job_id)
            return "cancelled"
        return "not-running"

    # --- internals (on the jobs loop unless said otherwise) ---

    async def _cancel_running(self, job_id: int) -> bool:
        if job_id not in self._cancels:
            return False
        self._cancelled_by_api.add(job_id)
        self._cancels[job_id].set()
        return True

    def _prepare(self, request: StartJob, started_by: str) -> tuple[JobSpec | None, list[str]]:
        from netraven.app.runs import prepare_run

        if request.limit and request.limit.startswith("@"):
            raise InputError("limit: @FILE host lists are not accepted over the API")
        playbook = resolve_inside(self.root, request.playbook, "playbook")
        inventory = resolve_inside(self.root, request.inventory, "inventory")
        prepared = prepare_run(
            playbook,
            inventory,
            owner=Owner(started_by, self._pid, self._machine),
            store=lambda: self.store,
            limit=request.limit,
            retry_failed=request.retry_failed,
            extra_vars=request.extra_vars,
            tags=frozenset(request.tags),
            skip_tags=frozenset(request.skip_tags),
            check=request.check,
            diff=request.diff,
            forks=request.forks or self.settings.forks,
            log_level=self.settings.log_level,
            vault_password=self._vault_password,
            start_at_task=request.start_at_task,
            flags=self.settings.flags,
        )
        if prepared.spec is not None:
            _plan(prepared.spec)
        return prepared.spec, prepared.notes

    def _queue(self, spec: JobSpec, request: dict[str, Any], withheld: bool) -> Job:
        redactor = Redactor(
            [*spec.secrets, *secret_values(spec.options.extra_vars)]
        )
        options = redactor.obj(spec.options.as_record())
        row = Job(
            playbook=str(spec.playbook.path),
            playbook_sha256=spec.playbook.sha256,
            git_commit=spec.git_commit,
            inventory=spec.inventory_path,
            user=spec.owner.started_by,
            options=json.dumps(options, default=str),
            status=JobStatus.QUEUED,
            created_at=now(),
        )
        with Session(self.store, expire_on_commit=False) as session:
            session.add(row)
            session.flush()
            assert row.id is not None
            self._specs[row.id] = spec  # before the commit makes it visible to the dispatcher
            body: dict[str, Any] = {"request": request, "started_by": spec.owner.started_by}
            if withheld:
                body["withheld_secrets"] = True
            session.add(JobRequest(job_id=row.id, request=json.dumps(body, default=str)))
            session.commit()
        return row

    def _cancel_queued(self, job_id: int) -> bool:
        with Session(self.store) as session:
            result = session.execute(
                update(Job)
                .where(col(Job.id) == job_id, col(Job.status) == JobStatus.QUEUED)
                .values(status=JobStatus.CANCELLED, finished_at=now(), exit_code=99)
            )
            session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def _claim(self, job_id: int) -> bool:
        """queued → running in one statement: only one service ever takes a job."""
        with Session(self.store) as session:
            result = session.execute(
                update(Job)
                .where(col(Job.id) == job_id, col(Job.status) == JobStatus.QUEUED)
                .values(
                    status=JobStatus.RUNNING,
                    pid=self._pid,
                    machine=self._machine,
                    started_at=now(),
                )
            )
            session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def _queued_ids(self) -> list[int]:
        with Session(self.store) as session:
            rows = session.exec(
                select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(col(Job.id))
            ).all()
        return [r for r in rows if r is not None]

    async def _dispatch(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._start_queued()
            except Exception:  # a store hiccup must not kill the dispatcher
                log.exception("dispatching queued jobs failed; retrying in 5 s")
                await asyncio.sleep(5)
                self._wake.set()

    async def _start_queued(self) -> None:
        if self._stopping or len(self._running) >= self.max_jobs:
            return
        for job_id in await asyncio.to_thread(self._queued_ids):
            if self._stopping or len(self._running) >= self.max_jobs:
                return
            if not await asyncio.to_thread(self._claim, job_id):
                continue  # cancelled, or another service took it
            self.on_change()
            self._cancels[job_id] = asyncio.Event()
            self._running[job_id] = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")

    async def _run(self, job_id: int) -> None:
        from netraven.engine import build_redactor, execute

        cancel = self._cancels[job_id]
        try:
            spec = self._specs.pop(job_id, None)
            if spec is None:
                spec = await asyncio.to_thread(self._restore, job_id)
            feed = self.feeds.open(job_id)
            listener = FeedListener(feed, build_redactor(spec))
            view = await asyncio.to_thread(self._view, job_id)
            feed.add("job", job=view)
            remote = None
            if self.settings.executor == "celery":  # the hosts run on `netraven worker`s
                from netraven.executor.coordinator import CeleryExecutor

                remote = CeleryExecutor(spec, self.settings.broker_url, self.store)
                await remote.announce(await remote.workers())  # none alive: fails saying so
            await execute(
                spec,
                store=self.store,
                listeners=[listener, _Started(self.on_change)],
                cancel=cancel,
                pool=self.pool,
                job_id=job_id,
                remote=remote,
            )
            if job_id in self._cancelled_by_api:
                await asyncio.to_thread(self._mark_cancelled, job_id)
        except InputError as exc:  # the inputs changed on disk since it was queued
            await asyncio.to_thread(
                finish_job, self.store, job_id, JobStatus.FAILED, exit_codes.INPUT, str(exc)
            )
        except ExecutorError as exc:  # no worker alive, broker down: said as it is
            await asyncio.to_thread(
                finish_job, self.store, job_id, JobStatus.FAILED, exit_codes.INTERNAL, str(exc)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug outside the engine's boundary: never "ok"
            log.exception("job %s failed outside the engine", job_id)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(
                    finish_job,
                    self.store,
                    job_id,
                    JobStatus.FAILED,
                    exit_codes.INTERNAL,
                    f"internal error: {type(exc).__name__}: {exc}",
                )
        finally:
            self.on_change()  # finished, failed or cancelled: the row is final by now
            self._running.pop(job_id, None)
            self._cancels.pop(job_id, None)
            self._cancelled_by_api.discard(job_id)
            with contextlib.suppress(Exception):
                self._end_feed(job_id, await asyncio.to_thread(self._view, job_id))
            self._wake_dispatcher()

    def _restore(self, job_id: int) -> JobSpec:
        """The spec of a job queued before a restart, from its stored request."""
        with Session(self.store) as session:
            stored = session.get(JobRequest, job_id)
            job = session.get(Job, job_id)
        if stored is None or job is None:
            raise InputError(f"job {job_id} has no stored request to run")
        body = json.loads(stored.request)
        if "schedule" in body["request"]:  # queued by enqueue(): nothing to replay
            raise InputError(
                f"queued by schedule '{body['request']['schedule']}' before the service "
                "restarted; the schedule runs again at its next time"
            )
        if body.get("withheld_secrets"):
            raise InputError(
                "this job was queued with extra vars under secret-looking keys, which are "
                "never stored; the service restarted before it ran, so submit it again"
            )
        spec, notes = self._prepare(StartJob.model_validate(body["request"]), job.user)
        if spec is None:
            raise InputError("; ".join(notes) or "nothing to run")
        return spec

    def _view(self, job_id: int) -> JobView:
        with Session(self.store) as session:
            job = session.get(Job, job_id)
        assert job is not None
        return job_view(job)

    def _mark_cancelled(self, job_id: int) -> None:
        with Session(self.store) as session:
            session.execute(
                update(Job)
                .where(col(Job.id) == job_id, col(Job.status) == JobStatus.INTERRUPTED)
                .values(status=JobStatus.CANCELLED)
            )
            session.commit()

    def _end_feed(self, job_id: int, view: JobView | None = None) -> None:
        feed = self.feeds.open(job_id)
        if not feed.done:
            feed.add("end", job=view or self._view(job_id))


class _Started(NullListener):
    """The engine has restamped the claimed row (``started_at``, options): say so."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change

    def job_started(self, job_id: int) -> None:
        self._on_change()


def _plan(spec: JobSpec) -> None:
    """What ``execute`` refuses before recording anything, refused at submit time instead
    (a pattern naming no host, a connection kind a platform lacks, an unknown start task),
    so the caller gets a 400 rather than a job that fails at once."""
    from netraven.connections.base import default_registry
    from netraven.engine.plan import plan_job
    from netraven.engine.start_at import find_start

    registry = spec.playbook.plugins.register_connections(default_registry())
    items, _ = plan_job(spec.playbook, spec.inventory, spec.options.limit, registry)
    if spec.options.start_at_task is not None:
        find_start(spec.playbook.compiled, [i.hosts for i in items], spec.options.start_at_task)


def _storable(request: StartJob) -> tuple[dict[str, Any], bool]:
    """The request as it may be stored: extra vars under secret-looking keys left out."""
    data = request.model_dump(mode="json")
    secret = secret_values(request.extra_vars)
    if not secret:
        return data, False
    data["extra_vars"] = Redactor(secret).obj(request.extra_vars)
    return data, True
