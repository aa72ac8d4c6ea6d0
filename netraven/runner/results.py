"""What a run produces: one outcome per task per host, one per host per play."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from netraven import exit_codes
from netraven.store.models import FAILED_STATUSES

# Host statuses, least to most severe (the order a host's worst status is picked by).
HOST_STATUSES = (
    "ok",
    "skipped",
    "aborted",
    "unreachable",
    "failed",
    "rolled_back",
    "rollback_failed",
    "interrupted",
)
FAILED = frozenset(FAILED_STATUSES)


@dataclass
class TaskOutcome:
    host: str
    play_index: int
    play: str
    task_index: int
    name: str
    action: str
    status: str
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


@dataclass
class HostOutcome:
    host: str
    play_index: int
    play: str
    status: str
    changed: bool = False
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int = 0

    @property
    def failed(self) -> bool:
        """Failed hosts sit out the rest of the playbook, as in Ansible."""
        return self.status in FAILED or self.status == "interrupted"


@dataclass
class HostStats:
    ok: int = 0
    changed: int = 0
    failed: int = 0
    skipped: int = 0
    unreachable: int = 0
    ignored: int = 0

    def add(self, outcome: TaskOutcome) -> None:
        if outcome.status == "unreachable":
            self.unreachable += 1
        elif outcome.skipped:
            self.skipped += 1
        elif outcome.failed and outcome.ignored:
            self.ignored += 1
        elif outcome.failed:
            self.failed += 1
        else:
            self.ok += 1
            self.changed += int(outcome.changed)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class RunSummary:
    """Everything the front doors need to report a finished (or interrupted) job."""

    job_id: int
    status: str
    exit_code: int
    tasks: list[TaskOutcome] = field(default_factory=list)
    hosts: list[HostOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    aborted: str | None = None

    def stats(self) -> dict[str, HostStats]:
        stats: dict[str, HostStats] = {}
        for host in self.hosts:
            stats.setdefault(host.host, HostStats())
        for task in self.tasks:
            stats.setdefault(task.host, HostStats()).add(task)
        return stats

    def host_status(self) -> dict[str, str]:
        """The worst status each host reached over all plays."""
        rank = {s: i for i, s in enumerate(HOST_STATUSES)}
        result: dict[str, str] = {}
        for host in self.hosts:
            current = result.get(host.host, "ok")
            result[host.host] = max(current, host.status, key=lambda s: rank.get(s, 0))
        return result


def exit_code_for(
    hosts: Iterable[HostOutcome], interrupted: bool, aborted: bool = False
) -> tuple[str, int]:
    """Job status and exit code: interrupted 99 > aborted by policy 8 > failed 2 (also
    rolled back or rollback failed) > unreachable 4 > ok 0."""
    if interrupted:
        return "interrupted", exit_codes.INTERRUPTED
    if aborted:
        return "failed", exit_codes.ABORTED
    statuses = {h.status for h in hosts}
    if statuses & {"failed", "rolled_back", "rollback_failed"}:
        return "failed", exit_codes.FAILED
    if "unreachable" in statuses:
        return "failed", exit_codes.UNREACHABLE
    return "succeeded", exit_codes.OK
