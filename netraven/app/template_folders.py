"""Template repository ⇄ a folder in git: one ``NAME.j2`` file per template.

Names with ``/`` are folders (``ios/ntp`` ⇄ ``ios/ntp.j2``), so the repository can live in
git beside the playbooks. Importing a folder that did not change adds no version;
exporting rewrites only the files whose text differs.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

from netraven.app.templates import check_body, check_name
from netraven.errors import InputError, InputErrors
from netraven.store import templates as rows

__all__ = ["SUFFIX", "ImportedView", "export_dir", "import_dir"]

SUFFIX = ".j2"


class ImportedView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    path: str
    version: int
    created: bool  # False: identical to the stored latest version


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
        row, created = rows.add_version(store, name, body, author, note, datetime.now(UTC))
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
