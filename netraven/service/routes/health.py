"""Liveness (anonymous) and readiness (the store reachable and at this release's schema)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from netraven.service.auth import Principal, Role, require, state_of
from netraven.store.schema import HEAD

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process answers. No token needed, nothing revealed."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "store unreachable or not at head"}})
async def ready(
    request: Request, _: Annotated[Principal, Depends(require(Role.VIEWER))]
) -> JSONResponse:
    """The job store answers and its schema is this release's head."""
    state = state_of(request)
    ok = await state.db.at_head()
    body = {
        "status": "ready" if ok else "not ready",
        "schema_head": HEAD,
        "running_jobs": len(state.runner.running),
        "max_jobs": state.runner.max_jobs,
    }
    return JSONResponse(status_code=200 if ok else 503, content=body)
