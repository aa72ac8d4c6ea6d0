"""Identical job reads answered once and shared: fifty pollers cost one store read.

Polling clients ask the same few questions (``GET /jobs?limit=50``, ``GET /jobs/7/summary``)
many times a second between them. Each answer used to be a store read, an ORM pass and a
JSON serialisation on the interpreter the running job shares (about 2 ms of CPU per
request, bench/service_load.py). Here an answer, as the JSON bytes sent, is kept under
the request's path and query for ``TTL`` seconds, and concurrent askers of one question
wait for the single read in flight instead of each making their own.

How fresh an answer is:

* Whatever this service does to a job (queue, start, finish, cancel) calls
  ``invalidate()`` once the store has it, so no answer from before it is served after it:
  a job's list entry and summary are as fresh as without the cache.
* Changes made by other processes on the same store (a ``netraven run`` from the CLI, a
  second service) show within ``TTL``.
* A job's detail (``GET /jobs/{id}``) changes with every host that finishes, which does
  not invalidate: a detail is at most ``TTL`` old.

``invalidate`` may be called from any thread (the jobs loop's included); ``get`` runs on
the request loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["TTL", "Answer", "ResponseCache"]

TTL = 1.0  # seconds; docs/service.md states this bound
MAX_ENTRIES = 256


@dataclass(frozen=True)
class Answer:
    """A 200 answer as sent: JSON body and any headers it carries (``Link``)."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class ResponseCache:
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
        self._generation = 0
        self._lock = threading.Lock()
        # key -> (generation, when made, answer)
        self._entries: OrderedDict[str, tuple[int, float, Answer]] = OrderedDict()
        self._pending: dict[tuple[str, int], asyncio.Future[Answer]] = {}

    def _drop_old(self, now: float) -> None:
        """Expired answers go at once, not when 256 others push them out: a big job's
        detail is megabytes, and only the last second's answers can be served anyway."""
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if len(self._entries) <= self._max and now - oldest[1] < self.ttl:
                return
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self) -> None:
        """A job changed here: nothing made before this moment is served again."""
        with self._lock:
            self._generation += 1

    async def get(self, key: str, make: Callable[[], Awaitable[Answer]]) -> Answer:
        """The kept answer to ``key`` if still fresh, else ``make()``'s (shared with every
        caller asking meanwhile). An exception from ``make`` reaches all of them and
        nothing is kept."""
        now = self._clock()
        with self._lock:
            generation = self._generation
            kept = self._entries.get(key)
        if kept is not None and kept[0] == generation and now - kept[1] < self.ttl:
            return kept[2]
        pending = self._pending.get((key, generation))
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this caller was cancelled, not the read it waited for
                return await self.get(key, make)  # that read's caller went away: ask again
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending[(key, generation)] = future
        try:
            answer = await make()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning if nobody waited
            raise
        else:
            future.set_result(answer)
            with self._lock:
                self._entries[key] = (generation, now, answer)
                self._entries.move_to_end(key)
                self._drop_old(self._clock())
            return answer
        finally:
            del self._pending[(key, generation)]
