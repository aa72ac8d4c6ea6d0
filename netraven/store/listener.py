"""Turns run events into job-store rows through the batched writer."""

from __future__ import annotations

from netraven.domain import HostOutcome, JobOutcome, TaskOutcome
from netraven.store.models import ConfigBackup, HostResult, LogEntry, TaskResult, now
from netraven.store.writer import BatchWriter

LEVELS = ("debug", "info", "warning", "error")


class StoreListener:
    def __init__(
        self,
        writer: BatchWriter,
        job_id: int,
        min_level: str = "debug",
        *,
        outcomes_redacted: bool = False,
    ) -> None:
        """``outcomes_redacted``: the producer already redacted outcomes and backups with
        the writer's redactor (the engine does), so the writer need not scan them again."""
        self._writer = writer
        self._job_id = job_id
        self._min = LEVELS.index(min_level)
        self._redacted = outcomes_redacted

    def job_started(self, job_id: int) -> None:
        pass

    def job_finished(self, outcome: JobOutcome) -> None:
        pass

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        self.log(None, "info", f"play {index + 1} '{name}' on {len(hosts)} host(s)")

    def task_finished(self, o: TaskOutcome) -> None:
        self._writer.add(
            TaskResult,
            {
                "job_id": self._job_id,
                "host": o.host,
                "play_index": o.play_index,
                "play": o.play,
                "task_index": o.task_index,
                "name": o.name,
                "action": o.action,
                "status": o.status,
                "changed": o.changed,
                "failed": o.failed,
                "ignored": o.ignored,
                "rescued": o.rescued,
                "skipped": o.skipped,
                "output": o.output,
                "diff": o.diff,
                "error": o.error,
                "attempts": o.attempts,
                "started_at": o.started_at,
                "duration_ms": o.duration_ms,
            },
            redacted=self._redacted,
        )

    def host_finished(self, o: HostOutcome) -> None:
        self._writer.add(
            HostResult,
            {
                "job_id": self._job_id,
                "host": o.host,
                "play_index": o.play_index,
                "play": o.play,
                "status": o.status,
                "changed": o.changed,
                "error": o.error,
                "started_at": o.started_at,
                "finished_at": o.finished_at,
                "duration_ms": o.duration_ms,
                "credential": o.credential,
            },
            redacted=self._redacted,
        )
        self.log(
            o.host,
            "error" if o.failed else "info",
            f"{o.status}{' (changed)' if o.changed else ''} in {o.duration_ms} ms"
            + (f": {o.error}" if o.error else ""),
        )

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        self._writer.add(
            ConfigBackup,
            {
                "job_id": self._job_id,
                "host": host,
                "sha256": sha256,
                "text": text,
                "created_at": now(),
            },
            redacted=self._redacted,
        )

    def log(self, host: str | None, level: str, message: str) -> None:
        if LEVELS.index(level) >= self._min:
            self._writer.add(
                LogEntry,
                {
                    "job_id": self._job_id,
                    "host": host,
                    "level": level,
                    "message": message,
                    "created_at": now(),
                },
            )
