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
from netraven.service.runner import JobRunner
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
    background: list[BackgroundTask] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

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
