"""Per-job state shared by every host coroutine of a job."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nornir.core.inventory import Host, Inventory

from netraven.connections.base import HostParams
from netraven.engine.breakers import BreakerBoard
from netraven.engine.events import Fanout
from netraven.engine.limits import JobLimits
from netraven.engine.offload import off_loop
from netraven.engine.policy import PlayGuard
from netraven.engine.remote import SharedOnce
from netraven.engine.sessions import SessionPool
from netraven.engine.start_at import StartAt
from netraven.engine.throttle import Throttles
from netraven.flags.model import FlagState
from netraven.playbook.tags import selected
from netraven.playbook.templates import Templates
from netraven.secrets import Redactor


@dataclass
class HostChanges:
    """What this job changed on one host, for rolling it back."""

    pre_change: str | None = None
    pushed: bool = False
    explicit: list[list[str]] = field(default_factory=list)
    commits: int = 0  # entries added to the device's commit history (Junos/XR rollback)


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
    flags: Mapping[str, FlagState] = field(default_factory=dict)  # the job's flag snapshot
    failed_hosts: set[str] = field(default_factory=set)  # sit out the rest of the job
    run_once: dict[tuple[int, int], asyncio.Future[Any]] = field(default_factory=dict)
    shared_once: SharedOnce | None = None  # run_once across workers (netraven.executor)
    start_at: StartAt | None = None  # --start-at-task: where the job starts
    started: set[str] = field(default_factory=set)  # hosts that have reached start_at
    host_params: dict[str, HostParams] = field(default_factory=dict)  # as planned (plan.py)
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
    limits: JobLimits = field(default_factory=JobLimits)  # the inventory's group limits

    def log(self, host: str | None, level: str, message: str) -> None:
        self.events.log(host, level, self.redactor.text(message) or "")

    async def redact(self, text: str | None) -> str | None:
        """Redact without stalling other hosts' sessions when the text is large."""
        return await off_loop(self.redactor.text, text, size=len(text or ""))

    def selected(self, task_tags: frozenset[str]) -> bool:
        """Ansible's tag rules, including the special ``always`` and ``never`` tags."""
        return selected(task_tags, self.tags, self.skip_tags)

    def before_start(self, host: str, play_index: int, task_id: int) -> bool:
        """Whether ``--start-at-task`` still skips this task on this host.

        Each host walks the start play on its own, so each host clears its own flag when it
        reaches the task; plays before it never start (``_JobRun.plays``), plays after it
        run whole.
        """
        start = self.start_at
        if start is None or play_index != start.play_index or host in self.started:
            return False
        if task_id == start.task_id:
            self.started.add(host)
            return False
        return True
