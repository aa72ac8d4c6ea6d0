"""Everything one running service holds, hung on ``app.state.service``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from netraven.engine.pool import ConnectionPool
from netraven.service.db import Database
from netraven.service.feed import Feeds
from netraven.service.response_cache import ResponseCache
from netraven.service.runner import JobRunner
from netraven.service.token_cache import TokenCache
from netraven.service.tokens import Principal, find_principal
from netraven.settings import Settings

__all__ = ["BackgroundTask", "ServiceState"]

# A background task is started with the service and must return when cancelled.
BackgroundTask = Callable[["ServiceState"], Coroutine[Any, Any, None]]


@dataclass
class ServiceState:
    settings: Settings
    store: Engine  # sync: the engine's writer, migrations, the job queue
    db: Database  # async: every request
    feeds: Feeds
    runner: JobRunner
    pool: ConnectionPool | None
    # Polling's two costs, kept off the store (token_cache.py, response_cache.py); the
    # runner invalidates ``responses`` whenever it changes a job.
    responses: ResponseCache = field(default_factory=ResponseCache)
    tokens: TokenCache = field(default_factory=TokenCache)
    background: list[BackgroundTask] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def find_principal(self, token: str) -> Principal | None:
        """The store's answer, uncached (``tokens`` calls this on a miss)."""
        return await self.db.read(find_principal, token)

    async def start(self) -> None:
        self.runner.start()
        for make in self.background:
            self._tasks.append(asyncio.create_task(make(self), name=getattr(make, "__name__", "")))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.runner.stop()  # also closes the pool, on the jobs loop it belongs to
        await self.db.close()
        self.store.dispose()
