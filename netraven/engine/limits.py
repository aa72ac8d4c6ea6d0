"""Inventory limits shared by a whole job: ``max_concurrency`` and ``logins_per_second``.

Both protect something the hosts of a group share rather than the hosts themselves — a
WAN link, a slow controller, the AAA server every login hits — so both are set on a
group (or on the defaults, meaning every host) and counted across the job, whatever
``forks`` or ``serial`` say. On a host they would mean nothing (a limit of one host), so
they are input errors there.

``max_concurrency: N`` — at most N hosts of the group work at once. A host holds a slot of
each of its limited groups for its whole host-play (under ``strategy: linear`` for each
step, so a host waiting for the others holds none). A host in several limited groups
takes their slots one by one in a fixed order (by group name), so two hosts can never
each hold what the other waits for.

``logins_per_second: R`` — login attempts of the group's hosts start at least 1/R
seconds apart: every attempt counts, reconnects after a retry and each credential set
tried included, because each one is a request to the AAA server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from nornir.core.inventory import Inventory

from netraven.errors import InputError

__all__ = ["DEFAULTS", "GroupLimits", "JobLimits", "WorkSlot", "read_limits"]

DEFAULTS = "defaults"  # the scope name of a limit set in defaults.yaml: every host
CONCURRENCY = "max_concurrency"
LOGIN_RATE = "logins_per_second"


@dataclass(frozen=True)
class GroupLimits:
    """The limits the inventory sets, by scope (group name or ``DEFAULTS``)."""

    concurrency: dict[str, int]
    login_rate: dict[str, float]
    members: dict[str, tuple[str, ...]]  # host → its limited scopes, sorted

    @classmethod
    def none(cls) -> GroupLimits:
        return cls({}, {}, {})


def _number(where: str, key: str, value: Any, integer: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or (
        integer and not isinstance(value, int)
    ):
        kind = "a whole number" if integer else "a number"
        raise InputError(f"{where}: data.{key} must be {kind} above 0, not {value!r}")
    if value <= 0:
        raise InputError(f"{where}: data.{key} must be above 0, not {value!r}")
    return float(value)


def read_limits(inventory: Inventory) -> GroupLimits:
    """The inventory's limits; a bad value, or one set on a host, is an InputError."""
    concurrency: dict[str, int] = {}
    rate: dict[str, float] = {}
    scopes: list[tuple[str, str, Any]] = [(DEFAULTS, "defaults", inventory.defaults.data)]
    scopes += [(name, f"group {name}", g.data) for name, g in inventory.groups.items()]
    for scope, where, data in scopes:
        data = data or {}
        if data.get(CONCURRENCY) is not None:
            concurrency[scope] = int(_number(where, CONCURRENCY, data[CONCURRENCY], True))
        if data.get(LOGIN_RATE) is not None:
            rate[scope] = _number(where, LOGIN_RATE, data[LOGIN_RATE], False)
    members: dict[str, tuple[str, ...]] = {}
    for name, host in inventory.hosts.items():
        for key in (CONCURRENCY, LOGIN_RATE):
            if (host.data or {}).get(key) is not None:
                raise InputError(
                    f"host {name}: data.{key} limits a group of hosts; set it on a group "
                    "or in the defaults, not on a host"
                )
        groups = {g.name for g in host.extended_groups()} | {DEFAULTS}
        limited = sorted(s for s in groups if s in concurrency or s in rate)
        if limited:
            members[name] = tuple(limited)
    return GroupLimits(concurrency, rate, members)


class WorkSlot:
    """A host's right to work: a slot of each limited group (in name order), then a fork.

    Re-usable like a semaphore (``async with`` once per host-play or per linear step).
    """

    def __init__(self, semaphores: list[asyncio.Semaphore], fork: asyncio.Semaphore | None):
        self._semaphores = [*semaphores, *([fork] if fork is not None else [])]
        self._held: list[asyncio.Semaphore] = []

    async def __aenter__(self) -> None:
        try:
            for semaphore in self._semaphores:
                await semaphore.acquire()
                self._held.append(semaphore)
        except BaseException:
            self._release()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        while self._held:
            self._held.pop().release()


class JobLimits:
    """The job's group semaphores and login schedule."""

    def __init__(
        self,
        limits: GroupLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or GroupLimits.none()
        self._clock = clock
        self._sleep = sleep
        self._semaphores = {s: asyncio.Semaphore(n) for s, n in self.limits.concurrency.items()}
        self._next_login: dict[str, float] = {}

    def slot(self, host: str, fork: asyncio.Semaphore | None = None) -> WorkSlot:
        scopes = self.limits.members.get(host, ())
        return WorkSlot([self._semaphores[s] for s in scopes if s in self._semaphores], fork)

    def login_delay(self, host: str) -> float:
        """Reserve the host's next login start; how long to wait for it (0: now).

        The reservation is taken at once (no await in between), so concurrent callers
        queue in call order: each limited group's next free start moves on by 1/R.
        """
        rates = [
            (s, self.limits.login_rate[s])
            for s in self.limits.members.get(host, ())
            if s in self.limits.login_rate
        ]
        if not rates:
            return 0.0
        now = self._clock()
        start = max([now, *(self._next_login.get(s, now) for s, _ in rates)])
        for scope, per_second in rates:
            self._next_login[scope] = start + 1.0 / per_second
        return start - now

    async def before_login(self, host: str) -> None:
        delay = self.login_delay(host)
        if delay > 0:
            await self._sleep(delay)
