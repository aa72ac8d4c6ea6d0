"""Schedules over HTTP: the same use cases as ``netraven schedules`` (``app.schedules``).

Paths in a schedule added over the API are relative to the service's playbook directory
and may not leave it, as for jobs. ``POST /schedules/{name}/run`` starts the schedule now
and answers 202 once its job exists (queued or already finished), with the job's id.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict

from netraven.app import schedules as app_schedules
from netraven.app.schedules import ScheduleRequest, ScheduleView
from netraven.errors import InputError
from netraven.service.auth import Principal, Role, audit_write, require, state_of
from netraven.service.runner import resolve_inside
from netraven.service.scheduling import queue_launch, vault_password, wake
from netraven.store import schedules as rows
from netraven.store.queries import Bind

router = APIRouter(prefix="/schedules", tags=["schedules"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
_in_flight: set[asyncio.Task[object]] = set()  # run-now tasks outlive their request


class RunStarted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schedule: str
    job_id: int | None  # None: the handler failed before a job existed (see the schedule)
    status: str  # queued, running, or the finished job's status


def _list(conn: Bind) -> list[ScheduleView]:
    return [app_schedules.schedule_view(r) for r in rows.list_schedules(conn)]


def _get(conn: Bind, name: str) -> ScheduleView:
    row = rows.get_schedule(conn, name)
    if row is None:
        raise InputError(f"no schedule named '{name}'")
    return app_schedules.schedule_view(row)


@router.get("", response_model=list[ScheduleView])
async def list_schedules(request: Request, _: Viewer) -> list[ScheduleView]:
    return await state_of(request).db.read(_list)


@router.get("/{name}", response_model=ScheduleView)
async def get_schedule(name: str, request: Request, _: Viewer) -> ScheduleView:
    return await state_of(request).db.read(_get, name)


@router.post("", status_code=201, response_model=ScheduleView)
async def add_schedule(
    body: ScheduleRequest, request: Request, response: Response, principal: Operator
) -> ScheduleView:
    """Checked as the CLI checks it (handler inputs, timing, zone); 400 says what is wrong."""
    state = state_of(request)
    root = state.runner.root
    try:
        resolve_inside(root, body.inventory, "inventory")
        if body.playbook is not None:
            resolve_inside(root, body.playbook, "playbook")
        view = await asyncio.to_thread(
            app_schedules.add_schedule,
            state.store,
            body,
            created_by=principal.name,
            base=root,
            vault_password=vault_password(state),
        )
    except InputError as exc:
        await audit_write(
            request, principal, "schedule.add", body.name, status_code=400,
            detail={"error": str(exc)},
        )
        raise
    await audit_write(
        request, principal, "schedule.add", view.name, status_code=201,
        detail={"handler": view.handler, "timing": view.timing, "timezone": view.timezone},
    )
    response.headers["Location"] = f"/schedules/{view.name}"
    wake(state)
    return view


async def _switch(request: Request, principal: Principal, name: str, on: bool) -> ScheduleView:
    state = state_of(request)
    action = "schedule.enable" if on else "schedule.disable"
    try:
        view = await asyncio.to_thread(app_schedules.set_enabled, state.store, name, on)
    except InputError as exc:
        await audit_write(request, principal, action, name, status_code=400,
                          detail={"error": str(exc)})
        raise
    await audit_write(request, principal, action, name)
    wake(state)
    return view


@router.post("/{name}/enable", response_model=ScheduleView)
async def enable(name: str, request: Request, principal: Operator) -> ScheduleView:
    return await _switch(request, principal, name, True)


@router.post("/{name}/disable", response_model=ScheduleView)
async def disable(name: str, request: Request, principal: Operator) -> ScheduleView:
    return await _switch(request, principal, name, False)


@router.delete("/{name}", status_code=204)
async def remove(name: str, request: Request, principal: Operator) -> Response:
    try:
        await asyncio.to_thread(app_schedules.remove_schedule, state_of(request).store, name)
    except InputError as exc:
        await audit_write(request, principal, "schedule.remove", name, status_code=400,
                          detail={"error": str(exc)})
        raise
    await audit_write(request, principal, "schedule.remove", name, status_code=204)
    return Response(status_code=204)


@router.post("/{name}/run", status_code=202, response_model=RunStarted)
async def run_now(name: str, request: Request, principal: Operator) -> RunStarted:
    """Run once now (refused with 400 while the schedule is running)."""
    state = state_of(request)
    queued: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_queued(job_id: int) -> None:
        if not queued.done():
            queued.set_result(job_id)

    task: asyncio.Task[object] = asyncio.create_task(
        app_schedules.run_now(
            state.store,
            name,
            queue_launch(state, on_queued=on_queued),
            vault_password=vault_password(state),
        )
    )
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)
    waiting: set[asyncio.Future[Any]] = {task, queued}
    await asyncio.wait(waiting, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task.done() and task.exception() is not None:
        error = task.exception()
        await audit_write(
            request, principal, "schedule.run", name, status_code=400,
            detail={"error": str(error)},
        )
        assert error is not None
        raise error
    job_id: int | None = None
    status = "running"
    if queued.done():
        job_id, status = queued.result(), "queued"
    elif task.done():
        result = task.result()
        job_id = getattr(result, "job_id", None)
        status = str(getattr(result, "status", "error"))
    await audit_write(
        request, principal, "schedule.run", name, status_code=202, detail={"job_id": job_id}
    )
    return RunStarted(schedule=name, job_id=job_id, status=status)
