"""The seam between the runner and whoever watches it (store, terminal, tests)."""

from __future__ import annotations

from typing import Protocol

from netraven.runner.results import HostOutcome, TaskOutcome


class RunListener(Protocol):
    def play_started(self, index: int, name: str, hosts: list[str]) -> None: ...

    def task_finished(self, outcome: TaskOutcome) -> None: ...

    def host_finished(self, outcome: HostOutcome) -> None: ...

    def backup_taken(self, host: str, sha256: str, text: str) -> None: ...

    def log(self, host: str | None, level: str, message: str) -> None: ...


class Listeners:
    """Fans every event out to several listeners, in order."""

    def __init__(self, *listeners: RunListener) -> None:
        self._listeners = list(listeners)

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        for listener in self._listeners:
            listener.play_started(index, name, hosts)

    def task_finished(self, outcome: TaskOutcome) -> None:
        for listener in self._listeners:
            listener.task_finished(outcome)

    def host_finished(self, outcome: HostOutcome) -> None:
        for listener in self._listeners:
            listener.host_finished(outcome)

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        for listener in self._listeners:
            listener.backup_taken(host, sha256, text)

    def log(self, host: str | None, level: str, message: str) -> None:
        for listener in self._listeners:
            listener.log(host, level, message)
