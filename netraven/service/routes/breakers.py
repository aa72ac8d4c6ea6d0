"""Circuit breakers: which are open, and closing them by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from netraven.app import breakers as app_breakers
from netraven.app.read_models import BreakerView
from netraven.service.auth import Principal, Role, audit_write, require, state_of

router = APIRouter(prefix="/breakers", tags=["breakers"])


@router.get("", response_model=list[BreakerView])
async def list_breakers(
    request: Request,
    _: Annotated[Principal, Depends(require(Role.VIEWER))],
    all: bool = False,
) -> list[BreakerView]:
    """Open and half-open breakers (closed ones too with `?all=true`)."""
    return await state_of(request).db.read(app_breakers.list_breakers, include_closed=all)


@router.post("/reset")
async def reset_all(
    request: Request, principal: Annotated[Principal, Depends(require(Role.OPERATOR))]
) -> dict[str, int]:
    """Close every breaker: the next run contacts their hosts again."""
    count = await state_of(request).db.write(app_breakers.reset_breakers, None)
    await audit_write(request, principal, "breaker.reset", "*", detail={"reset": count})
    return {"reset": count}


@router.post("/{scope_key:path}/reset")
async def reset_one(
    scope_key: str,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.OPERATOR))],
) -> dict[str, int]:
    count = await state_of(request).db.write(app_breakers.reset_breakers, scope_key)
    if count == 0:
        await audit_write(request, principal, "breaker.reset", scope_key, status_code=404)
        raise HTTPException(status_code=404, detail=f"no breaker '{scope_key}'")
    await audit_write(request, principal, "breaker.reset", scope_key, detail={"reset": count})
    return {"reset": count}
