"""A job's progress as numbered events, for server-sent event streams.

While this service runs a job, a ``FeedListener`` appends each task, host, play and
job-level warning to the job's ``JobFeed`` in the order they happen, numbered from 1;
every subscriber reads the same list, so ``Last-Event-ID: N`` resumes after event N
without loss or repeat. Feeds of finished jobs are kept for the last ``KEEP_FINISHED``
jobs.

A job without a feed here (finished before a restart, run by the CLI, or evicted) is
replayed from the store in a canonical order: per host result in finish order, that
host's tasks of that play and then the host result. Hosts that finish later sort after
the ones already replayed, so this numbering is stable too (a replay of an unfinished
CLI job polls and extends it); it is not the live numbering, which a restart has lost
with the process.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator

from netraven.app.read_models import (
    HostPlayView,
    JobDetail,
    JobEvent,
    JobView,
    host_play_view,
    task_view,
)
from netraven.domain import HostOutcome, JobOutcome, TaskOutcome
from netraven.engine.events import NullListener
from netraven.secrets import Redactor

__all__ = ["FeedListener", "Feeds", "JobFeed", "replay_events"]

KEEP_FINISHED = 50


class JobFeed:
    """Appended to on the jobs loop, read on the request loop (``loop``).

    Events are only ever appended, under a lock, and subscribers are woken on their own
    loop with ``call_soon_threadsafe``: an ``asyncio.Event`` belongs to one loop.
    """

    def __init__(self, job_id: int, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.job_id = job_id
        self.events: list[JobEvent] = []
        self.done = False
        self._loop = loop or asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._wake = asyncio.Event()

    def add(self, kind: str, **fields: object) -> None:
        with self._lock:
            if self.done:
                return
            self.events.append(
                JobEvent.model_validate(
                    {"seq": len(self.events) + 1, "kind": kind, "job_id": self.job_id, **fields}
                )
            )
            if kind == "end":
                self.done = True
        self._loop.call_soon_threadsafe(self._notify)

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def follow(self, after: int, keepalive: float) -> AsyncIterator[JobEvent | None]:
        """Events after seq ``after`` until the end; None every ``keepalive`` s of quiet."""
        sent = max(0, after)
        while True:
            while sent < len(self.events):
                sent += 1
                yield self.events[sent - 1]
            if self.done:
                return
            wake = self._wake
            try:
                await asyncio.wait_for(wake.wait(), keepalive)
            except TimeoutError:
                yield None


class Feeds:
    """Live feeds by job id; finished ones kept for the newest ``KEEP_FINISHED`` jobs.

    ``loop`` is the request loop, where subscribers wait; feeds may be opened from the
    jobs loop's thread too, hence the lock.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._feeds: OrderedDict[int, JobFeed] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, job_id: int) -> JobFeed:
        with self._lock:
            feed = self._feeds.get(job_id)
            if feed is None:
                feed = self._feeds[job_id] = JobFeed(job_id, self._loop)
            finished = [k for k, f in self._feeds.items() if f.done]
            for key in finished[: max(0, len(finished) - KEEP_FINISHED)]:
                del self._feeds[key]
            return feed

    def get(self, job_id: int) -> JobFeed | None:
        return self._feeds.get(job_id)


class FeedListener(NullListener):
    """Hears the engine and appends to a feed (outcomes arrive redacted; logs do not)."""

    def __init__(self, feed: JobFeed, redactor: Redactor) -> None:
        self._feed = feed
        self._redactor = redactor

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        self._feed.add("play", play_index=index, play=name, hosts=list(hosts))

    def task_finished(self, outcome: TaskOutcome) -> None:
        self._feed.add("task", host=outcome.host, task=task_view(outcome))

    def host_finished(self, outcome: HostOutcome) -> None:
        self._feed.add("host", host=outcome.host, result=host_play_view(outcome))

    def log(self, host: str | None, level: str, message: str) -> None:
        if host is None and level in ("warning", "error"):
            self._feed.add("log", level=level, message=self._redactor.text(message))

    def job_finished(self, outcome: JobOutcome) -> None:
        pass  # the runner adds ``end`` once the row is final (the API's cancelled included)


def replay_events(detail: JobDetail, finished: bool) -> list[JobEvent]:
    """The canonical numbering of a recorded job (see the module docstring)."""
    job_id = detail.job.id
    events: list[JobEvent] = []

    def add(kind: str, **fields: object) -> None:
        events.append(
            JobEvent.model_validate(
                {"seq": len(events) + 1, "kind": kind, "job_id": job_id, **fields}
            )
        )

    add("job", job=detail.job)
    played: list[tuple[str, int, HostPlayView]] = []
    for name, host in detail.hosts.items():
        for play in host.plays:
            played.append((name, play.play_index, play))
    # Storage order is lost in the grouped document; finish time is the closest stand-in.
    played.sort(key=lambda p: (p[2].finished_at is None, _when(p[2]), p[0]))
    for name, index, play in played:
        for task in detail.hosts[name].tasks:
            if task.play_index == index:
                add("task", host=name, task=task)
        add("host", host=name, result=play)
    if finished:
        add("end", job=detail.job)
    return events


def _when(play: HostPlayView) -> str:
    return play.finished_at.isoformat() if play.finished_at is not None else ""


def job_start_event(feed: JobFeed, job: JobView) -> None:
    feed.add("job", job=job)
