"""Per-job state shared by every host coroutine of a job."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from nornir.core.inventory import Host, Inventory

from netraven.engine.breakers import BreakerBoard
from netraven.engine.events import Fanout
from netraven.engine.offload import off_loop
from netraven.engine.policy import PlayGuard
from netraven.engine.sessions import SessionPool
from netraven.engine.throttle import Throttles
from netraven.playbook.templates import Templates
from netraven.secrets import Redactor


@dataclass
class HostChanges:
    """What this job changed on one host, for rolling it back."""

    pre_change: str | None = None
    pushed: bool = False
    explicit: list[list[str]] = field(default_factory=list)


@dataclass
class JobContext:
    job_id: int
    templates: Templates
    events: Fanout
    sessions: SessionPool
    redactor: Redactor
    extra_vars: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    tags: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = frozenset()
    backup_hashes: dict[str, str] = field(default_factory=dict)
    registered: dict[str, dict[str, Any]] = field(default_factory=dict)
    breakers: BreakerBoard | None = None
    guards: dict[int, PlayGuard] = field(default_factory=dict)
    changes: dict[str, HostChanges] = field(default_factory=dict)
    last_play: dict[str, int] = field(default_factory=dict)  # host → its last play's index
    inventory: Inventory | None = None
    verbosity: int = 0
    failed_hosts: set[str] = field(default_factory=set)  # sit out the rest of the job
    run_once: dict[tuple[int, int], asyncio.Future[Any]] = field(default_factory=dict)
    _inventory_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    _groups: dict[str, list[str]] | None = None

    def inventory_vars(self, host: Host) -> dict[str, Any]:
        """The host's inventory data (host → groups → defaults), merged once per job."""
        values = self._inventory_vars.get(host.name)
        if values is None:
            values = self._inventory_vars[host.name] = dict(host.items())
        return values

    def groups(self) -> dict[str, list[str]]:
        if self._groups is None:
            from netraven.engine.scope import inventory_groups

            assert self.inventory is not None
            self._groups = inventory_groups(self.inventory)
        return self._groups

    throttles: Throttles = field(default_factory=Throttles)  # task ``throttle:`` semaphores

    def log(self, host: str | None, level: str, message: str) -> None:
        self.events.log(host, level, self.redactor.text(message) or "")

    async def redact(self, text: str | None) -> str | None:
        """Redact without stalling other hosts' sessions when the text is large."""
        return await off_loop(self.redactor.text, text, size=len(text or ""))

    def selected(self, task_tags: frozenset[str]) -> bool:
        """Ansible's tag rules, including the special ``always`` and ``never`` tags."""
        tags = set(task_tags)
        if tags & self.skip_tags:
            return False
        if "always" in tags and "always" not in self.skip_tags:
            return True
        if "never" in tags and not (tags & self.tags):
            return False
        if not self.tags or "all" in self.tags:
            return True
        return bool(tags & self.tags)
