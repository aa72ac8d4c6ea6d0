"""The web UI's front door and its jobs: login/logout, the jobs list, a job, live progress.

Pages call the API's own route functions (``routes.jobs``, ``routes.events``) with the
session's principal, so the UI can do nothing the API would refuse the same token, and
writes are audited exactly as API writes are. Reads are rendered on the server; the one
script only refreshes the jobs list and follows a running job's event stream.
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from pydantic import ValidationError

from netraven.app import jobs as app_jobs
from netraven.app.read_models import JobView
from netraven.domain import FAILED_HOST_STATUSES, JobStatus
from netraven.errors import InputError
from netraven.service.auth import audit_write, state_of
from netraven.service.job_queries import find_jobs
from netraven.service.requests import StartJob
from netraven.service.routes import events as api_events
from netraven.service.routes import jobs as api_jobs
from netraven.service.tokens import Role, token_digest
from netraven.service.ui.access import UiUser, form_of, sessions_of, ui_user
from netraven.service.ui.render import SECURITY_HEADERS, page
from netraven.service.ui.session import COOKIE, LOGIN_COOKIE, principal_for_digest, same
from netraven.store.liveness import UNFINISHED

router = APIRouter(include_in_schema=False)
Viewer = Annotated[UiUser, Depends(ui_user(Role.VIEWER))]
Operator = Annotated[UiUser, Depends(ui_user(Role.OPERATOR))]
STATIC = {"ui.js": "text/javascript; charset=utf-8", "ui.css": "text/css; charset=utf-8"}
PAGE_SIZE = 50
INLINE_HOSTS = 50  # more hosts than this: each host's output on its own page (bench/ui_pages.py)


def field(form: dict[str, list[str]], name: str) -> str:
    return next(iter(form.get(name, [])), "").strip()


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def problem(request: Request, user: UiUser, status: int, message: str, back: str) -> HTMLResponse:
    return page(
        request, "problem.html",
        {"user": user, "nav": None, "error": message, "notice": None,
         "heading": "That did not work", "back": back},
        status,
    )  # fmt: skip


def _safe_next(target: str) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


# --- static files, login, logout ---


@router.get("/ui/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(status_code=404, detail="Not Found")
    body = resources.files("netraven.service.ui").joinpath("static", name).read_bytes()
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})


def _login_page(
    request: Request, target: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The form, with a fresh login CSRF token in it and in a cookie (double submit)."""
    token = secrets.token_urlsafe(32)
    response = page(
        request, "login.html",
        {"user": None, "nav": None, "error": error, "notice": None, "login_csrf": token,
         "next": target},
        status_code,
    )  # fmt: skip
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
        path="/ui/login",
    )  # fmt: skip
    return response


