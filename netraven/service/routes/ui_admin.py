"""Flags, breakers and the audit log in the web UI, through the API's own route functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from netraven.app import breakers as app_breakers
from netraven.service import audit
from netraven.service.auth import state_of
from netraven.service.routes import breakers as api_breakers
from netraven.service.routes.admin import audit_view
from netraven.service.routes.flags import change_flag, current_flags
from netraven.service.routes.ui import field, problem, see_other
from netraven.service.tokens import Role
from netraven.service.ui.access import UiUser, form_of, ui_user
from netraven.service.ui.render import page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[UiUser, Depends(ui_user(Role.VIEWER))]
Operator = Annotated[UiUser, Depends(ui_user(Role.OPERATOR))]
BreakerViewer = Annotated[UiUser, Depends(ui_user(Role.VIEWER, page="breakers"))]
BreakerOperator = Annotated[UiUser, Depends(ui_user(Role.OPERATOR, page="breakers"))]
Admin = Annotated[UiUser, Depends(ui_user(Role.ADMIN))]
FLAG_ACTIONS = ("enable", "disable", "reset", "rollout")


@router.get("/ui/flags", response_class=HTMLResponse)
async def flags_page(request: Request, user: Viewer, changed: str | None = None) -> HTMLResponse:
    flags = await current_flags(request)
    notice = None
    if changed:
        view = next((f for f in flags if f.name == changed), None)
        notice = f"{changed}: {view.summary} — new jobs see it from now on" if view else None
    return page(
        request, "flags.html",
        {"user": user, "nav": "flags", "error": None, "notice": notice, "flags": flags},
    )  # fmt: skip


@router.post("/ui/flags/{name}/{action}", response_model=None)
async def flag_action(name: str, action: str, request: Request, user: Operator) -> Response:
    if action not in FLAG_ACTIONS:
        raise HTTPException(status_code=404, detail="Not Found")
    kwargs: dict[str, object] = {}
    if action == "rollout":
        form = await form_of(request)
        raw = field(form, "percent")
        try:
            kwargs["percent"] = float(raw) if raw else None
        except ValueError:
            return problem(request, user, 400, f"percent: '{raw}' is not a number", "/ui/flags")
        kwargs["tags"] = [t.strip() for t in field(form, "tags").split(",") if t.strip()]
    try:
        await change_flag(request, user.principal, name, action, **kwargs)
    except HTTPException as exc:
        return problem(request, user, exc.status_code, str(exc.detail), "/ui/flags")
    return see_other(f"/ui/flags?changed={name}")


@router.get("/ui/breakers", response_class=HTMLResponse)
async def breakers_page(request: Request, user: BreakerViewer) -> HTMLResponse:
    breakers = await state_of(request).db.read(app_breakers.list_breakers, include_closed=True)
    return page(
        request, "breakers.html",
        {"user": user, "nav": "breakers", "error": None, "notice": None, "breakers": breakers},
    )  # fmt: skip


@router.post("/ui/breakers/reset", response_model=None)
async def reset_breakers(request: Request, user: BreakerOperator) -> Response:
    """One breaker (the form's ``scope``) or, without it, all of them."""
    scope = field(await form_of(request), "scope")
    try:
        if scope:
            await api_breakers.reset_one(scope, request, user.principal)
        else:
            await api_breakers.reset_all(request, user.principal)
    except HTTPException as exc:
        return problem(request, user, exc.status_code, str(exc.detail), "/ui/breakers")
    return see_other("/ui/breakers")


@router.get("/ui/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request, user: Admin, before: int | None = None, who: str | None = None
) -> HTMLResponse:
    limit = 100
    rows = await state_of(request).db.read(
        audit.list_audit, limit=limit, before=before, who=who or None
    )
    entries = [audit_view(r) for r in rows]
    older = entries[-1].id if len(entries) == limit else None
    return page(
        request, "audit.html",
        {"user": user, "nav": "audit", "error": None, "notice": None, "entries": entries,
         "older": older, "who": who or ""},
    )  # fmt: skip
