"""Logged-in sessions kept between jobs in a long-lived process (a service, a worker).

The CLI runs one job per process and does not pool: its sessions close when the host is
done. An embedder that runs many jobs hands one ``ConnectionPool`` to every ``execute``
call, so a second job to the same device within ``idle_seconds`` skips the login.

What is pooled is the raw driver connection, never a job's view of it: each job wraps
it again (``CheckModeGuard`` under ``--check``), so check mode cannot leak between jobs.
A session goes back only when its host finished ``ok`` and none of its commands raised;
anything else (an error, a timeout, a retry, a check-mode refusal, cancellation) closes
it. An idle session is probed before reuse (``Probe.alive``: scrapli's ``get_prompt``,
netmiko's ``find_prompt``); a connection kind without a probe is never kept.

The key is the device and the exact login (host name, address, port, username,
transport, platform, connection kind, credential set name, and a digest of the secrets
and driver options), so two logins never share a session; the secrets themselves never
appear in a key or a log line.

``max_per_device`` caps the sessions the pool holds per key, busy and idle together.
A job that needs one beyond the cap does not wait (waiting could deadlock two jobs that
each hold one): it logs in unpooled and closes that session when its host is done.

The pool belongs to the event loop that first uses it; using it from another loop is a
bug and raises ``RuntimeError``. ``await pool.close()`` closes every idle session; busy
ones are closed when their job gives them back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from netraven.connections.base import Connection, HostParams

if TYPE_CHECKING:
    from netraven.settings import Settings

__all__ = ["ConnectionPool", "PoolKey", "Probe", "pool_key"]

PoolKey = tuple[str, ...]


@runtime_checkable
class Probe(Protocol):
    """A connection that can say cheaply whether its session still answers."""

    async def alive(self) -> bool:
        """True when the device still answers on this session; never raises."""


def pool_key(params: HostParams, kind: str, credential: str | None) -> PoolKey:
    """Who logs in where, how; secrets and driver options only as a digest."""
    private = json.dumps(
        [params.password, params.secret, params.extras, repr(params.ssh), params.timeout],
        sort_keys=True,
        default=repr,
    )
    digest = hashlib.sha256(private.encode()).hexdigest()[:32]
    return (
        params.name,
        params.hostname,
        str(params.port),
        params.username or "",
        params.transport,
        params.platform,
        kind,
        credential or "",
        digest,
    )


@dataclass
class _Idle:
    conn: Connection
    since: float


async def _close(conn: Connection) -> None:
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.shield(conn.close())


class ConnectionPool:
    """Idle sessions by key, kept ``idle_seconds``, at most ``max_per_device`` per key."""

    def __init__(
        self,
        idle_seconds: float,
        max_per_device: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if idle_seconds <= 0:
            raise ValueError("idle_seconds must be positive")
        if max_per_device < 1:
            raise ValueError("max_per_device must be at least 1")
        self.idle_seconds = float(idle_seconds)
        self.max_per_device = max_per_device
        self._clock = clock
        self._idle: dict[PoolKey, list[_Idle]] = {}
        self._busy: dict[PoolKey, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False
        self.reused = 0  # sessions handed out again, for a service's metrics

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionPool:
        """The pool a service or worker builds from its ``pool_*`` settings."""
        return cls(settings.pool_idle_seconds, settings.pool_max_per_device)

    def _own(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError("a ConnectionPool belongs to the event loop that first used it")

    def idle(self, key: PoolKey | None = None) -> int:
        """How many idle sessions are held (for one key, or in all)."""
        if key is not None:
            return len(self._idle.get(key, []))
        return sum(len(v) for v in self._idle.values())

    def busy(self, key: PoolKey) -> int:
        return self._busy.get(key, 0)

    async def acquire(self, key: PoolKey) -> Connection | None:
        """A live idle session for ``key``, now busy; None when there is none."""
        self._own()
        entries = self._idle.get(key, [])
        while entries:
            entry = entries.pop()  # the most recently used first
            if self._clock() - entry.since >= self.idle_seconds:
                await _close(entry.conn)
                continue
            self._busy[key] = self._busy.get(key, 0) + 1
            if isinstance(entry.conn, Probe) and await _alive(entry.conn):
                self.reused += 1
                return entry.conn
            self._busy[key] -= 1
            await _close(entry.conn)
        self._idle.pop(key, None)
        return None

    def reserve(self, key: PoolKey) -> bool:
        """Count a new login against the cap; False means: open it unpooled."""
        self._own()
        if self._closed or self.busy(key) + self.idle(key) >= self.max_per_device:
            return False
        self._busy[key] = self.busy(key) + 1
        return True

    def forget(self, key: PoolKey) -> None:
        """A reserved login that failed: it no longer counts against the cap."""
        self._busy[key] = max(0, self.busy(key) - 1)

    async def give_back(self, key: PoolKey, conn: Connection, healthy: bool) -> None:
        """Keep a healthy, probe-able session idle; close anything else."""
        self.forget(key)
        if not healthy or self._closed or not isinstance(conn, Probe):
            await _close(conn)
            return
        self._idle.setdefault(key, []).append(_Idle(conn, self._clock()))
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        """Close sessions idle longer than ``idle_seconds``; ends when none is left."""
        while any(self._idle.values()):
            now = self._clock()
            for key, entries in list(self._idle.items()):
                keep = [e for e in entries if now - e.since < self.idle_seconds]
                expired = [e for e in entries if now - e.since >= self.idle_seconds]
                self._idle[key] = keep
                for entry in expired:
                    await _close(entry.conn)
                if not self._idle.get(key):  # acquire() may have emptied it meanwhile
                    self._idle.pop(key, None)
            oldest = min((e.since for v in self._idle.values() for e in v), default=now)
            await asyncio.sleep(max(oldest + self.idle_seconds - self._clock(), 0.01))

    async def close(self) -> None:
        """Close every idle session and stop the sweeper; the pool keeps nothing after."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        entries = [e for v in self._idle.values() for e in v]
        self._idle.clear()
        await asyncio.gather(*(_close(e.conn) for e in entries))


async def _alive(conn: Probe) -> bool:
    try:
        return await conn.alive()
    except Exception:
        return False
