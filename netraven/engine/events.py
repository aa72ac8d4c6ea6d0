"""The seam between the engine and whoever watches a job (store, terminal, service, tests).

A listener that raises must not turn a failed device into a green run, nor a green run into
a crash: the fan-out catches it, detaches that listener (a closed stdout pipe stays closed),
and reports the error to the engine, which fails the host the event was about — or the job,
for an event about no host.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from typing import Protocol

from netraven.domain import HostOutcome, HostStatus, JobOutcome, TaskOutcome, TaskStatus

__all__ = ["Fanout", "NullListener", "RunListener"]


class RunListener(Protocol):
    def job_started(self, job_id: int) -> None: ...

    def play_started(self, index: int, name: str, hosts: list[str]) -> None: ...

    def task_finished(self, outcome: TaskOutcome) -> None: ...

    def host_finished(self, outcome: HostOutcome) -> None: ...

    def backup_taken(self, host: str, sha256: str, text: str) -> None: ...

    def log(self, host: str | None, level: str, message: str) -> None: ...

    def job_finished(self, outcome: JobOutcome) -> None: ...


class NullListener:
    """Does nothing; subclass it to hear only the events you care about."""

    def job_started(self, job_id: int) -> None:
        pass

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        pass

    def task_finished(self, outcome: TaskOutcome) -> None:
        pass

    def host_finished(self, outcome: HostOutcome) -> None:
        pass

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        pass

    def log(self, host: str | None, level: str, message: str) -> None:
        pass

    def job_finished(self, outcome: JobOutcome) -> None:
        pass


class Fanout:
    """Delivers each event to the watchers first, then to the recorders.

    Watchers are the caller's listeners; recorders (the store, the in-memory collector) get
    the event last, so that when a watcher fails on a task or host, the failure is already
    part of the outcome they record.
    """

    def __init__(
        self,
        watchers: Sequence[RunListener],
        recorders: Sequence[RunListener],
    ) -> None:
        self._watchers = list(watchers)
        self._recorders = list(recorders)
        self.errors: dict[str | None, list[str]] = {}

    def take_errors(self, host: str | None) -> list[str]:
        return self.errors.pop(host, [])

    def _deliver(
        self, listeners: list[RunListener], host: str | None, call: Callable[[RunListener], None]
    ) -> None:
        for listener in list(listeners):
            try:
                call(listener)
            except Exception as exc:
                listeners.remove(listener)
                name = type(listener).__name__
                self.errors.setdefault(host, []).append(
                    f"listener {name} failed: {type(exc).__name__}: {exc}"
                )
                if listeners is not self._recorders:
                    self._debug(host, f"listener {name} detached:\n{traceback.format_exc()}")

    def _debug(self, host: str | None, detail: str) -> None:
        self._deliver(self._recorders, host, lambda li: li.log(host, "debug", detail))

    def _all(self, host: str | None, call: Callable[[RunListener], None]) -> None:
        self._deliver(self._watchers, host, call)
        self._deliver(self._recorders, host, call)

    def job_started(self, job_id: int) -> None:
        self._all(None, lambda listener: listener.job_started(job_id))

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        self._all(None, lambda listener: listener.play_started(index, name, hosts))

    def task_finished(self, outcome: TaskOutcome) -> None:
        self._deliver(self._watchers, outcome.host, lambda li: li.task_finished(outcome))
        failures = self.take_errors(outcome.host)
        if failures:
            outcome.failed, outcome.ignored = True, False
            outcome.status = TaskStatus.FAILED
            outcome.error = "; ".join(filter(None, [outcome.error, *failures]))
        self._deliver(self._recorders, outcome.host, lambda li: li.task_finished(outcome))

    def host_finished(self, outcome: HostOutcome) -> None:
        self._deliver(self._watchers, outcome.host, lambda li: li.host_finished(outcome))
        failures = self.take_errors(outcome.host)
        if failures:
            outcome.status = HostStatus.FAILED
            outcome.error = "; ".join(filter(None, [outcome.error, *failures]))
        self._deliver(self._recorders, outcome.host, lambda li: li.host_finished(outcome))

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        self._all(host, lambda listener: listener.backup_taken(host, sha256, text))

    def log(self, host: str | None, level: str, message: str) -> None:
        self._all(host, lambda listener: listener.log(host, level, message))

    def job_finished(self, outcome: JobOutcome) -> None:
        self._all(None, lambda listener: listener.job_finished(outcome))
