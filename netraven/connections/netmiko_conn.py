"""netmiko for the platforms scrapli does not cover; blocking calls run in worker threads."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from netraven.connections.base import INVALID_OUTPUT, HostParams
from netraven.errors import AuthenticationFailed, ConnectionFailed, SessionLost, TaskFailed


class NetmikoConnection:
    def __init__(self, params: HostParams) -> None:
        self.params = params
        self._conn: Any = None

    async def open(self) -> None:
        await asyncio.to_thread(self._open)

    def _open(self) -> None:
        from netmiko import ConnectHandler
        from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

        p = self.params
        try:
            self._conn = ConnectHandler(
                device_type=p.platform,
                host=p.hostname,
                port=p.port,
                username=p.username,
                password=p.password,
                secret=p.secret or "",
                conn_timeout=p.timeout,
                auth_timeout=p.timeout,
                read_timeout_override=p.timeout,
                fast_cli=True,
                **p.extras,
            )
            if p.secret and not self._conn.check_enable_mode():
                self._conn.enable()
        except NetmikoAuthenticationException as exc:
            raise AuthenticationFailed(f"authentication failed: {exc}") from None
        except (NetmikoTimeoutException, OSError, EOFError) as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from None
        except ValueError as exc:  # e.g. enable password rejected
            raise AuthenticationFailed(str(exc)) from None

    async def send_command(self, command: str) -> str:
        try:
            output = str(await asyncio.to_thread(self._conn.send_command, command))
        except Exception as exc:  # netmiko raises many unrelated types on a dead channel
            raise SessionLost(f"'{command}': {type(exc).__name__}: {exc}") from None
        if INVALID_OUTPUT.search(output):
            raise TaskFailed(f"'{command}' was rejected by the device", output)
        return output

    async def send_config(self, lines: list[str]) -> str:
        try:
            output = str(await asyncio.to_thread(self._conn.send_config_set, lines))
        except Exception as exc:
            raise SessionLost(f"configuration: {type(exc).__name__}: {exc}") from None
        if INVALID_OUTPUT.search(output):
            raise TaskFailed("a configuration line was rejected by the device", output)
        return output

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._conn.disconnect)
