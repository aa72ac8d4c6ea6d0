"""Circuit breakers: stop contacting a site (or host, or play) once it keeps failing.

Per scope key, consecutive host failures are counted; at ``threshold`` the breaker
opens and the scope's remaining hosts are skipped without a connection attempt.
After ``reset_after`` seconds one trial host may go through (half-open): success
closes the breaker, failure opens it again.

While a scope is unproven (fewer than ``threshold`` successes) or has failures, a host
is admitted only if the hosts in flight could not all fail without opening the
breaker first (in flight + failures < threshold). Otherwise, with hundreds of
forks, a whole dead site would be contacted before the first failure came back and
the breaker could never act. A proven, healthy scope runs at full concurrency.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from nornir.core.inventory import Host

from netraven.playbook.schema import CircuitBreakerPolicy

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def scope_key(policy: CircuitBreakerPolicy, host: Host, play: str) -> str:
    if policy.scope == "host":
        return f"host:{host.name}"
    if policy.scope == "play":
        return f"play:{play}"
    return f"group:{host.groups[0].name if host.groups else 'ungrouped'}"


@dataclass
class BreakerState:
    key: str
    state: str = CLOSED
    failures: int = 0
    successes: int = 0
    opened_at: float | None = None  # wall-clock seconds
    in_flight: int = 0
    trial: bool = False


@dataclass(frozen=True)
class Admission:
    admitted: bool
    trial: bool = False
    reason: str = ""


@dataclass(frozen=True)
class StoredBreaker:
    """A breaker as the shared store has it after an update (other jobs' failures included)."""

    state: str
    failures: int
    opened_at: float | None


class BreakerRecorder(Protocol):
    """Where breakers are shared between jobs; each call is one atomic update."""

    async def failure(
        self, key: str, policy: CircuitBreakerPolicy, trial: bool
    ) -> StoredBreaker: ...

    async def success(
        self, key: str, policy: CircuitBreakerPolicy, trial: bool
    ) -> StoredBreaker: ...

    async def trial(self, key: str, policy: CircuitBreakerPolicy) -> StoredBreaker: ...


class BreakerBoard:
    """All breakers of a job, decided in memory and, with a recorder, shared through it.

    After each recorded change the board adopts the stored state, so failures that a
    concurrent job counted for the same scope count here too.
    """

    def __init__(
        self,
        initial: list[BreakerState],
        recorder: BreakerRecorder | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._states = {s.key: s for s in initial}
        self._recorder = recorder
        self._clock = clock
        self._condition: asyncio.Condition | None = None

    @property
    def _changed(self) -> asyncio.Condition:
        if self._condition is None:  # created on first use, inside the job's loop
            self._condition = asyncio.Condition()
        return self._condition

    def _adopt(self, s: BreakerState, stored: StoredBreaker) -> None:
        s.state, s.failures, s.opened_at = stored.state, stored.failures, stored.opened_at

    def state(self, key: str) -> BreakerState:
        return self._states.setdefault(key, BreakerState(key))

    def open_keys(self) -> list[str]:
        return sorted(k for k, s in self._states.items() if s.state != CLOSED)

    async def admit(self, key: str, policy: CircuitBreakerPolicy) -> Admission:
        async with self._changed:
            while True:
                s = self.state(key)
                if s.state != CLOSED:
                    elapsed = self._clock() - (s.opened_at or 0)
                    if elapsed >= policy.reset_after and not s.trial:
                        s.state, s.trial = HALF_OPEN, True
                        s.in_flight += 1
                        if self._recorder is not None:
                            stored = await self._recorder.trial(key, policy)
                            s.failures = stored.failures
                        return Admission(True, trial=True)
                    return Admission(False, reason=f"circuit open: {key}")
                cautious = s.failures > 0 or s.successes < policy.threshold
                if not cautious or s.in_flight + s.failures < policy.threshold:
                    s.in_flight += 1
                    return Admission(True)
                await self._changed.wait()

    async def release(
        self, key: str, policy: CircuitBreakerPolicy, admission: Admission, success: bool | None
    ) -> None:
        """``success`` None: the host ended without a verdict (interrupted); count nothing."""
        async with self._changed:
            s = self.state(key)
            s.in_flight -= 1
            before = (s.state, s.failures)
            if admission.trial:
                s.trial = False
            if success is None:
                self._changed.notify_all()
                return
            if success:
                s.successes += 1
                if admission.trial:
                    s.state, s.opened_at = CLOSED, None
                if s.state == CLOSED:
                    s.failures = 0
                # A healthy scope costs no write; a recovery (or a trial) is shared.
                if self._recorder is not None and (s.state, s.failures) != before:
                    self._adopt(s, await self._recorder.success(key, policy, admission.trial))
            else:
                s.failures += 1
                if admission.trial or s.failures >= policy.threshold:
                    s.state, s.opened_at = OPEN, self._clock()
                if self._recorder is not None:
                    self._adopt(s, await self._recorder.failure(key, policy, admission.trial))
            self._changed.notify_all()
