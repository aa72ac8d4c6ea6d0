"""Backups in the web UI: hosts with stored configs, one host's versions, two side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from netraven.app import backups as app_backups
from netraven.errors import InputError
from netraven.service.auth import state_of
from netraven.service.routes.ui import problem
from netraven.service.tokens import Role
from netraven.service.ui.access import UiUser, ui_user
from netraven.service.ui.render import page
from netraven.service.ui.sidebyside import side_by_side

router = APIRouter(include_in_schema=False)
Viewer = Annotated[UiUser, Depends(ui_user(Role.VIEWER, page="hosts"))]


@router.get("/ui/hosts", response_class=HTMLResponse)
async def hosts_page(request: Request, user: Viewer) -> HTMLResponse:
    """Every host with a stored backup: how many versions, and the newest."""
    versions = await state_of(request).db.read(app_backups.list_versions, None)
    hosts: dict[str, dict[str, object]] = {}
    for v in versions:  # newest version of each host first
        entry = hosts.setdefault(v.host, {"count": 0, "latest": v})
        entry["count"] = int(str(entry["count"])) + 1
    return page(
        request, "hosts.html",
        {"user": user, "nav": "hosts", "error": None, "notice": None, "hosts": hosts},
    )  # fmt: skip


@router.get("/ui/hosts/{host}", response_class=HTMLResponse)
async def host_page(
    host: str, request: Request, user: Viewer, old: int | None = None, new: int | None = None
) -> HTMLResponse:
    """A host's backups over time; with ``old`` and ``new`` (version numbers) a diff of two."""
    db = state_of(request).db
    try:
        versions = await db.read(app_backups.list_versions, host)
    except InputError as exc:
        return problem(request, user, 404, str(exc), "/ui/hosts")
    if not versions:
        return problem(request, user, 404, f"no stored backups for host '{host}'", "/ui/hosts")
    numbers = [v.version for v in versions]  # newest first
    if old is None or new is None:
        new = numbers[0]
        old = numbers[1] if len(numbers) > 1 else numbers[0]
    rows = None
    error = None
    try:
        old_text = await db.read(app_backups.show_version, host, old)
        new_text = await db.read(app_backups.show_version, host, new)
        rows = side_by_side(old_text.text, new_text.text)
        identical = old_text.sha256 == new_text.sha256
    except InputError as exc:
        error, identical = str(exc), False
    return page(
        request, "host.html",
        {"user": user, "nav": "hosts", "error": error, "notice": None, "host": host,
         "versions": versions, "old": old, "new": new, "rows": rows, "identical": identical},
        400 if error else 200,
    )  # fmt: skip
