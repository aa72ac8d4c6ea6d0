"""Schedules and the template repository in the web UI, over the API's route functions.

Schedules: list, enable/disable, run now. Templates: list, a template's versions, a
side-by-side diff of two versions, and a preview rendered for one host of an inventory
(variables resolved as a run would, secrets masked) — read-only, so viewers may preview.
Creating schedules and template versions stays with the CLI and API, where the text of a
template or a schedule's variables is reviewed as a file.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from netraven.app import schedules as app_schedules
from netraven.app import templates as app_templates
from netraven.errors import InputError
from netraven.service.auth import state_of
from netraven.service.routes import schedules as api_schedules
from netraven.service.routes import templates as api_templates
from netraven.service.routes.ui import choices, problem, see_other
from netraven.service.tokens import Role
from netraven.service.ui.access import UiUser, ui_user
from netraven.service.ui.render import page
from netraven.service.ui.sidebyside import side_by_side

router = APIRouter(include_in_schema=False)
ScheduleViewer = Annotated[UiUser, Depends(ui_user(Role.VIEWER, page="schedules"))]
ScheduleOperator = Annotated[UiUser, Depends(ui_user(Role.OPERATOR, page="schedules"))]
TemplateViewer = Annotated[UiUser, Depends(ui_user(Role.VIEWER, page="templates"))]


@router.get("/ui/schedules", response_class=HTMLResponse)
async def schedules_page(
    request: Request, user: ScheduleViewer, ran: str | None = None, job: int | None = None
) -> HTMLResponse:
    schedules = await asyncio.to_thread(app_schedules.list_schedules, state_of(request).store)
    notice = f"{ran}: started" + (f" as job #{job}" if job else "") if ran else None
    return page(
        request, "schedules.html",
        {"user": user, "nav": "schedules", "error": None, "notice": notice,
         "schedules": schedules, "job": job},
    )  # fmt: skip


@router.post("/ui/schedules/{name}/{action}", response_model=None)
async def schedule_action(
    name: str, action: str, request: Request, user: ScheduleOperator
) -> Response:
    try:
        if action == "enable":
            await api_schedules.enable(name, request, user.principal)
        elif action == "disable":
            await api_schedules.disable(name, request, user.principal)
        elif action == "run":
            started = await api_schedules.run_now(name, request, user.principal)
            suffix = f"&job={started.job_id}" if started.job_id else ""
            return see_other(f"/ui/schedules?ran={name}{suffix}")
        else:
            raise HTTPException(status_code=404, detail="Not Found")
    except InputError as exc:
        return problem(request, user, 400, str(exc), "/ui/schedules")
    return see_other("/ui/schedules")


@router.get("/ui/templates", response_class=HTMLResponse)
async def templates_page(request: Request, user: TemplateViewer) -> HTMLResponse:
    templates = await state_of(request).db.read(app_templates.list_templates)
    return page(
        request, "templates.html",
        {"user": user, "nav": "templates", "error": None, "notice": None,
         "templates": templates},
    )  # fmt: skip


async def _template_page(
    request: Request,
    user: UiUser,
    name: str,
    old: int | None,
    new: int | None,
    preview: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    state = state_of(request)
    try:
        versions = await state.db.read(app_templates.list_versions, name)
        shown = await state.db.read(app_templates.show_version, name, new)
    except InputError as exc:
        return problem(request, user, 404, str(exc), "/ui/templates")
    numbers = [v.version for v in versions]
    newest = max(numbers)
    new = new or newest
    old = old or (max([n for n in numbers if n < new], default=new))
    rows = None
    try:
        older = await state.db.read(app_templates.show_version, name, old)
        rows = side_by_side(older.body or "", shown.body or "")
    except InputError as exc:
        error = error or str(exc)
    _, inventories = choices(state.runner.root)
    return page(
        request, "template.html",
        {"user": user, "nav": "templates", "error": error, "notice": None, "name": name,
         "versions": sorted(versions, key=lambda v: -v.version), "shown": shown,
         "old": old, "new": new, "rows": rows, "inventories": inventories,
         "preview": preview or {"inventory": "inventory" if "inventory" in inventories
                                else "", "host": "", "text": ""}},
        400 if error else 200,
    )  # fmt: skip


@router.get("/ui/templates/{name:path}/preview", response_class=HTMLResponse)
async def template_preview(
    name: str,
    request: Request,
    user: TemplateViewer,
    inventory: str = "",
    host: str = "",
    version: int | None = None,
) -> HTMLResponse:
    """A GET form: rendering writes nothing, so it needs no CSRF token and can be linked."""
    values = {"inventory": inventory, "host": host, "text": ""}
    try:
        body = api_templates.PreviewRequest(inventory=inventory, host=host, version=version)
        result = await api_templates.preview(name, body, request, user.principal)
    except (InputError, ValueError) as exc:
        return await _template_page(request, user, name, None, version, values, str(exc))
    values["text"] = result.text
    return await _template_page(request, user, name, None, version, values)


@router.get("/ui/templates/{name:path}", response_class=HTMLResponse)
async def template_page(
    name: str,
    request: Request,
    user: TemplateViewer,
    old: int | None = None,
    new: int | None = None,
) -> HTMLResponse:
    return await _template_page(request, user, name, old, new)
