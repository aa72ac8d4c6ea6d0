"""Preparing a run: load and check everything, resolve which hosts, and build the job's spec.

Everything here can fail with ``InputError`` before a device is contacted or a job row is
written (the store is opened only once the inputs are known to be good, and only if
needed); what it returns is plain data the engine can run in any process.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core.inventory import Inventory
from sqlalchemy.engine import Engine

from netraven.app.flags import flag_states
from netraven.engine.spec import JobSpec, Owner, RunOptions
from netraven.errors import InputError
from netraven.flags.model import FlagDefinition
from netraven.inventory import load_inventory
from netraven.playbook.loader import load_playbook
from netraven.playbook.patterns import select
from netraven.store import queries

__all__ = ["PreparedRun", "git_commit", "prepare_run", "read_host_file", "retry_limit"]


@dataclass(frozen=True)
class PreparedRun:
    spec: JobSpec | None  # None: nothing to run (e.g. --retry-failed of a job without failures)
    notes: list[str] = field(default_factory=list)


def read_host_file(path: Path) -> list[str]:
    """``--limit @FILE``: one host name per line, ``#`` comments allowed."""
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"cannot read host list: {exc.strerror}", path=str(path)) from None
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not names:
        raise InputError("host list is empty", path=str(path))
    return names


def retry_limit(
    inventory: Inventory, limit: str | None, job_id: int, store: Engine
) -> tuple[str, list[str]]:
    """The hosts of ``job_id`` that failed, as a pattern ('' when none), and notes."""
    notes: list[str] = []
    if queries.get_job(store, job_id) is None:
        raise InputError(f"--retry-failed: no job {job_id}")
    failed = queries.failed_hosts(store, job_id)
    known = [h for h in failed if h in inventory.hosts]
    gone = sorted(set(failed) - set(known))
    if gone:
        notes.append(f"--retry-failed: not in the inventory any more: {', '.join(gone)}")
    if limit:
        allowed = set(select(inventory, limit).hosts)
        known = [h for h in known if h in allowed]
    if not known:
        notes.append(f"--retry-failed: job {job_id} has no failed hosts to run")
    return ",".join(known), notes


def git_commit(path: Path) -> str | None:
    """The commit the playbook file is at, with ``-dirty`` if it has local edits."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-C", str(path.parent.resolve()), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )

    try:
        if git("ls-files", "--error-unmatch", path.name).returncode != 0:
            return None
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return None
        dirty = git("diff", "--quiet", "HEAD", "--", path.name).returncode != 0
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty else "")


def prepare_run(
    playbook: Path,
    inventory: Path,
    *,
    owner: Owner,
    store: Callable[[], Engine],
    limit: str | None = None,
    retry_failed: int | None = None,
    extra_vars: dict[str, Any] | None = None,
    tags: frozenset[str] = frozenset(),
    skip_tags: frozenset[str] = frozenset(),
    check: bool = False,
    diff: bool = False,
    forks: int = 100,
    log_level: str = "debug",
    verbosity: int = 0,
    vault_password: bytes | None = None,
    extra_secrets: tuple[str, ...] = (),
    start_at_task: str | None = None,
    flags: Sequence[FlagDefinition] = (),
) -> PreparedRun:
    inv, secrets = load_inventory(inventory, vault_password)
    book = load_playbook(playbook, vault_password)
    from netraven.vardirs import apply_var_dirs

    secrets += apply_var_dirs(inv, [Path(playbook).parent], vault_password)
    from netraven.app.templates import attach_repository

    # repo:NAME templates: pinned now, so a missing one fails before any device is contacted.
    attach_repository(book.templates, store)
    notes: list[str] = []
    if limit and limit.startswith("@"):
        limit = ",".join(read_host_file(Path(limit[1:])))
    if retry_failed is not None:
        limit, notes = retry_limit(inv, limit, retry_failed, store())
        if not limit:
            return PreparedRun(None, notes)
    options = RunOptions(
        limit=limit,
        extra_vars=extra_vars or {},
        tags=tags,
        skip_tags=skip_tags,
        check=check,
        diff=diff,
        forks=forks,
        start_at_task=start_at_task,
    )
    spec = JobSpec(
        playbook=book,
        inventory=inv,
        owner=owner,
        options=options,
        secrets=(*secrets, *book.secrets, *extra_secrets),
        inventory_path=str(inventory),
        git_commit=git_commit(playbook),
        warnings=tuple(notes),
        log_level=log_level,
        verbosity=verbosity,
        flags=flag_states(flags, store()) if flags else {},
    )
    return PreparedRun(spec, notes)
