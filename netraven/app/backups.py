"""Stored config backups as numbered versions per host: list them, show one, diff two.

A host's versions are numbered from 1 (its oldest backup) in storage order. Backup rows
are only ever appended, so a version number names the same config for good and can be
written into a ticket. Identical consecutive backups are stored once, so consecutive
versions always differ. The text is what the store holds: already redacted.

A version reference is an ``int``: ``N >= 1`` is version N, ``-1`` the newest, ``-2``
the one before it, and so on. Parsing words such as ``latest`` is the caller's job.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from netraven.errors import InputError
from netraven.store import queries
from netraven.store.queries import BackupMeta, Bind

LATEST = -1


def _as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes that were written as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class BackupVersion(BaseModel):
    """One stored backup of one host, without its text."""

    model_config = ConfigDict(frozen=True)

    host: str
    version: int = Field(ge=1, description="Per host; 1 is the oldest. Never renumbered.")
    job_id: int
    sha256: str
    size: int = Field(ge=0, description="Bytes of the stored (redacted) text.")
    created_at: UtcDatetime


class BackupText(BackupVersion):
    """One backup with its stored (redacted) config text."""

    text: str


class BackupDiff(BaseModel):
    """A unified diff from ``old`` to ``new``; empty text when they are the same version."""

    model_config = ConfigDict(frozen=True)

    host: str
    old: BackupVersion
    new: BackupVersion
    identical: bool
    diff: str


def list_versions(engine: Bind, host: str | None = None) -> list[BackupVersion]:
    """Every host's versions (or one host's), hosts in natural order, newest version first.

    Naming a host that has no backup is an ``InputError``; an empty store lists nothing.
    """
    history = queries.backup_history(engine, host)
    if host is not None and not history:
        raise _no_backups(host)
    by_host: dict[str, list[BackupMeta]] = {}
    for row in history:
        by_host.setdefault(row.host, []).append(row)
    versions: list[BackupVersion] = []
    for name in sorted(by_host, key=_natural_key):
        rows = by_host[name]
        versions += [_version(rows[i], i + 1) for i in reversed(range(len(rows)))]
    return versions


def show_version(engine: Bind, host: str, version: int = LATEST) -> BackupText:
    """One backup's text; ``version`` as in the module docstring (newest by default)."""
    history = _history(engine, host)
    number, row = _resolve(history, host, version)
    text = queries.backup_text(engine, row.id)
    if text is None:  # deleted between the two reads
        raise _no_version(host, version, len(history))
    return BackupText(**_fields(row, number), text=text)


def diff_versions(engine: Bind, host: str, old: int = -2, new: int = LATEST) -> BackupDiff:
    """The unified diff between two versions, by default the newest two.

    A host with fewer than two backups has nothing to compare: an ``InputError``.
    """
    history = _history(engine, host)
    if len(history) < 2:
        raise InputError(
            f"host '{host}' has only 1 stored backup; a diff needs two "
            "(run a playbook with a backup task again after the config changes)"
        )
    old_number, old_row = _resolve(history, host, old)
    new_number, new_row = _resolve(history, host, new)
    old_text = queries.backup_text(engine, old_row.id) or ""
    new_text = queries.backup_text(engine, new_row.id) or ""
    old_version = _version(old_row, old_number)
    new_version = _version(new_row, new_number)
    lines = difflib.unified_diff(
        old_text.splitlines(),
        new_text.splitlines(),
        fromfile=_label(old_version),
        tofile=_label(new_version),
        lineterm="",
    )
    diff = "\n".join(lines)
    return BackupDiff(
        host=host,
        old=old_version,
        new=new_version,
        identical=not diff,
        diff=diff + "\n" if diff else "",
    )


def _history(engine: Bind, host: str) -> list[BackupMeta]:
    history = queries.backup_history(engine, host)
    if not history:
        raise _no_backups(host)
    return history


def _resolve(history: list[BackupMeta], host: str, ref: int) -> tuple[int, BackupMeta]:
    """(version number, row) for a reference: N >= 1, or -N counted from the newest."""
    count = len(history)
    if ref == 0:
        raise InputError("backup versions start at 1 (use -1 or 'latest' for the newest)")
    index = ref - 1 if ref > 0 else count + ref
    if not 0 <= index < count:
        raise _no_version(host, ref, count)
    return index + 1, history[index]


def _version(row: BackupMeta, number: int) -> BackupVersion:
    return BackupVersion(**_fields(row, number))


def _fields(row: BackupMeta, number: int) -> dict[str, Any]:
    return {
        "host": row.host,
        "version": number,
        "job_id": row.job_id,
        "sha256": row.sha256,
        "size": row.size,
        "created_at": row.created_at,
    }


def _label(version: BackupVersion) -> str:
    return f"{version.host} v{version.version} (job {version.job_id})"


def _no_backups(host: str) -> InputError:
    return InputError(f"no stored backups for host '{host}'")


def _no_version(host: str, ref: int, count: int) -> InputError:
    return InputError(
        f"host '{host}' has no backup version {ref} "
        f"({count} stored: 1..{count}, or -1..-{count} from the newest)"
    )


def _natural_key(name: str) -> list[Any]:
    """sw-lab-2 before sw-lab-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
