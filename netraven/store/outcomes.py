"""Stored rows back as the engine's outcomes: for showing a job, and for a coordinator
reading what a lost worker had already recorded."""

from __future__ import annotations

from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.store.models import HostResult, TaskResult

__all__ = ["host_outcome", "task_outcome"]


def host_outcome(h: HostResult) -> HostOutcome:
    return HostOutcome(
        h.host,
        h.play_index,
        h.play,
        HostStatus(h.status),
        h.changed,
        h.error,
        h.started_at,
        h.finished_at,
        h.duration_ms or 0,
        h.credential,
    )


def task_outcome(t: TaskResult) -> TaskOutcome:
    return TaskOutcome(
        t.host,
        t.play_index,
        t.play,
        t.task_index,
        t.name,
        t.action,
        TaskStatus(t.status),
        t.changed,
        t.failed,
        t.skipped,
        t.ignored,
        t.output,
        t.diff,
        t.error,
        t.attempts,
        t.started_at,
        t.duration_ms or 0,
        t.rescued,
    )
