"""One session per host per job: opened on first use, kept across plays, closed at the end.

A three-play playbook logs in to each host once. A retry drops the session first (it may be
dead) so the next attempt reconnects; a host that fails has its session closed at once, as
it sits out the rest of the job.

Logging in walks the host's credential sets (``netraven.credentials``): on an
authentication failure the next set is tried, on any other failure the error stands (a
host that cannot be reached is not one that refused a password). A refused set is never
tried again for that host in the job — retries and later plays reconnect with the set that
worked, or the untried ones — so a wrong password cannot lock an account by repetition.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence

from netraven.connections.base import Connection, ConnectionRegistry, HostParams
from netraven.connections.guard import CheckModeGuard
from netraven.credentials import CredentialSet
from netraven.errors import AuthenticationFailed

__all__ = ["CredentialChain", "HostSession", "SessionPool"]

Log = Callable[[str | None, str, str], None]
BeforeLogin = Callable[[str], Awaitable[None]]


async def _no_wait(host: str) -> None:
    return None


class CredentialChain:
    """One host's candidate sets for one job: which were refused, which one logged in."""

    def __init__(self, sets: Sequence[CredentialSet]) -> None:
        self.sets = list(sets)
        self.refused: list[str] = []
        self.working: str | None = None

    def to_try(self) -> list[CredentialSet]:
        """The set that worked first, then the untried ones in order; never a refused one."""
        left = [s for s in self.sets if s.name not in self.refused]
        return sorted(left, key=lambda s: s.name != self.working)  # stable


class HostSession:
    def __init__(
        self,
        params: HostParams,
        requested: str | None,
        registry: ConnectionRegistry,
        check: bool,
        log: Log,
        credentials: CredentialChain | None = None,
        before_login: BeforeLogin = _no_wait,
    ) -> None:
        self.params = params
        self._before_login = before_login
        self._base = params
        self.credentials = credentials or CredentialChain([])
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
            self._conn = await self._log_in()
        return self._conn

    async def _log_in(self) -> Connection:
        chain = self.credentials
        if not chain.sets:  # no username/password anywhere: the driver's own defaults
            return await self._open(self._base)
        name = self._base.name
        last: AuthenticationFailed | None = None
        for cred in chain.to_try():
            params = cred.apply(self._base)
            level = "info" if len(chain.sets) > 1 else "debug"
            self._log(name, level, f"logging in with credential set '{cred.name}'")
            try:
                conn = await self._open(params)
            except AuthenticationFailed as exc:
                chain.refused.append(cred.name)
                last = exc
                self._log(name, "warning", f"credential set '{cred.name}' refused: {exc}")
                continue
            chain.working, self.params = cred.name, params
            return conn
        tried = ", ".join(chain.refused)
        raise AuthenticationFailed(
            f"authentication failed with every credential set ({tried})"
            + (f"; last: {last}" if last is not None else "")
        )

    async def _open(self, params: HostParams) -> Connection:
        conn = self._registry.create(params, self._requested)
        if self._check:
            conn = CheckModeGuard(conn)
        await self._before_login(params.name)  # logins_per_second: every attempt counts
        started = time.perf_counter()
        self._log(params.name, "debug", f"connecting to {params.hostname}:{params.port}")
        await conn.open()
        self.logins += 1
        elapsed = (time.perf_counter() - started) * 1000
        self._log(params.name, "info", f"connected in {elapsed:.0f} ms")
        return conn

    async def close(self) -> None:
        """Close if open; never raises, and finishes even when the caller is cancelled."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(conn.close())  # each connection bounds its own close


class SessionPool:
    """The job's sessions by host name."""

    def __init__(
        self,
        registry: ConnectionRegistry,
        check: bool,
        log: Log,
        before_login: BeforeLogin = _no_wait,
    ) -> None:
        self._registry = registry
        self._before_login = before_login
        self._check = check
        self._log = log
        self._sessions: dict[str, HostSession] = {}
        # Kept when a session is released: a refused set stays refused for the whole job.
        self._chains: dict[str, CredentialChain] = {}

    def session(
        self,
        params: HostParams,
        requested: str | None,
        credentials: Sequence[CredentialSet] = (),
    ) -> HostSession:
        session = self._sessions.get(params.name)
        if session is None:
            chain = self._chains.setdefault(params.name, CredentialChain(credentials))
            session = HostSession(
                params,
                requested,
                self._registry,
                self._check,
                self._log,
                chain,
                self._before_login,
            )
            self._sessions[params.name] = session
        return session

    def credential(self, host: str) -> str | None:
        """The name of the set the host last logged in with in this job (never a secret)."""
        chain = self._chains.get(host)
        return chain.working if chain is not None else None

    async def release(self, host: str) -> None:
        session = self._sessions.pop(host, None)
        if session is not None:
            await session.close()

    async def close_all(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))
