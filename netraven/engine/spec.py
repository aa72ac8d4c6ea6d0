"""What a job is asked to do, as plain data: everything the engine needs is handed in here.

The engine reads no process state (no CWD, no OS user, no signals, no environment), so who
started the job and where its owner runs are part of the spec, filled in by the front door.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nornir.core.inventory import Inventory

from netraven.flags.model import FlagState
from netraven.playbook.loader import Playbook

__all__ = ["JobSpec", "Owner", "RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    limit: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = frozenset()
    check: bool = False
    diff: bool = False
    forks: int = 100
    start_at_task: str | None = None  # a task name or glob: skip every task before it

    def as_record(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "extra_vars": self.extra_vars,
            "tags": sorted(self.tags),
            "skip_tags": sorted(self.skip_tags),
            "check": self.check,
            "diff": self.diff,
            "forks": self.forks,
            "start_at_task": self.start_at_task,
        }


@dataclass(frozen=True)
class Owner:
    """Who started a job and which process holds it (a dead holder's job becomes interrupted)."""

    started_by: str
    pid: int | None = None
    machine: str | None = None


@dataclass(frozen=True)
class JobSpec:
    playbook: Playbook
    inventory: Inventory
    owner: Owner
    options: RunOptions = field(default_factory=RunOptions)
    secrets: tuple[str, ...] = ()  # known secret values (inventory passwords, vault values)
    inventory_path: str | None = None
    git_commit: str | None = None
    warnings: tuple[str, ...] = ()  # found while preparing the run, recorded with the job
    log_level: str = "debug"  # the least severe log entry the store keeps
    # Feature flags as the job starts (netraven/flags): fixed for the whole job, recorded.
    flags: Mapping[str, FlagState] = field(default_factory=dict)
    verbosity: int = 0  # -v count: ``debug: {verbosity: N}`` shows at N or more
