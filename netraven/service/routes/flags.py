"""Feature flags over HTTP: the same use cases as ``netraven flags`` (``app.flags``).

Reading is for every role; switching a flag is for operators (and admins), because a flag
is the kill switch of a rollout and the on-call operator is who needs it at 3 a.m. — the
same people who may start and cancel jobs. Every change is audited with the setting it
replaced, so the log answers "who turned new_ntp off, and what was it before".

Which flags exist is declared in ``netraven.toml`` and read when the service starts; their
settings live in the store, and a job reads them when it is submitted, so a change applies
to the next job without a restart. The flag tables are written through the sync store
engine in a worker thread, as the job queue is: the queries are the CLI's, unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from netraven.app import flags as app_flags
from netraven.app.read_models import FlagView
from netraven.errors import InputError
from netraven.service.auth import Principal, Role, audit_write, require, state_of

__all__ = ["FlagRollout", "change_flag", "current_flags", "router"]

router = APIRouter(prefix="/flags", tags=["flags"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]


class FlagRollout(BaseModel):
    """On for a stable share of hosts and/or the hosts with any of these inventory tags."""

    model_config = ConfigDict(extra="forbid")

    percent: float | None = Field(None, ge=0, le=100, description="0-100, 0.01 % steps.")
    tags: list[str] = Field(default_factory=list, description="Inventory data.tags.")


async def current_flags(request: Request) -> list[FlagView]:
    """Every declared flag with its setting (also what the web UI renders)."""
    state = state_of(request)
    return await asyncio.to_thread(app_flags.list_flags, state.settings.flags, state.store)


async def change_flag(
    request: Request, principal: Principal, name: str, action: str, **kwargs: Any
) -> FlagView:
    """Apply one change (``enable``, ``disable``, ``rollout``, ``reset``) and audit it."""
    state = state_of(request)
    definitions = state.settings.flags
    before = {v.name: v.summary for v in await current_flags(request)}.get(name)
    calls: dict[str, Callable[[], FlagView]] = {
        "enable": lambda: app_flags.switch_flag(
            definitions, state.store, name, True, principal.name
        ),
        "disable": lambda: app_flags.switch_flag(
            definitions, state.store, name, False, principal.name
        ),
        "rollout": lambda: app_flags.rollout_flag(
            definitions, state.store, name, principal.name, **kwargs
        ),
        "reset": lambda: app_flags.reset_flag(definitions, state.store, name),
    }
    try:
        view = await asyncio.to_thread(calls[action])
    except InputError as exc:
        code = 404 if before is None else 400
        await audit_write(
            request, principal, f"flag.{action}", name, status_code=code,
            detail={"error": str(exc)},
        )  # fmt: skip
        raise HTTPException(status_code=code, detail=str(exc)) from None
    detail: dict[str, object] = {"from": before, "to": view.summary}
    if action == "rollout":
        detail.update(percent=view.percent, tags=view.tags)
    await audit_write(request, principal, f"flag.{action}", name, detail=detail)
    return view


@router.get("", response_model=list[FlagView])
async def list_flags(request: Request, _: Viewer) -> list[FlagView]:
    """Declared flags (``netraven.toml`` of the service), defaults and current settings."""
    return await current_flags(request)


@router.post("/{name}/enable", response_model=FlagView)
async def enable_flag(name: str, request: Request, principal: Operator) -> FlagView:
    """On for every host, from the next job."""
    return await change_flag(request, principal, name, "enable")


@router.post("/{name}/disable", response_model=FlagView)
async def disable_flag(name: str, request: Request, principal: Operator) -> FlagView:
    """Off for every host, from the next job: the kill switch."""
    return await change_flag(request, principal, name, "disable")


@router.post("/{name}/rollout", response_model=FlagView)
async def rollout_flag(
    name: str, body: FlagRollout, request: Request, principal: Operator
) -> FlagView:
    """On for ``percent`` % of hosts (stable: raising it only adds hosts) and/or ``tags``."""
    return await change_flag(
        request, principal, name, "rollout", percent=body.percent, tags=body.tags
    )


@router.post("/{name}/reset", response_model=FlagView)
async def reset_flag(name: str, request: Request, principal: Operator) -> FlagView:
    """Forget the setting: back to the default declared in ``netraven.toml``."""
    return await change_flag(request, principal, name, "reset")
