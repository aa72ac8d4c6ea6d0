"""``strategy: linear``: every host finishes step k before any host starts step k+1.

A step is one top-level entry of a play section (a task, a block, an include) or a
handler flush. Hosts that fail or finish leave the gate, so the others never wait for a
host that will not come. A host waiting at the gate holds no fork: forks limit how many
hosts work at once, not how many wait.
"""

from __future__ import annotations

import asyncio

__all__ = ["LinearGate"]


class LinearGate:
    def __init__(self, hosts: int) -> None:
        self._active = hosts
        self._arrived: dict[int, int] = {}
        self._open: dict[int, asyncio.Event] = {}

    def _event(self, step: int) -> asyncio.Event:
        return self._open.setdefault(step, asyncio.Event())

    def _check(self, step: int) -> None:
        if self._arrived.get(step, 0) >= self._active:
            self._event(step).set()

    async def reach(self, step: int) -> None:
        """Wait until every host still in the play has reached ``step``."""
        self._arrived[step] = self._arrived.get(step, 0) + 1
        self._check(step)
        await self._event(step).wait()

    def leave(self) -> None:
        """This host takes no more steps (done, failed, or skipped)."""
        self._active -= 1
        for step in list(self._arrived):
            self._check(step)
