"""The template repository's use cases: versions, diffs, previews, git folders, runs.

Bodies are checked for Jinja2 syntax before they are stored, so a broken version never
reaches a device. Import and export speak one file per template (``NAME.j2``, folders
for names with ``/``) so the repository can live in git beside the playbooks; importing
a folder that did not change adds no version.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

from netraven.app.read_models import Timestamp
from netraven.errors import InputError, InputErrors, StoreError, TaskFailed
from netraven.playbook.repo import NAME_PATTERN, RepoVersion
from netraven.store import templates as rows
from netraven.store.queries import Bind
from netraven.store.template_models import RepoTemplateVersion

__all__ = [
    "ImportedView",
    "StoreTemplateSource",
    "TemplateDiff",
    "TemplateVersionView",
    "attach_repository",
    "create_template",
    "delete_template",
    "diff_versions",
    "export_dir",
    "import_dir",
    "list_templates",
    "list_versions",
    "new_version",
    "preview",
    "show_version",
]

_NAME = re.compile(rf"^{NAME_PATTERN}$")
SUFFIX = ".j2"


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


class ImportedView(_View):
    name: str
    path: str
    version: int
    created: bool  # False: identical to the stored latest version


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


def _version(store: Bind, name: str, version: int | None) -> RepoTemplateVersion:
    row = rows.get_version(store, name, version)
    if row is None:
        if version is not None and rows.get_version(store, name, None) is not None:
            raise InputError(f"template '{name}' has no version {version}")
        raise InputError(f"no template '{name}'")
    return row


def show_version(store: Bind, name: str, version: int | None = None) -> TemplateVersionView:
    return _view(name, _version(store, name, version), body=True)


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
        before, after = _version(store, name, old), _version(store, name, new)
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


def _git_commit(directory: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def import_dir(
    store: Engine, directory: Path, *, author: str, message: str | None = None
) -> list[ImportedView]:
    """Every ``*.j2`` under ``directory`` becomes (or updates) the template of its path.

    All files are checked first (names, UTF-8, syntax); nothing is stored unless all pass.
    """
    if not directory.is_dir():
        raise InputError(f"not a directory: {directory}")
    files = sorted(p for p in directory.rglob(f"*{SUFFIX}") if p.is_file())
    problems: list[InputError] = []
    loaded: list[tuple[str, Path, str]] = []
    for path in files:
        relative = path.relative_to(directory).as_posix()
        name = relative[: -len(SUFFIX)]
        try:
            check_name(name)
            body = path.read_text(encoding="utf-8")
            check_body(body, str(path))
        except UnicodeDecodeError:
            problems.append(InputError("not UTF-8 text", path=str(path)))
            continue
        except InputError as exc:
            problems.append(exc if exc.path else InputError(str(exc), path=str(path)))
            continue
        loaded.append((name, path, body))
    if problems:
        raise InputErrors.of(problems)
    commit = _git_commit(directory)
    note = message or f"imported from {directory}" + (f" at git {commit}" if commit else "")
    done = []
    for name, path, body in loaded:
        row, created = rows.add_version(store, name, body, author, note, _now())
        done.append(ImportedView(name=name, path=str(path), version=row.version, created=created))
    return done


def export_dir(store: Engine, directory: Path) -> list[ImportedView]:
    """The latest version of every template as ``DIRECTORY/NAME.j2``; unchanged files untouched."""
    done = []
    for name, row in rows.list_templates(store):
        path = directory / f"{name}{SUFFIX}"
        same = path.is_file() and path.read_text(encoding="utf-8") == row.body
        if not same:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(row.body, encoding="utf-8")
        done.append(ImportedView(name=name, path=str(path), version=row.version, created=not same))
    return done


PREVIEW_PLAY = "- name: template preview\n  hosts: all\n  tasks:\n    - debug: {msg: preview}\n"


def preview(
    store: Engine,
    name: str,
    version: int | None,
    inventory: Path,
    host: str,
    *,
    playbook: Path | None = None,
    extra_vars: dict[str, Any] | None = None,
    vault_password: bytes | None = None,
) -> str:
    """The template rendered for one host with the variables a run would give it.

    Inventory (host → groups → defaults, group_vars/host_vars), the playbook's first play
    vars when a playbook is given, magic variables and extra vars, through the engine's
    own scope code; every known secret in the output is masked.
    """
    from netraven.connections.base import default_registry
    from netraven.engine.context import JobContext
    from netraven.engine.events import Fanout
    from netraven.engine.scope import PlayVars, task_scope
    from netraven.engine.sessions import SessionPool
    from netraven.inventory import load_inventory
    from netraven.playbook.loader import load_playbook
    from netraven.secrets import Redactor, secret_values
    from netraven.vardirs import apply_var_dirs

    found = _version(store, name, version)
    inv, secrets = load_inventory(inventory, vault_password)
    if host not in inv.hosts:
        raise InputError(f"host '{host}' is not in the inventory {inventory}")
    with tempfile.TemporaryDirectory(prefix="netraven-preview-") as folder:
        path = playbook
        if path is None:
            path = Path(folder) / "preview.yml"
            path.write_text(PREVIEW_PLAY)
        book = load_playbook(path, vault_password)
        secrets += apply_var_dirs(inv, [path.parent], vault_password)
    variables = extra_vars or {}
    play = book.compiled[0]
    redactor = Redactor(
        [*secrets, *book.secrets, *secret_values(variables), *secret_values(play.vars)]
    )
    ctx = JobContext(
        job_id=0,
        templates=book.templates,
        events=Fanout([], []),
        sessions=SessionPool(default_registry(), True, lambda *_: None),
        redactor=redactor,
        extra_vars=variables,
        check=True,
        inventory=inv,
    )
    node = next(iter(play.task_nodes()))
    scope = task_scope(ctx, PlayVars(ctx, play, [host]), inv.hosts[host], node, None)
    book.templates.repo.attach(StoreTemplateSource(lambda: store))
    reference = f"repo:{name}@{found.version}"
    try:
        text = book.templates.render_file(reference, scope)
    except TaskFailed as exc:
        raise InputError(f"{reference} for {host}: {redactor.text(str(exc))}") from None
    except StoreError:
        raise
    return redactor.text(text) or ""
