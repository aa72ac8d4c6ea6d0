"""The words of a run — statuses and outcomes — shared by the engine, the store and the front doors.

Statuses are ``StrEnum`` members so that they are stored, printed and compared as the plain
strings users see in the README (``status == "ok"`` holds for ``HostStatus.OK``). This module
imports nothing of NetRaven's but the exit-code table, so every layer may import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from netraven import exit_codes

__all__ = [
    "FAILED_HOST_STATUSES",
    "HostOutcome",
    "HostStats",
    "HostStatus",
    "JobOutcome",
    "JobStatus",
    "TaskOutcome",
    "TaskStatus",
    "exit_code_for",
    "natural_key",
    "worst",
]


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class HostStatus(StrEnum):
    """Declared least to most severe: a host's overall status is the worst over its plays."""

    OK = "ok"
    SKIPPED = "skipped"
    ABORTED = "aborted"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"
    INTERRUPTED = "interrupted"


class TaskStatus(StrEnum):
    OK = "ok"
    CHANGED = "changed"
    SKIPPED = "skipped"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"


# A host in one of these sits out the rest of the job, counts against failure budgets,
# and is what --retry-failed and last-failed.txt select.
FAILED_HOST_STATUSES = frozenset(
    {
        HostStatus.FAILED,
        HostStatus.UNREACHABLE,
        HostStatus.ROLLED_BACK,
        HostStatus.ROLLBACK_FAILED,
    }
)
_RANK = {status: rank for rank, status in enumerate(HostStatus)}


def worst(statuses: Iterable[str]) -> HostStatus:
    """The most severe of several host statuses (``ok`` for none)."""
    return max((HostStatus(s) for s in statuses), key=_RANK.__getitem__, default=HostStatus.OK)


@dataclass
class TaskOutcome:
    host: str
    play_index: int
    play: str
    task_index: int
    name: str
    action: str
    status: TaskStatus
    changed: bool = False
    failed: bool = False
    skipped: bool = False
    ignored: bool = False
    output: str | None = None
    diff: str | None = None
    error: str | None = None
    attempts: int = 1
    started_at: datetime | None = None
    duration_ms: int = 0
    rescued: bool = False  # failed inside a block whose rescue then ran


@dataclass
class HostOutcome:
    """One host in one play."""

    host: str
    play_index: int
    play: str
    status: HostStatus
    changed: bool = False
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int = 0
    credential: str | None = None  # the name of the credential set that logged in

    @property
    def failed(self) -> bool:
        """Failed hosts sit out the rest of the playbook, as in Ansible."""
        return self.status in FAILED_HOST_STATUSES or self.status == HostStatus.INTERRUPTED


@dataclass
class HostStats:
    """Ansible's PLAY RECAP counters for one host."""

    ok: int = 0
    changed: int = 0
    failed: int = 0
    skipped: int = 0
    unreachable: int = 0
    ignored: int = 0
    rescued: int = 0

    def add(self, outcome: TaskOutcome) -> None:
        if outcome.status == TaskStatus.UNREACHABLE:
            self.unreachable += 1
        elif outcome.skipped:
            self.skipped += 1
        elif outcome.failed and outcome.ignored:
            self.ignored += 1
        elif outcome.failed and outcome.rescued:
            self.rescued += 1
        elif outcome.failed:
            self.failed += 1
        else:
            self.ok += 1
            self.changed += int(outcome.changed)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class JobOutcome:
    """Everything a front door needs to report a finished (or interrupted) job."""

    job_id: int
    status: JobStatus
    exit_code: int
    tasks: list[TaskOutcome] = field(default_factory=list)
    hosts: list[HostOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    aborted: str | None = None
    error: str | None = None

    def stats(self) -> dict[str, HostStats]:
        return stats_of(self.hosts, self.tasks)

    def host_status(self) -> dict[str, HostStatus]:
        """The worst status each host reached over all plays."""
        return host_status_of(self.hosts)

    def failed_hosts(self) -> list[str]:
        return sorted({h.host for h in self.hosts if h.status in FAILED_HOST_STATUSES})


def natural_key(name: str) -> list[Any]:
    """sw-lab-2 before sw-lab-10: how people sort device names."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def stats_of(hosts: Iterable[HostOutcome], tasks: Iterable[TaskOutcome]) -> dict[str, HostStats]:
    stats: dict[str, HostStats] = {}
    for host in hosts:
        stats.setdefault(host.host, HostStats())
    for task in tasks:
        stats.setdefault(task.host, HostStats()).add(task)
    return stats


def host_status_of(hosts: Iterable[HostOutcome]) -> dict[str, HostStatus]:
    result: dict[str, HostStatus] = {}
    for host in hosts:
        result[host.host] = worst([result.get(host.host, HostStatus.OK), host.status])
    return result


def exit_code_for(
    hosts: Iterable[HostOutcome], interrupted: bool, aborted: bool = False
) -> tuple[JobStatus, int]:
    """Job status and exit code: interrupted 99 > aborted by policy 8 > failed 2 (also
    rolled back or rollback failed) > unreachable 4 > ok 0."""
    if interrupted:
        return JobStatus.INTERRUPTED, exit_codes.INTERRUPTED
    if aborted:
        return JobStatus.FAILED, exit_codes.ABORTED
    statuses = {h.status for h in hosts}
    if statuses & {HostStatus.FAILED, HostStatus.ROLLED_BACK, HostStatus.ROLLBACK_FAILED}:
        return JobStatus.FAILED, exit_codes.FAILED
    if HostStatus.UNREACHABLE in statuses:
        return JobStatus.FAILED, exit_codes.UNREACHABLE
    return JobStatus.SUCCEEDED, exit_codes.OK
