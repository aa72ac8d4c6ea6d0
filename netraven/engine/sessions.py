"""One session per host per job: opened on first use, kept across plays, closed at the end.

A three-play playbook logs in to each host once. A retry drops the session first (it may be
dead) so the next attempt reconnects; a host that fails has its session closed at once, as
it sits out the rest of the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from netraven.connections.base import Connection, ConnectionRegistry, HostParams
from netraven.connections.guard import CheckModeGuard

__all__ = ["HostSession", "SessionPool"]

Log = Callable[[str | None, str, str], None]


class HostSession:
    def __init__(
        self,
        params: HostParams,
        requested: str | None,
        registry: ConnectionRegistry,
        check: bool,
        log: Log,
    ) -> None:
        self.params = params
        self._requested = requested
        self._registry = registry
        self._check = check
        self._log = log
        self._conn: Connection | None = None
        self.logins = 0

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def get(self) -> Connection:
        if self._conn is None:
            conn = self._registry.create(self.params, self._requested)
            if self._check:
                conn = CheckModeGuard(conn)
            started = time.perf_counter()
            name = self.params.name
            self._log(name, "debug", f"connecting to {self.params.hostname}:{self.params.port}")
            await conn.open()
            self.logins += 1
            elapsed = (time.perf_counter() - started) * 1000
            self._log(name, "info", f"connected in {elapsed:.0f} ms")
            self._conn = conn
        return self._conn

    async def close(self) -> None:
        """Close if open; never raises, and finishes even when the caller is cancelled."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(conn.close())  # each connection bounds its own close


class SessionPool:
    """The job's sessions by host name."""

    def __init__(self, registry: ConnectionRegistry, check: bool, log: Log) -> None:
        self._registry = registry
        self._check = check
        self._log = log
        self._sessions: dict[str, HostSession] = {}

    def session(self, params: HostParams, requested: str | None) -> HostSession:
        session = self._sessions.get(params.name)
        if session is None:
            session = HostSession(params, requested, self._registry, self._check, self._log)
            self._sessions[params.name] = session
        return session

    async def release(self, host: str) -> None:
        session = self._sessions.pop(host, None)
        if session is not None:
            await session.close()

    async def close_all(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))
