"""Per-job state shared by every host coroutine of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netraven.connections.base import ConnectionRegistry
from netraven.playbook.schema import Task
from netraven.playbook.templates import Templates
from netraven.runner.breakers import BreakerBoard
from netraven.runner.events import RunListener
from netraven.runner.policy import PlayGuard


@dataclass
class HostChanges:
    """What this job changed on one host, for rolling it back."""

    pre_change: str | None = None
    pushed: bool = False
    explicit: list[list[str]] = field(default_factory=list)


@dataclass
class RunContext:
    job_id: int
    templates: Templates
    registry: ConnectionRegistry
    listener: RunListener
    extra_vars: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    tags: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = frozenset()
    backup_hashes: dict[str, str] = field(default_factory=dict)
    registered: dict[str, dict[str, Any]] = field(default_factory=dict)
    breakers: BreakerBoard | None = None
    guards: dict[int, PlayGuard] = field(default_factory=dict)
    changes: dict[str, HostChanges] = field(default_factory=dict)

    def selected(self, task: Task) -> bool:
        """Ansible's tag rules, including the special ``always`` and ``never`` tags."""
        tags = set(task.tags)
        if tags & self.skip_tags:
            return False
        if "always" in tags and "always" not in self.skip_tags:
            return True
        if "never" in tags and not (tags & self.tags):
            return False
        if not self.tags or "all" in self.tags:
            return True
        return bool(tags & self.tags)
