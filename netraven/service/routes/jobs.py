"""Jobs: start, list, show, host results, logs, cancel, re-run failed hosts.

The three reads pollers repeat — the list, a job's summary, a job's detail — are answered
through the service's ``ResponseCache``: identical requests within a second share one
store read and one serialisation (freshness: ``response_cache``'s docstring).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import TypeAdapter

from netraven.app import jobs as app_jobs
from netraven.app.read_models import HostView, JobDetail, JobView, LogView
from netraven.domain import JobStatus
from netraven.errors import InputError
from netraven.service.auth import Principal, Role, audit_write, require, state_of
from netraven.service.job_queries import find_jobs, stored_request
from netraven.service.requests import StartJob
from netraven.service.response_cache import Answer

router = APIRouter(prefix="/jobs", tags=["jobs"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
# What FastAPI would serialise with for each response_model (same bytes, made once).
_JOB_LIST: TypeAdapter[list[JobView]] = TypeAdapter(list[JobView])
_JOB: TypeAdapter[JobView] = TypeAdapter(JobView)
_DETAIL: TypeAdapter[JobDetail] = TypeAdapter(JobDetail)


@router.post("", status_code=201, response_model=JobView)
async def start_job(
    body: StartJob, request: Request, response: Response, principal: Operator
) -> JobView:
    """Queue a job; it starts when a slot is free. 400 for anything `run` would refuse."""
    state = state_of(request)
    try:
        submitted = await state.runner.submit(body, principal.name)
    except InputError as exc:
        await audit_write(
            request, principal, "job.start", body.playbook, status_code=400,
            detail={"error": str(exc)},
        )
        raise
    job = submitted.job
    await audit_write(
        request, principal, "job.start", f"job {job.id}",
        status_code=201, detail={"playbook": body.playbook, "inventory": body.inventory,
                                 "limit": body.limit, "check": body.check},
    )
    response.headers["Location"] = f"/jobs/{job.id}"
    return job


@router.get("", response_model=list[JobView])
async def list_jobs(
    request: Request,
    _: Viewer,
    status: JobStatus | None = None,
    playbook: str | None = None,
    since: datetime | None = None,
    before: Annotated[int | None, Query(ge=1, description="Page cursor: ids below it")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Newest first. The next page's URL is in the `Link: <...>; rel="next"` header."""

    async def make() -> Answer:
        views = await state_of(request).db.read(
            find_jobs, status=status, playbook=playbook, since=since, before=before, limit=limit
        )
        headers = {}
        if len(views) == limit:
            params = {**request.query_params, "before": str(views[-1].id)}
            headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
        return Answer(_JOB_LIST.dump_json(views), headers)

    return await _cached(request, make)


@router.get("/{job_ref}", response_model=JobDetail)
async def show_job(job_ref: str, request: Request, _: Viewer) -> Response:
    """One job (an id, or `last`): the same document as `netraven jobs show --json`."""

    async def make() -> Answer:
        return Answer(_DETAIL.dump_json(await _detail(request, job_ref)))

    return await _cached(request, make)


@router.get("/{job_ref}/summary", response_model=JobView)
async def job_summary(job_ref: str, request: Request, _: Viewer) -> Response:
    """The job alone (status, exit code, times), without its hosts: cheap to poll."""

    async def make() -> Answer:
        try:
            job = await state_of(request).db.read(app_jobs.resolve_job, job_ref)
        except InputError as exc:
            raise _not_found(exc) from None
        return Answer(_JOB.dump_json(app_jobs.job_view(job)))

    return await _cached(request, make)


@router.get("/{job_ref}/hosts", response_model=dict[str, HostView])
async def host_results(job_ref: str, request: Request, _: Viewer) -> dict[str, HostView]:
    return (await _detail(request, job_ref)).hosts


@router.get("/{job_ref}/hosts/{host}", response_model=HostView)
async def host_result(job_ref: str, host: str, request: Request, _: Viewer) -> HostView:
    hosts = (await _detail(request, job_ref)).hosts
    if host not in hosts:
        raise HTTPException(status_code=404, detail=f"job {job_ref} has no host '{host}'")
    return hosts[host]


@router.get("/{job_ref}/logs", response_model=list[LogView])
async def job_logs(
    job_ref: str, request: Request, _: Viewer, host: str | None = None
) -> list[LogView]:
    try:
        return await state_of(request).db.read(app_jobs.job_logs, job_ref, host)
    except InputError as exc:
        raise _not_found(exc) from None


@router.post("/{job_id}/cancel", status_code=202, response_model=JobView)
async def cancel_job(job_id: int, request: Request, principal: Operator) -> JobView:
    """A queued job is cancelled at once; a running one stops, keeping finished hosts."""
    state = state_of(request)
    job = await _job(request, job_id)
    outcome = await state.runner.cancel(job_id)
    if outcome == "not-running":
        await audit_write(request, principal, "job.cancel", f"job {job_id}", status_code=409)
        raise HTTPException(
            status_code=409, detail=f"job {job_id} is {job.status}, not running in this service"
        )
    await audit_write(
        request, principal, "job.cancel", f"job {job_id}", status_code=202,
        detail={"result": outcome},
    )
    return await _job(request, job_id)


@router.post("/{job_id}/rerun", status_code=201, response_model=JobView)
async def rerun_failed(
    job_id: int, request: Request, response: Response, principal: Operator
) -> JobView:
    """A new job: the same request, on the hosts that failed or were unreachable."""
    state = state_of(request)
    await _job(request, job_id)
    stored = await state.db.read(stored_request, job_id)
    if stored is None:
        raise HTTPException(
            status_code=409,
            detail=f"job {job_id} was not started through this service: POST /jobs with "
            f"retry_failed={job_id} and its playbook and inventory",
        )
    if stored.get("withheld_secrets"):
        raise HTTPException(
            status_code=409,
            detail=f"job {job_id} had secret extra vars, which are never stored: POST /jobs "
            f"with retry_failed={job_id} and the extra vars again",
        )
    original = StartJob.model_validate(stored["request"])
    again = original.model_copy(update={"retry_failed": job_id, "start_at_task": None})
    try:
        submitted = await state.runner.submit(again, principal.name)
    except InputError as exc:
        await audit_write(
            request, principal, "job.rerun", f"job {job_id}", status_code=400,
            detail={"error": str(exc)},
        )
        raise
    await audit_write(
        request, principal, "job.rerun", f"job {job_id}", status_code=201,
        detail={"new_job": submitted.job.id},
    )
    response.headers["Location"] = f"/jobs/{submitted.job.id}"
    return submitted.job


async def _cached(request: Request, make: Callable[[], Awaitable[Answer]]) -> Response:
    """``make()``'s answer, or the one made for the same path and query a moment ago."""
    key = request.url.path + "?" + request.url.query
    answer = await state_of(request).responses.get(key, make)
    return Response(answer.body, media_type="application/json", headers=answer.headers)


async def _detail(request: Request, job_ref: str) -> JobDetail:
    try:
        return await state_of(request).db.read(app_jobs.show_job, job_ref)
    except InputError as exc:
        raise _not_found(exc) from None


async def _job(request: Request, job_id: int) -> JobView:
    try:
        job = await state_of(request).db.read(app_jobs.resolve_job, job_id)
    except InputError as exc:
        raise _not_found(exc) from None
    return app_jobs.job_view(job)


def _not_found(exc: InputError) -> HTTPException:
    text = str(exc)
    code = 404 if text.startswith(("no job", "no jobs")) else 400
    return HTTPException(status_code=code, detail=text)