@router.get("/ui/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, _safe_next(next))


@router.post("/ui/login", response_model=None)
async def login(request: Request) -> Response:
    """A valid token opens a session; the token itself is not kept, only its digest."""
    form = await form_of(request)
    target = _safe_next(field(form, "next") or "/")
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not same(expected, field(form, "csrf")):  # a forged cross-site login
        return _login_page(request, target, "Your login form expired: log in again.", 400)
    digest = token_digest(field(form, "token"))
    principal = await state_of(request).db.read(principal_for_digest, digest)
    if principal is None:
        return _login_page(request, target, "That token is not valid (unknown or revoked).", 401)
    session = sessions_of(request).create(digest)
    await audit_write(request, principal, "ui.login", principal.name)
    response = see_other(target)
    response.set_cookie(
        COOKIE, session.id, httponly=True, samesite="strict", secure=_secure(request), path="/"
    )
    response.delete_cookie(LOGIN_COOKIE, path="/ui/login")
    return response


@router.post("/ui/logout")
async def logout(request: Request, user: Viewer) -> RedirectResponse:
    sessions_of(request).drop(user.session.id)
    response = see_other("/ui/login")
    response.delete_cookie(COOKIE, path="/")
    return response


# --- jobs ---


def choices(root: Path) -> tuple[list[str], list[str]]:
    """Playbooks (top-level YAML files) and inventories (directories) to suggest."""
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return [], []
    books = [p.name for p in entries if p.suffix in (".yml", ".yaml") and p.is_file()]
    dirs = [p.name for p in entries if p.is_dir() and not p.name.startswith(".")]
    return books, dirs


async def _jobs(request: Request, status: str | None) -> list[JobView]:
    wanted = status if status in {s.value for s in JobStatus} else None
    return await state_of(request).db.read(find_jobs, status=wanted, limit=PAGE_SIZE)


async def _jobs_page(
    request: Request,
    user: UiUser,
    status: str | None,
    form: dict[str, object] | None = None,
    error: str | None = None,
    code: int = 200,
) -> HTMLResponse:
    books, dirs = choices(state_of(request).runner.root)
    default_inventory = "inventory" if "inventory" in dirs else ""
    return page(
        request, "jobs.html",
        {"user": user, "nav": "jobs", "error": error, "notice": None,
         "jobs": await _jobs(request, status), "status": status or "",
         "statuses": [s.value for s in JobStatus], "playbooks": books, "inventories": dirs,
         "form": form or {"playbook": "", "inventory": default_inventory, "limit": "",
                          "check": False, "diff": False}},
        code,
    )  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def jobs_page(request: Request, user: Viewer, status: str | None = None) -> HTMLResponse:
    return await _jobs_page(request, user, status)


@router.get("/ui/fragments/jobs", response_class=HTMLResponse)
async def jobs_rows(request: Request, user: Viewer, status: str | None = None) -> HTMLResponse:
    """The jobs table's rows, which the script swaps in to keep the list live."""
    return page(request, "_job_rows.html", {"jobs": await _jobs(request, status), "status": status})


@router.post("/ui/jobs", response_model=None)
async def start_job(request: Request, user: Operator) -> Response:
    form = await form_of(request)
    values: dict[str, object] = {
        "playbook": field(form, "playbook"),
        "inventory": field(form, "inventory"),
        "limit": field(form, "limit"),
        "check": field(form, "check") == "1",
        "diff": field(form, "diff") == "1",
    }
    try:
        body = StartJob(
            playbook=str(values["playbook"]),
            inventory=str(values["inventory"]),
            limit=str(values["limit"]) or None,
            check=bool(values["check"]),
            diff=bool(values["diff"]),
        )
        job = await api_jobs.start_job(body, request, Response(), user.principal)
    except InputError as exc:
        return await _jobs_page(request, user, None, values, str(exc), 400)
    except ValidationError as exc:  # an empty playbook or inventory
        message = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        return await _jobs_page(request, user, None, values, message, 400)
    return see_other(f"/ui/jobs/{job.id}")


@router.get("/ui/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(job_id: int, request: Request, user: Viewer) -> HTMLResponse:
    state = state_of(request)
    try:
        detail = await state.db.read(app_jobs.show_job, job_id)
        logs = await state.db.read(app_jobs.job_logs, job_id, None)
    except InputError as exc:
        return problem(request, user, 404, str(exc), "/")
    failed = [n for n, h in detail.hosts.items() if h.status in FAILED_HOST_STATUSES]
    live = detail.job.status in UNFINISHED
    return page(
        request, "job.html",
        {"user": user, "nav": "jobs", "error": None, "notice": None, "job": detail.job,
         "hosts": detail.hosts, "warnings": detail.warnings, "logs": logs,
         "flags": detail.flags, "live": live, "failed_hosts": [] if live else failed,
         "inline": len(detail.hosts) <= INLINE_HOSTS, "inline_limit": INLINE_HOSTS},
    )  # fmt: skip


@router.get("/ui/jobs/{job_id}/hosts/{host}", response_class=HTMLResponse)
async def job_host_page(job_id: int, host: str, request: Request, user: Viewer) -> HTMLResponse:
    """One host's tasks in one job: where a big job's host links lead."""
    try:
        job, result = await state_of(request).db.read(app_jobs.show_host, job_id, host)
    except InputError as exc:
        return problem(request, user, 404, str(exc), "/")
    if result is None:
        message = f"job {job_id} has no host '{host}'"
        return problem(request, user, 404, message, f"/ui/jobs/{job_id}")
    return page(
        request, "job_host.html",
        {"user": user, "nav": "jobs", "error": None, "notice": None, "job": job,
         "host": host, "result": result},
    )  # fmt: skip


@router.get("/ui/jobs/{job_id}/events")
async def job_events(
    job_id: int,
    request: Request,
    user: Viewer,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The API's event stream, for a browser holding a session instead of a bearer token."""
    return await api_events.job_events(job_id, request, user.principal, last_event_id, None)


@router.post("/ui/jobs/{job_id}/cancel", response_model=None)
async def cancel_job(job_id: int, request: Request, user: Operator) -> Response:
    try:
        await api_jobs.cancel_job(job_id, request, user.principal)
    except HTTPException as exc:
        return problem(request, user, exc.status_code, str(exc.detail), f"/ui/jobs/{job_id}")
    return see_other(f"/ui/jobs/{job_id}")


@router.post("/ui/jobs/{job_id}/rerun", response_model=None)
async def rerun_failed(job_id: int, request: Request, user: Operator) -> Response:
    try:
        job = await api_jobs.rerun_failed(job_id, request, Response(), user.principal)
    except HTTPException as exc:
        return problem(request, user, exc.status_code, str(exc.detail), f"/ui/jobs/{job_id}")
    except InputError as exc:
        return problem(request, user, 400, str(exc), f"/ui/jobs/{job_id}")
    return see_other(f"/ui/jobs/{job.id}")
