"""The template repository over HTTP: the same use cases as ``netraven templates``.

Names may hold ``/`` (folders), so routes put the name last or before a fixed suffix.
Previews read the inventory (and playbook) from the service's playbook directory.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from netraven.app import templates as app_templates
from netraven.app.template_preview import preview as render_preview
from netraven.app.templates import TemplateDiff, TemplateVersionView
from netraven.errors import InputError
from netraven.service.auth import Principal, Role, audit_write, require, state_of
from netraven.service.runner import resolve_inside
from netraven.service.scheduling import vault_password

router = APIRouter(prefix="/templates", tags=["templates"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    body: str
    message: str = ""


class TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str
    message: str = ""


class NewVersion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: TemplateVersionView
    created: bool  # False: identical to the latest version, nothing added


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inventory: str = Field(description="Inventory directory, relative to the playbook dir.")
    host: str
    version: int | None = Field(None, ge=1, description="The latest when left out.")
    playbook: str | None = Field(None, description="Add its first play's vars.")
    extra_vars: dict[str, Any] = Field(default_factory=dict)


class PreviewView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    host: str
    text: str  # rendered, every known secret masked


@router.get("", response_model=list[TemplateVersionView])
async def list_templates(request: Request, _: Viewer) -> list[TemplateVersionView]:
    """Every template with its latest version."""
    return await state_of(request).db.read(app_templates.list_templates)


@router.post("", status_code=201, response_model=TemplateVersionView)
async def create(
    body: TemplateCreate, request: Request, response: Response, principal: Operator
) -> TemplateVersionView:
    state = state_of(request)
    try:
        view = await asyncio.to_thread(
            app_templates.create_template,
            state.store,
            body.name,
            body.body,
            author=principal.name,
            message=body.message,
        )
    except InputError as exc:
        await audit_write(
            request, principal, "template.create", body.name, status_code=400,
            detail={"error": str(exc)},
        )
        raise
    await audit_write(
        request, principal, "template.create", body.name, status_code=201,
        detail={"version": view.version, "sha256": view.sha256},
    )
    response.headers["Location"] = f"/templates/{view.name}"
    return view


@router.get("/{name:path}/versions", response_model=list[TemplateVersionView])
async def versions(name: str, request: Request, _: Viewer) -> list[TemplateVersionView]:
    return await state_of(request).db.read(app_templates.list_versions, name)


@router.post("/{name:path}/versions", response_model=NewVersion)
async def add_version(
    name: str, body: TemplateBody, request: Request, response: Response, principal: Operator
) -> NewVersion:
    """201 with the new version, or 200 when the text equals the latest (nothing added)."""
    state = state_of(request)
    try:
        view, created = await asyncio.to_thread(
            app_templates.new_version,
            state.store,
            name,
            body.body,
            author=principal.name,
            message=body.message,
        )
    except InputError as exc:
        await audit_write(
            request, principal, "template.version", name, status_code=400,
            detail={"error": str(exc)},
        )
        raise
    response.status_code = 201 if created else 200
    await audit_write(
        request, principal, "template.version", name, status_code=response.status_code,
        detail={"version": view.version, "created": created},
    )
    return NewVersion(version=view, created=created)


@router.get("/{name:path}/diff", response_model=TemplateDiff)
async def diff(
    name: str, request: Request, _: Viewer, old: int | None = None, new: int | None = None
) -> TemplateDiff:
    """Unified diff of versions `old` and `new` (the newest two when both are left out)."""
    return await state_of(request).db.read(app_templates.diff_versions, name, old, new)


@router.post("/{name:path}/preview", response_model=PreviewView)
async def preview(
    name: str, body: PreviewRequest, request: Request, _: Viewer
) -> PreviewView:
    """Render for one host as a run would (read-only: a viewer may preview)."""
    state = state_of(request)
    root = state.runner.root
    inventory = resolve_inside(root, body.inventory, "inventory")
    playbook = resolve_inside(root, body.playbook, "playbook") if body.playbook else None
    text = await asyncio.to_thread(
        render_preview,
        state.store,
        name,
        body.version,
        inventory,
        body.host,
        playbook=playbook,
        extra_vars=body.extra_vars,
        vault_password=vault_password(state),
    )
    return PreviewView(name=name, host=body.host, text=text)


@router.get("/{name:path}", response_model=TemplateVersionView)
async def show(
    name: str, request: Request, _: Viewer, version: int | None = None
) -> TemplateVersionView:
    """One version with its text (the latest by default)."""
    return await state_of(request).db.read(app_templates.show_version, name, version)


@router.delete("/{name:path}", status_code=204)
async def delete(name: str, request: Request, principal: Operator) -> Response:
    """Refused (400) while a schedule's playbook uses the template."""
    state = state_of(request)

    def remove() -> None:
        app_templates.delete_template(
            state.store, name, in_use=lambda n: app_templates.schedules_using(state.store, n)
        )

    try:
        await asyncio.to_thread(remove)
    except InputError as exc:
        await audit_write(
            request, principal, "template.delete", name, status_code=400,
            detail={"error": str(exc)},
        )
        raise
    await audit_write(request, principal, "template.delete", name, status_code=204)
    return Response(status_code=204)
