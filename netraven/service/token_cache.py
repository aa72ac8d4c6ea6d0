"""Verified tokens remembered for a second, so a polling client costs no store read.

Looking a token up is a store round trip, and under 50 pollers it was the largest single
cost of a request (bench/service_load.py): about 1.3 ms of the request loop's CPU, on the
interpreter the running job shares. A token that was valid a moment ago is taken at its
word for ``TTL`` seconds, keyed by its SHA-256 (the token itself is not kept). When a
remembered token expires, the fifty requests that arrive together with it wait for one
lookup rather than making fifty.

Revocation stays immediate where it can be: a revoke through this service's API clears
the cache before it answers. A revoke from another process (``netraven tokens revoke``,
a second service on the same store) cannot be seen without a store read, so it takes
effect within ``TTL``. Unknown and revoked tokens are never remembered: a token created
elsewhere works on its first request, and a refused one is looked up every time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from netraven.service.tokens import Principal, token_digest

__all__ = ["TTL", "TokenCache"]

TTL = 1.0  # seconds; docs/service.md states this bound for revokes from elsewhere
MAX_ENTRIES = 1024

Lookup = Callable[[str], Awaitable[Principal | None]]


class TokenCache:
    """``principal(token, lookup)``: the cached caller, or ``lookup(token)``'s answer."""

    def __init__(
        self,
        ttl: float = TTL,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._generation = 0  # bumped by clear(): a lookup begun before it is not kept
        self._pending: dict[tuple[str, int], asyncio.Future[Principal | None]] = {}
        self._lock = threading.Lock()

    async def principal(self, token: str, lookup: Lookup) -> Principal | None:
        digest = token_digest(token)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None and now - entry[0] < self.ttl:
                return entry[1]
            generation = self._generation
        pending = self._pending.get((digest, generation))
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this request was cancelled, not the lookup it waited for
                return await self.principal(token, lookup)  # that lookup's request went away
        future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._pending[(digest, generation)] = future
        try:
            found = await lookup(token)
        except BaseException as exc:
            # Waiters get the same failure (a store error is a 503 for each); if the
            # lookup's own request was cancelled, they look the token up themselves.
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved, even if nobody was waiting
            raise
        finally:
            del self._pending[(digest, generation)]
        future.set_result(found)
        with self._lock:
            if found is None or generation != self._generation:
                self._entries.pop(digest, None)
                return found
            self._entries[digest] = (now, found)
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return found

    def clear(self) -> None:
        """A token was revoked here: every token is looked up again from now on."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
