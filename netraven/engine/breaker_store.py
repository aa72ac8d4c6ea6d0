"""Circuit breakers shared through the job store: one atomic upsert per change.

Two jobs running at once against one store count every failure (``failures + 1`` in SQL,
never "write what this job remembers"); the calls run in a worker thread so the event
loop never waits on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from netraven.engine.breakers import StoredBreaker
from netraven.playbook.schema import CircuitBreakerPolicy
from netraven.store.breakers import (
    BreakerRow,
    record_breaker_failure,
    record_breaker_success,
    record_breaker_trial,
)

__all__ = ["StoreBreakerRecorder"]


def _stored(row: BreakerRow) -> StoredBreaker:
    opened = row.opened_at.timestamp() if row.opened_at is not None else None
    return StoredBreaker(row.state, row.failures, opened)


class StoreBreakerRecorder:
    def __init__(self, store: Engine, job_id: int, clock: Callable[[], float]) -> None:
        self._store = store
        self._job_id = job_id
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def failure(self, key: str, policy: CircuitBreakerPolicy, trial: bool) -> StoredBreaker:
        row = await asyncio.to_thread(
            record_breaker_failure,
            self._store,
            key,
            threshold=policy.threshold,
            reset_after=policy.reset_after,
            job_id=self._job_id,
            now=self._now(),
            trial=trial,
        )
        return _stored(row)

    async def success(self, key: str, policy: CircuitBreakerPolicy, trial: bool) -> StoredBreaker:
        row = await asyncio.to_thread(
            record_breaker_success,
            self._store,
            key,
            reset_after=policy.reset_after,
            job_id=self._job_id,
            now=self._now(),
            trial=trial,
        )
        return _stored(row)

    async def trial(self, key: str, policy: CircuitBreakerPolicy) -> StoredBreaker:
        row = await asyncio.to_thread(
            record_breaker_trial,
            self._store,
            key,
            reset_after=policy.reset_after,
            job_id=self._job_id,
            now=self._now(),
        )
        return _stored(row)
