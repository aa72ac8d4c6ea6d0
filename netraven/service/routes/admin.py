"""Tokens and the audit log: admins only."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from netraven.app.read_models import AuditView, NewTokenView, TokenView
from netraven.service import audit, tokens
from netraven.service.auth import Principal, Role, audit_write, require, state_of
from netraven.service.requests import TokenCreate
from netraven.store.models import AuditEntry

router = APIRouter(tags=["admin"])
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


def token_view(record: tokens.TokenRecord) -> TokenView:
    return TokenView(
        name=record.name,
        role=record.role.value,
        created_by=record.created_by,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


@router.get("/tokens", response_model=list[TokenView])
async def list_tokens(request: Request, _: Admin) -> list[TokenView]:
    return [token_view(t) for t in await state_of(request).db.read(tokens.list_tokens)]


@router.post("/tokens", status_code=201, response_model=NewTokenView)
async def create_token(body: TokenCreate, request: Request, principal: Admin) -> NewTokenView:
    """The token is in this response only; the store keeps its SHA-256."""
    record, token = await state_of(request).db.write(
        tokens.create_token, body.name, body.role, f"api:{principal.name}"
    )
    await audit_write(
        request, principal, "token.create", body.name, status_code=201,
        detail={"role": record.role.value},
    )
    return NewTokenView(**token_view(record).model_dump(), token=token)


@router.delete("/tokens/{name}", response_model=TokenView)
async def revoke_token(name: str, request: Request, principal: Admin) -> TokenView:
    state = state_of(request)
    record = await state.db.write(tokens.revoke_token, name)
    state.tokens.clear()  # refused from the next request on, not after the cache's second
    await audit_write(request, principal, "token.revoke", name)
    return token_view(record)


@router.get("/audit", response_model=list[AuditView])
async def read_audit(
    request: Request,
    _: Admin,
    who: str | None = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditView]:
    """Newest first; page back with `before` (an entry id)."""
    rows = await state_of(request).db.read(audit.list_audit, limit=limit, before=before, who=who)
    return [audit_view(r) for r in rows]


def audit_view(row: AuditEntry) -> AuditView:
    assert row.id is not None
    return AuditView(
        id=row.id,
        at=row.at,
        who=row.who,
        role=row.role,
        action=row.action,
        target=row.target,
        client=row.client,
        status_code=row.status_code,
        detail=json.loads(row.detail) if row.detail else None,
    )
