"""``throttle: N`` on a task: at most N hosts run that task at once, whatever ``forks`` says.

Ansible's use is a task that hits something shared — a TACACS server, a licence server, a
slow controller — while the rest of the play may run wide. One semaphore per task per play
per job; a task without ``throttle`` costs nothing (no semaphore is created).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

__all__ = ["Throttles"]


class Throttles:
    """The job's task semaphores, by (play index, task index)."""

    def __init__(self) -> None:
        self._limits: dict[tuple[int, int], asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(
        self, play_index: int, task_index: int, limit: int | None
    ) -> AsyncIterator[None]:
        """Hold one of the task's ``limit`` slots while the body runs (no limit: no wait)."""
        if limit is None:
            yield
            return
        key = (play_index, task_index)
        semaphore = self._limits.get(key)
        if semaphore is None:
            semaphore = self._limits[key] = asyncio.Semaphore(limit)
        async with semaphore:
            yield
