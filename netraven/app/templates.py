"""The template repository's use cases: versions, diffs, deletion, and runs reading it.

Bodies are checked for Jinja2 syntax before they are stored, so a broken version never
reaches a device. Git folders are ``template_folders``; previews ``template_preview``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

from netraven.app.read_models import Timestamp
from netraven.errors import InputError, InputErrors
from netraven.playbook.repo import NAME_PATTERN, RepoVersion
from netraven.store import templates as rows
from netraven.store.queries import Bind
from netraven.store.template_models import RepoTemplateVersion

__all__ = [
    "StoreTemplateSource",
    "TemplateDiff",
    "TemplateVersionView",
    "attach_repository",
    "check_body",
    "check_name",
    "create_template",
    "delete_template",
    "diff_versions",
    "find_version",
    "list_templates",
    "list_versions",
    "new_version",
    "show_version",
]

_NAME = re.compile(rf"^{NAME_PATTERN}$")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TemplateVersionView(_View):
    name: str
    version: int
    sha256: str
    author: str
    message: str
    created_at: Timestamp | None
    body: str | None = None  # only when one version is shown


class TemplateDiff(_View):
    name: str
    old: int
    new: int
    identical: bool
    diff: str  # unified


def _view(name: str, row: RepoTemplateVersion, *, body: bool = False) -> TemplateVersionView:
    return TemplateVersionView(
        name=name,
        version=row.version,
        sha256=row.sha256,
        author=row.author,
        message=row.message,
        created_at=row.created_at,
        body=row.body if body else None,
    )


def check_name(name: str) -> str:
    if not _NAME.match(name) or len(name) > 200:
        raise InputError(
            f"template name '{name}': letters, digits, '.', '_', '-', folders with '/' "
            "(no '@', no leading '.', at most 200 characters)"
        )
    return name


def check_body(body: str, where: str) -> None:
    try:
        jinja2.Environment().parse(body)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"template syntax error: {exc.message}", path=where, line=exc.lineno
        ) from None


def _now() -> datetime:
    return datetime.now(UTC)


def create_template(
    store: Engine, name: str, body: str, *, author: str, message: str = ""
) -> TemplateVersionView:
    check_name(name)
    check_body(body, f"repo:{name}")
    if rows.get_version(store, name, None) is not None:
        raise InputError(f"template '{name}' exists already: add a version instead")
    row, _ = rows.add_version(store, name, body, author, message or "created", _now())
    return _view(name, row)


def new_version(
    store: Engine, name: str, body: str, *, author: str, message: str = ""
) -> tuple[TemplateVersionView, bool]:
    """(the version, created); an identical body adds nothing and says which it equals."""
    check_name(name)
    if rows.get_version(store, name, None) is None:
        raise InputError(f"no template '{name}' (create it first)")
    check_body(body, f"repo:{name}")
    row, created = rows.add_version(store, name, body, author, message, _now())
    return _view(name, row), created


def list_templates(store: Bind) -> list[TemplateVersionView]:
    """Every template, each with its latest version."""
    return [_view(name, row) for name, row in rows.list_templates(store)]


def list_versions(store: Bind, name: str) -> list[TemplateVersionView]:
    found = rows.versions(store, name)
    if not found:
        raise InputError(f"no template '{name}'")
    return [_view(name, row) for row in found]


def find_version(store: Bind, name: str, version: int | None) -> RepoTemplateVersion:
    row = rows.get_version(store, name, version)
    if row is None:
        if version is not None and rows.get_version(store, name, None) is not None:
            raise InputError(f"template '{name}' has no version {version}")
        raise InputError(f"no template '{name}'")
    return row


def show_version(store: Bind, name: str, version: int | None = None) -> TemplateVersionView:
    return _view(name, find_version(store, name, version), body=True)


def diff_versions(
    store: Bind, name: str, old: int | None = None, new: int | None = None
) -> TemplateDiff:
    """Unified diff of two versions; the newest two when none are given."""
    if old is None and new is None:
        every = rows.versions(store, name)
        if not every:
            raise InputError(f"no template '{name}'")
        if len(every) < 2:
            raise InputError(f"template '{name}' has one version: nothing to compare")
        before, after = every[-2], every[-1]
    else:
        if old is None or new is None:
            raise InputError("give two versions to compare, or none for the newest two")
        before, after = find_version(store, name, old), find_version(store, name, new)
    text = "".join(
        difflib.unified_diff(
            before.body.splitlines(keepends=True),
            after.body.splitlines(keepends=True),
            fromfile=f"repo:{name}@{before.version}",
            tofile=f"repo:{name}@{after.version}",
        )
    )
    return TemplateDiff(
        name=name,
        old=before.version,
        new=after.version,
        identical=before.sha256 == after.sha256,
        diff=text,
    )


def delete_template(store: Engine, name: str, *, in_use: Callable[[str], list[str]]) -> None:
    """Refused while a schedule's playbook names it (``in_use`` lists those schedules)."""
    if rows.get_version(store, name, None) is None:
        raise InputError(f"no template '{name}'")
    users = in_use(name)
    if users:
        raise InputError(
            f"template '{name}' is used by schedule(s) {', '.join(users)}: "
            "change or remove them first"
        )
    rows.delete_template(store, name)


def schedules_using(store: Engine, name: str) -> list[str]:
    """Schedules whose playbook (with its imports, roles and task files) names ``repo:name``.

    The loader records every static ``repo:`` reference it meets; a playbook that no
    longer loads is searched as text, so a broken schedule still protects its templates.
    """
    from netraven.playbook.loader import load_playbook
    from netraven.store.schedules import list_schedules

    users = []
    for schedule in list_schedules(store):
        if not schedule.playbook:
            continue
        path = Path(schedule.playbook)
        try:
            referenced = {r.name for r in load_playbook(path).templates.repo.referenced}
        except (InputError, OSError):
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            referenced = {name} if re.search(rf"repo:{re.escape(name)}(?:@\d+)?\b", text) else set()
        if name in referenced:
            users.append(schedule.name)
    return users


class StoreTemplateSource:
    """The repository as a run reads it: ``TemplateSource`` over the job store."""

    def __init__(self, store: Callable[[], Engine]) -> None:
        self._store = store

    def fetch(self, name: str, version: int | None) -> RepoVersion | None:
        row = rows.get_version(self._store(), name, version)
        if row is None:
            return None
        return RepoVersion(name, row.version, row.sha256, row.body)


def attach_repository(templates: Any, store: Callable[[], Engine]) -> None:
    """Give a loaded playbook the repository and pin every ``repo:`` name it states.

    Called while preparing a run, so a missing template or version, or a syntax error in
    one, is an input error before any device is contacted — and every host renders the
    same version even if someone adds one while the job runs.
    """
    templates.repo.attach(StoreTemplateSource(store))
    problems: list[InputError] = []
    for ref in sorted(templates.repo.referenced, key=str):
        try:
            found = templates.repo.resolve(str(ref))
            check_body(found.body, f"repo:{found.name}@{found.version}")
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise InputErrors.of(problems)
