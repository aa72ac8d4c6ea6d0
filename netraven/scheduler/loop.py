"""The scheduler: an async object the service embeds (and tests drive with a fake clock).

No ``asyncio.run`` and no signals here: the owner creates the loop, calls ``run()`` as a
task and cancels it to stop. Each tick reads the enabled schedules from the store, so a
schedule added, disabled or removed from the CLI or the API takes effect on the next tick
without a restart; every due schedule runs as its own task, and one whose previous run is
still going is skipped (and says so in its ``last_note``) rather than started twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.engine import Engine

from netraven.errors import NetRavenError
from netraven.scheduler.fire import holder, run_claimed
from netraven.scheduler.handlers import HANDLERS, HandlerRegistry, Launch
from netraven.scheduler.policy import GRACE, decide
from netraven.scheduler.timing import next_run, parse_timing, zone
from netraven.store import schedules as rows
from netraven.store.schedule_models import Schedule

__all__ = ["Clock", "Scheduler", "SystemClock", "Tick"]

log = logging.getLogger("netraven.scheduler")


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class _Plan:
    row: Schedule
    start: bool
    note: str | None
    next_due: datetime | None


@dataclass(frozen=True)
class Tick:
    """What one pass did, per schedule name (for logs and tests)."""

    started: list[str]
    skipped: dict[str, str]


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def upcoming(row: Schedule, after: datetime) -> datetime:
    """The schedule's first run strictly after ``after``."""
    anchor = _aware(row.created_at) or after
    return next_run(parse_timing(row.timing), zone(row.timezone), after, anchor)


class Scheduler:
    def __init__(
        self,
        store: Engine,
        launch: Launch,
        *,
        clock: Clock | None = None,
        handlers: HandlerRegistry = HANDLERS,
        vault_password: bytes | None = None,
        poll: float = 30.0,
        grace: timedelta = GRACE,
        probe_timeout: float = 5.0,
    ) -> None:
        self.store = store
        self.launch = launch
        self.clock = clock or SystemClock()
        self.handlers = handlers
        self.vault_password = vault_password
        self.poll = poll
        self.grace = grace
        self.probe_timeout = probe_timeout
        self.holder = holder()
        self.running: dict[str, asyncio.Task[object]] = {}
        self._next_due: datetime | None = None
        self._woken: asyncio.Event | None = None

    def wake(self) -> None:
        """Tick now rather than at the next poll: a schedule was added or switched on."""
        if self._woken is not None:
            self._woken.set()

    async def _sleep(self, seconds: float) -> None:
        if self._woken is None:
            self._woken = asyncio.Event()
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        woken = asyncio.ensure_future(self._woken.wait())
        try:
            await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            woken.cancel()
            self._woken.clear()

    async def run(self) -> None:
        """Tick until cancelled; cancelling stops the runs in flight too."""
        try:
            while True:
                try:
                    await self.tick()
                except NetRavenError as exc:  # the store went away: say so, keep ticking
                    log.error("scheduler tick failed: %s", exc)
                except Exception:  # noqa: BLE001 - a scheduler that dies silently is worse
                    log.exception("scheduler tick failed")
                await self._sleep(self._pause())
        finally:
            await self.aclose()

    def _pause(self) -> float:
        if self._next_due is None:
            return self.poll
        left = (self._next_due - self.clock.now()).total_seconds()
        return max(0.0, min(self.poll, left))

    async def tick(self) -> Tick:
        """One pass over the enabled schedules: start the due ones, skip what must be.

        Every store read and write of the pass happens in one worker-thread call, before
        any run starts: runs already going cannot delay the decisions of the others.
        """
        now = self.clock.now()
        busy = {name for name, task in self.running.items() if not task.done()}
        plans = await asyncio.to_thread(self._plan, now, busy)
        started: list[str] = []
        skipped: dict[str, str] = {}
        self._next_due = None
        for plan in plans:
            if plan.next_due is not None:
                self._remember(plan.next_due)
            if plan.note and not plan.start:
                log.warning("schedule %s: %s", plan.row.name, plan.note)
                skipped[plan.row.name] = plan.note
            if plan.start:
                if plan.note:
                    log.warning("schedule %s: %s", plan.row.name, plan.note)
                started.append(plan.row.name)
                self.running[plan.row.name] = asyncio.create_task(
                    run_claimed(
                        self.store,
                        plan.row,
                        self.launch,
                        who=self.holder,
                        started=now,
                        handlers=self.handlers,
                        vault_password=self.vault_password,
                        probe_timeout=self.probe_timeout,
                        note=plan.note,
                    ),
                    name=f"schedule {plan.row.name}",
                )
        return Tick(started, skipped)

    def _plan(self, now: datetime, busy: set[str]) -> list[_Plan]:
        plans = []
        for row in rows.list_schedules(self.store, enabled_only=True):
            try:
                plans.append(self._consider(row, now, busy))
            except NetRavenError as exc:  # a bad timing or zone stored by hand: that one only
                plans.append(_Plan(row, False, f"not scheduled: {exc}", None))
        return plans

    def _consider(self, row: Schedule, now: datetime, busy: set[str]) -> _Plan:
        """Decide, and record the decision (next run, claim, note) in the store."""
        assert row.id is not None
        due = _aware(row.next_run_at)
        if due is None:  # added without a next run (a store edited by hand): plan one
            due = upcoming(row, now)
            rows.update_schedule(self.store, row.id, next_run_at=due)
        running = row.name in busy or rows.holder_alive(row.claimed_by)
        decision = decide(due, now, row.missed, running=running, grace=self.grace)
        if decision is None:
            return _Plan(row, False, None, due)
        following = upcoming(row, now)
        if not decision.run:
            rows.update_schedule(self.store, row.id, next_run_at=following, last_note=decision.note)
            return _Plan(row, False, decision.note, following)
        if not rows.claim(self.store, row.id, self.holder, now, next_run_at=following):
            note = "run skipped: another process is running this schedule"
            rows.update_schedule(self.store, row.id, next_run_at=following, last_note=note)
            return _Plan(row, False, note, following)
        return _Plan(row, True, decision.note, following)

    def _remember(self, due: datetime) -> None:
        if self._next_due is None or due < self._next_due:
            self._next_due = due

    async def wait_idle(self) -> None:
        """Until every run in flight has finished (tests; a graceful stop)."""
        tasks = [t for t in self.running.values() if not t.done()]
        if tasks:
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        """Cancel the runs in flight (their jobs end interrupted) and wait for them."""
        tasks = [t for t in self.running.values() if not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
