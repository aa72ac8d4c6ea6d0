"""The check-mode guarantee lives here, not in each task.

Under ``--check`` every connection is wrapped: configuration is never sent, and only
read-only exec commands pass. A task that tries anything else gets ``CheckModeBlocked``.
"""

from __future__ import annotations

import re

from netraven.connections.base import Connection
from netraven.errors import CheckModeBlocked

READ_ONLY = re.compile(r"^\s*(show|sh|display|dis|ping|traceroute|terminal|dir|more)\b", re.I)


class CheckModeGuard:
    def __init__(self, inner: Connection) -> None:
        self._inner = inner

    async def open(self) -> None:
        await self._inner.open()

    async def send_command(self, command: str) -> str:
        if not READ_ONLY.match(command):
            raise CheckModeBlocked(f"check mode: '{command}' is not a read-only command")
        return await self._inner.send_command(command)

    async def send_config(self, lines: list[str]) -> str:
        raise CheckModeBlocked(f"check mode: {len(lines)} configuration line(s) not sent")

    async def close(self) -> None:
        await self._inner.close()
