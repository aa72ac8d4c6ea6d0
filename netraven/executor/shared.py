"""Play semantics across workers: a batch's failure budget, its abort, end_play and run_once.

Each worker keeps deciding on its own hosts as the local executor does (``PlayGuard``), and
a background sync (every ``SYNC_SECONDS``) merges its counts with the other workers' in
Redis: failures are summed with ``INCRBY``, the first abort reason wins (``SET NX``) and
every worker adopts it before its hosts' next task. So ``any_errors_fatal`` stops the other
workers' hosts within one sync interval — the same "before their next task" Ansible gives.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from netraven.engine.policy import PlayGuard
from netraven.executor.keys import RUN_TTL, RunKeys
from netraven.playbook.schema import Recovery
from netraven.secrets import Redactor

__all__ = ["SYNC_SECONDS", "RedisOnce", "SharedGuard"]

SYNC_SECONDS = 0.1


class SharedGuard(PlayGuard):
    """A batch's guard whose counts and verdict are shared by every worker of the batch."""

    def __init__(
        self,
        total_hosts: int,
        policy: Recovery,
        redis: Redis,
        keys: RunKeys,
        play: int,
        batch: int,
    ) -> None:
        super().__init__(total_hosts, policy)
        self._redis = redis
        self._keys = keys
        self._where = (play, batch)
        self._pending = 0
        self._published = False
        self._end_published = False

    def host_failed(self, host: str, fatal: bool) -> None:
        self._pending += 1
        super().host_failed(host, fatal)

    async def sync(self) -> None:
        """Publish this worker's new failures and verdict; adopt the others'."""
        play, batch = self._where
        pipe = self._redis.pipeline(transaction=False)
        failed_key = self._keys.failed(play, batch)
        pending, self._pending = self._pending, 0
        pipe.incrby(failed_key, pending)
        pipe.expire(failed_key, RUN_TTL)
        if self.reason is not None and not self._published:
            pipe.set(self._keys.abort(play, batch), self.reason, nx=True, ex=RUN_TTL)
        if self.ended and not self._end_published:
            pipe.set(self._keys.ended(play, batch), "1", ex=RUN_TTL)
        pipe.get(self._keys.abort(play, batch))
        pipe.get(self._keys.ended(play, batch))
        results = await pipe.execute()
        total, abort, ended = results[0], results[-2], results[-1]
        if self.reason is not None:
            self._published = True
        if self.ended:
            self._end_published = True
        if abort is not None and self.reason is None:
            self.abort(abort.decode() if isinstance(abort, bytes) else str(abort))
        if ended is not None and not self.ended:
            self.end_play("meta: end_play on another worker")
            self._end_published = True
        limit = self.policy.max_fail_percentage
        failed_everywhere = int(total)
        over = limit is not None and failed_everywhere * 100 > limit * self.total_hosts
        if self.reason is None and over:
            self.abort(
                f"{failed_everywhere} of {self.total_hosts} hosts failed, more than "
                f"max_fail_percentage {limit:g}%"
            )

    async def keep_synced(self) -> None:
        """Run until cancelled; the lane calls ``sync`` once more when its hosts are done."""
        while True:
            await asyncio.sleep(SYNC_SECONDS)
            try:
                await self.sync()
            except RedisError:  # the broker restarting: this worker decides alone meanwhile
                await asyncio.sleep(1.0)


class RedisOnce:
    """``run_once`` for the whole job: the first worker to claim the task runs it."""

    def __init__(self, redis: Redis, keys: RunKeys, redactor: Redactor) -> None:
        self._redis = redis
        self._keys = keys
        self._redactor = redactor

    async def claim(self, play_index: int, task_id: int) -> bool:
        key = self._keys.once(play_index, task_id)
        return bool(await self._redis.set(key, "1", nx=True, ex=RUN_TTL))

    async def publish(self, play_index: int, task_id: int, facts: dict[str, Any]) -> None:
        text = self._redactor.text(json.dumps(facts, default=str)) or "{}"
        await self._redis.set(self._keys.once_result(play_index, task_id), text, ex=RUN_TTL)

    async def wait(self, play_index: int, task_id: int) -> dict[str, Any]:
        key = self._keys.once_result(play_index, task_id)
        while True:
            value = await self._redis.get(key)
            if value is not None:
                facts: dict[str, Any] = json.loads(value)
                return facts
            await asyncio.sleep(SYNC_SECONDS)
