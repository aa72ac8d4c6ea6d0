"""The seam for running a play's batches somewhere else (another process, another machine).

The engine keeps the play semantics that span hosts — plays in order, serial batches, the
batch verdict (``max_fail_percentage``, ``any_errors_fatal``, "every host failed"), hosts that
failed sitting out later plays — and hands each batch's hosts to a ``BatchExecutor``. What
runs the hosts records their rows in the shared store itself and reports the outcomes back,
so the coordinating process shows and sums them without writing them a second time.

Implementations live elsewhere (``netraven.executor`` for Celery); the local executor is the
engine's own in-process batch and needs none of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from netraven.domain import HostOutcome, TaskOutcome
from netraven.playbook.tree import CompiledPlay

__all__ = ["BatchExecutor", "BatchReport", "RemoteRecord", "SharedOnce"]


@dataclass
class RemoteRecord:
    """Outcomes the coordinator decided itself (hosts a lost worker took with it): these are
    not in the store yet, so the engine records them like its own."""

    hosts: list[HostOutcome] = field(default_factory=list)
    tasks: list[TaskOutcome] = field(default_factory=list)
    logs: list[tuple[str | None, str, str]] = field(default_factory=list)  # host, level, text


@dataclass
class BatchReport:
    """What the hosts of one batch did, as recorded by whoever ran them."""

    hosts: list[HostOutcome] = field(default_factory=list)
    tasks: list[TaskOutcome] = field(default_factory=list)
    abort: str | None = None  # the batch's failure policy tripped, and why
    ended: bool = False  # meta: end_play ran on one of the batch's hosts
    warnings: list[str] = field(default_factory=list)  # job-level warnings, already recorded
    decided: RemoteRecord | None = None  # outcomes no worker recorded (see RemoteRecord)
    # Template repository versions the workers rendered: (name, version, sha256).
    templates: set[tuple[str, int, str]] = field(default_factory=set)


class BatchExecutor(Protocol):
    """Runs one batch of one play on remote workers and waits for all of its hosts."""

    def check_play(self, play: CompiledPlay) -> str | None:
        """Why this play cannot run remotely (checked before any device is contacted)."""
        ...

    async def run_batch(
        self,
        job_id: int,
        play: CompiledPlay,
        number: int,
        hosts: list[str],
        forks: int,
    ) -> BatchReport:
        """Run ``hosts`` (batch ``number`` of ``play``) and report what they did."""
        ...

    async def job_finished(self, job_id: int) -> None:
        """Let the workers drop what they kept for the job (sessions, per-job state)."""
        ...


class SharedOnce(Protocol):
    """``run_once`` across processes: one claimant runs the task, the others get its facts.

    Facts that cross a process boundary are redacted with the job's known secrets first, so
    a host on another worker sees ``********`` where the claimant saw a secret.
    """

    async def claim(self, play_index: int, task_id: int) -> bool: ...

    async def publish(self, play_index: int, task_id: int, facts: dict[str, Any]) -> None: ...

    async def wait(self, play_index: int, task_id: int) -> dict[str, Any]: ...
