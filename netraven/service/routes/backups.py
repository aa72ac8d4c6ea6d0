"""Stored config backups: versions per host, one version's text, a diff of two."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request

from netraven.app import backups as app_backups
from netraven.app.backups import BackupDiff, BackupText, BackupVersion
from netraven.errors import InputError
from netraven.service.auth import Principal, Role, require, state_of

T = TypeVar("T")
router = APIRouter(prefix="/backups", tags=["backups"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]


def _version(ref: str) -> int:
    """``latest``, ``N`` (1 = oldest) or ``-N`` (from the newest)."""
    if ref in ("latest", "last"):
        return app_backups.LATEST
    try:
        return int(ref)
    except ValueError:
        raise HTTPException(
            status_code=400, detail=f"backup version must be a number or 'latest', got '{ref}'"
        ) from None


@router.get("", response_model=list[BackupVersion])
async def list_backups(request: Request, _: Viewer, host: str | None = None) -> list[BackupVersion]:
    """Every host's versions (or one host's), newest version first."""
    return await _read(request, app_backups.list_versions, host)


@router.get("/{host}/diff", response_model=BackupDiff)
async def diff_backups(
    host: str, request: Request, _: Viewer, old: str = "-2", new: str = "latest"
) -> BackupDiff:
    """A unified diff between two versions, by default the newest two."""
    return await _read(request, app_backups.diff_versions, host, _version(old), _version(new))


@router.get("/{host}/{version}", response_model=BackupText)
async def show_backup(host: str, version: str, request: Request, _: Viewer) -> BackupText:
    """One version's stored (redacted) config text."""
    return await _read(request, app_backups.show_version, host, _version(version))


async def _read(request: Request, fn: Callable[..., T], *args: Any) -> T:
    try:
        return await state_of(request).db.read(fn, *args)
    except InputError as exc:
        code = 404 if str(exc).startswith(("no stored backups", "host '")) else 400
        raise HTTPException(status_code=code, detail=str(exc)) from None
