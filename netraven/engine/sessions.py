"""One session per host per job: opened on first use, kept across plays, closed at the end.

A three-play playbook logs in to each host once. A retry drops the session first (it may be
dead) so the next attempt reconnects; a host that fails has its session closed at once, as
it sits out the rest of the job.

Logging in walks the host's credential sets (``netraven.credentials``): on an
authentication failure the next set is tried, on any other failure the error stands (a
host that cannot be reached is not one that refused a password). A refused set is never
tried again for that host in the job — retries and later plays reconnect with the set that
worked, or the untried ones — so a wrong password cannot lock an account by repetition.

Given a process-wide ``ConnectionPool`` (``engine/pool.py``), a session is taken from it
before logging in and given back, still logged in, when its host finished ``ok`` and no
command on it raised; the job's wrapping (check mode) is applied afresh each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from netraven.connections.base import Connection, ConnectionRegistry, HostParams
from netraven.connections.guard import CheckModeGuard, http_of
from netraven.credentials import CredentialSet
from netraven.engine.features import Gate
from netraven.engine.pool import ConnectionPool, PoolKey, pool_key
from netraven.errors import AuthenticationFailed, TaskFailed

if TYPE_CHECKING:
    from netraven.connections.http.client import HttpReply

__all__ = ["CredentialChain", "HostSession", "SessionPool"]

Log = Callable[[str | None, str, str], None]
BeforeLogin = Callable[[str], Awaitable[None]]


MAX_LOGINS_IN_PROGRESS = 1000  # per job; see SessionPool


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


class _Watched:
    """The job's view of a connection: remembers whether any call on it raised.

    A session that saw an error (or a cancellation) may be mid-command or in config mode,
    so it is never given back to a pool.
    """

    def __init__(self, inner: Connection) -> None:
        self.inner = inner
        self.failed = False

    async def open(self) -> None:
        await self.inner.open()

    async def send_command(self, command: str) -> str:
        try:
            return await self.inner.send_command(command)
        except BaseException:
            self.failed = True
            raise

    async def send_config(self, lines: list[str]) -> str:
        try:
            return await self.inner.send_config(lines)
        except BaseException:
            self.failed = True
            raise

    @property
    def api_info(self) -> Any:
        return getattr(self.inner, "api_info", None)

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply:
        try:
            reply: HttpReply = await http_of(self.inner).send(
                method, path, content=content, headers=headers
            )
        except BaseException:
            self.failed = True
            raise
        return reply

    async def restconf_root(self) -> str:
        root: str = await http_of(self.inner).restconf_root()
        return root

    async def close(self) -> None:
        await self.inner.close()


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
        pool: ConnectionPool | None = None,
        gate: Gate | None = None,
        opening: asyncio.Semaphore | None = None,
    ) -> None:
        self.params = params
        self._opening = opening
        self._gate = gate
        self._pool = pool
        self._raw: Connection | None = None
        self._key: PoolKey | None = None  # set while the raw connection counts in the pool
        self._before_login = before_login
        self._base = params
        self.credentials = credentials or CredentialChain([])
        self._requested = requested
        self._registry = registry
        self._check = check
        self._log = log
        self._conn: _Watched | None = None
        self.logins = 0
        self.reused = 0
        self._warned: set[str] = set()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def get(self) -> Connection:
        if self._conn is None:
            self._conn = await self._log_in()
        return self._conn

    async def _log_in(self) -> _Watched:
        if self._gate is not None:
            kind = self._registry.kind_for(self._base, self._requested).name
            refused = self._gate(self._base.name, kind)
            if refused is not None:
                raise TaskFailed(refused)
        chain = self.credentials
        if self._pool is not None:
            reused = await self._from_pool(self._pool)
            if reused is not None:
                return reused
        if not chain.sets:  # no username/password anywhere: the driver's own defaults
            return await self._open(self._base, None)
        name = self._base.name
        last: AuthenticationFailed | None = None
        for cred in chain.to_try():
            params = cred.apply(self._base)
            level = "info" if len(chain.sets) > 1 else "debug"
            self._log(name, level, f"logging in with credential set '{cred.name}'")
            try:
                conn = await self._open(params, cred.name)
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

    async def _from_pool(self, pool: ConnectionPool) -> _Watched | None:
        """An idle pooled session for a set this job may use, the set that worked first."""
        kind = self._registry.kind_for(self._base, self._requested).name
        chain = self.credentials
        candidates: list[tuple[str | None, HostParams]] = [
            (c.name, c.apply(self._base)) for c in chain.to_try()
        ]
        for name, params in candidates or [(None, self._base)]:
            key = pool_key(params, kind, name)
            raw = await pool.acquire(key)
            if raw is not None:
                if name is not None:
                    chain.working = name
                self.params, self._raw, self._key = params, raw, key
                self.reused += 1
                self._log(params.name, "info", "reusing a pooled session (no new login)")
                return self._wrap(raw)
        return None

    def _wrap(self, raw: Connection) -> _Watched:
        """This job's view: check mode is applied per job, never stored with the session."""
        return _Watched(CheckModeGuard(raw, self.params.platform) if self._check else raw)

    async def _open(self, params: HostParams, credential: str | None) -> _Watched:
        raw = self._registry.create(params, self._requested)
        key: PoolKey | None = None
        if self._pool is not None:
            kind = self._registry.kind_for(params, self._requested).name
            key = pool_key(params, kind, credential)
            if not self._pool.reserve(key):
                self._log(params.name, "debug", "pool cap reached: this session is not pooled")
                key = None
        try:
            await self._before_login(params.name)  # logins_per_second: every attempt counts
            async with self._opening or contextlib.nullcontext():
                started = time.perf_counter()
                self._log(params.name, "debug", f"connecting to {params.hostname}:{params.port}")
                await raw.open()
        except BaseException:
            if key is not None and self._pool is not None:
                self._pool.forget(key)
            raise
        self.logins += 1
        for notice in getattr(raw, "notices", ()):  # e.g. TLS verification turned off
            if notice not in self._warned:
                self._warned.add(notice)
                self._log(params.name, "warning", notice)
        elapsed = (time.perf_counter() - started) * 1000
        self._log(params.name, "info", f"connected in {elapsed:.0f} ms")
        self._raw, self._key = raw, key
        return self._wrap(raw)

    async def close(self, healthy: bool = False) -> None:
        """Close if open (or give back to the pool when ``healthy``); never raises.

        Finishes even when the caller is cancelled. Only the host's clean end passes
        ``healthy``: a retry, a timeout or a failure drops the session.
        """
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        raw, key, self._raw, self._key = self._raw, self._key, None, None
        if key is not None and self._pool is not None and raw is not None:
            keep = healthy and not conn.failed
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(self._pool.give_back(key, raw, keep))
            return
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
        pool: ConnectionPool | None = None,
        gate: Gate | None = None,
    ) -> None:
        self._registry = registry
        self._gate = gate
        self._pool = pool
        self._before_login = before_login
        self._check = check
        self._log = log
        self._sessions: dict[str, HostSession] = {}
        # Logins (TCP + SSH/TLS handshake + auth) in progress at once, whatever --forks says:
        # thousands of handshakes at once on a few cores each get a sliver of CPU and all
        # miss their timeout together (10,000 in flight timed out every host); queued here,
        # a login's timeout starts only when its turn comes.
        self._opening = asyncio.Semaphore(MAX_LOGINS_IN_PROGRESS)
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
                self._pool,
                self._gate,
                self._opening,
            )
            self._sessions[params.name] = session
        return session

    def credential(self, host: str) -> str | None:
        """The name of the set the host last logged in with in this job (never a secret)."""
        chain = self._chains.get(host)
        return chain.working if chain is not None else None

    async def release(self, host: str, healthy: bool = False) -> None:
        """Done with the host: close its session, or pool it when ``healthy`` and pooling."""
        session = self._sessions.pop(host, None)
        if session is not None:
            await session.close(healthy)

    async def close_all(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))
