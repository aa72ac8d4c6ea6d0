"""netmiko for the platforms scrapli does not cover; its blocking calls run off the event loop.

Each session owns a one-thread executor: netmiko channels are not thread-safe, so no two
threads ever touch one session, and the number of threads is bounded by the sessions in
flight (``--forks``), not by asyncio's small default pool. Closing goes through the same
thread, so after Ctrl-C the session closes only once its current command has returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from netraven.connections.base import INVALID_OUTPUT, HostParams
from netraven.connections.platforms import NETMIKO_MANAGED_ARGS
from netraven.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    InputError,
    SessionLost,
    TaskFailed,
)
from netraven.platforms import find_profile

T = TypeVar("T")


class NetmikoConnection:
    def __init__(self, params: HostParams) -> None:
        self.params = params
        repeated = sorted(set(params.extras) & NETMIKO_MANAGED_ARGS)
        if repeated:
            raise InputError(f"host {params.name}: connection_extras repeats {repeated[0]}")
        # Planning refuses a platform without a profile; used directly, netmiko still
        # speaks any device_type, with IOS-style error detection and no commit.
        self.profile = find_profile(params.platform)
        self._conn: Any = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"netmiko-{params.name}")

    async def _call(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(func, *args))

    async def open(self) -> None:
        if self.params.transport == "ssh":
            self.params.ssh.check_known_hosts()
        await self._call(self._open)

    def _open(self) -> None:
        from netmiko import ConnectHandler
        from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
        from paramiko.ssh_exception import SSHException

        p = self.params
        # A plugin's platform names the netmiko class that speaks it.
        device_type = self.profile.netmiko_device_type if self.profile else p.platform
        tunables: dict[str, Any] = {
            "conn_timeout": p.timeout,
            "auth_timeout": p.timeout,
            "read_timeout_override": p.timeout,
            "fast_cli": True,
            **(p.ssh.netmiko_args() if p.transport == "ssh" else {}),
        }
        try:
            self._conn = ConnectHandler(
                # netmiko names a platform's Telnet driver "<platform>_telnet".
                device_type=f"{device_type}_telnet" if p.transport == "telnet" else device_type,
                host=p.hostname,
                port=p.port,
                username=p.username,
                password=p.password,
                secret=p.secret or "",
                **{**tunables, **p.extras},
            )
            if p.secret and not self._conn.check_enable_mode():
                self._conn.enable()
        except NetmikoAuthenticationException as exc:
            raise AuthenticationFailed(f"authentication failed: {exc}") from exc
        except (NetmikoTimeoutException, OSError, EOFError) as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from exc
        except SSHException as exc:  # an unknown or changed host key, no common algorithm
            raise ConnectionFailed(f"SSH: {exc}") from exc
        except ValueError as exc:  # e.g. enable password rejected
            raise AuthenticationFailed(str(exc)) from exc

    async def send_command(self, command: str) -> str:
        try:
            output = str(await self._call(self._conn.send_command, command))
        except Exception as exc:  # netmiko raises many unrelated types on a dead channel
            raise SessionLost(f"'{command}': {type(exc).__name__}: {exc}") from exc
        if self._rejected(output):
            raise TaskFailed(f"'{command}' was rejected by the device", output)
        return output

    async def send_config(self, lines: list[str]) -> str:
        delay = self.profile.commit_line(lines[-1]) if lines and self.profile else None
        if delay is not None:
            return await self._call(self._commit, lines[:-1], delay, lines[-1])
        try:
            output = str(await self._call(self._conn.send_config_set, lines))
        except Exception as exc:
            raise SessionLost(f"configuration: {type(exc).__name__}: {exc}") from exc
        if self._rejected(output):
            raise TaskFailed("a configuration line was rejected by the device", output)
        return output

    def _commit(self, lines: list[str], delay: int, command: str) -> str:
        """Load, then netmiko's own commit (JuniperSSH/CiscoXrSSH.commit), in one session."""
        conn = self._conn
        assert self.profile is not None
        mode = self.profile.config_mode
        try:
            # Enter the profile's own mode (Junos configure private) before netmiko would
            # enter its default one; an error there (someone's uncommitted shared edits)
            # fails the task with the device's words.
            if mode and not conn.check_config_mode():
                # Read to whichever prompt follows: '#' in the mode, '>' when refused.
                entered = str(conn.send_command(mode, expect_string=r"[>#]\s*$"))
                if self._rejected(entered) or not conn.check_config_mode():
                    raise TaskFailed(f"'{mode}' was refused by the device", entered)
            output = str(conn.send_config_set(lines, exit_config_mode=False)) if lines else ""
        except TaskFailed:
            raise
        except Exception as exc:
            raise SessionLost(f"configuration: {type(exc).__name__}: {exc}") from exc
        try:
            if self._rejected(output):
                self._discard()
                raise TaskFailed("a configuration line was rejected by the device", output)
            try:
                committed = _netmiko_commit(conn, delay, command)
            except ValueError as exc:  # netmiko: the commit marker never came
                self._discard()
                raise TaskFailed("the commit was rejected by the device", str(exc)) from None
            output = "\n".join(filter(None, [output, str(committed)]))
            if self._rejected(output):
                self._discard()
                raise TaskFailed("the commit was rejected by the device", output)
            conn.exit_config_mode()
        except TaskFailed:
            raise
        except Exception as exc:
            raise SessionLost(f"commit: {type(exc).__name__}: {exc}") from exc
        return output

    def _rejected(self, output: str) -> bool:
        if self.profile is None:
            return INVALID_OUTPUT.search(output) is not None
        return self.profile.rejected(output)

    def _discard(self) -> None:
        assert self.profile is not None
        if self.profile.discard is not None and self._conn.check_config_mode():
            self._conn.send_config_set([self.profile.discard], exit_config_mode=False)
        self._conn.exit_config_mode()

    async def alive(self) -> bool:
        """The pool's probe before reuse: the device prints its prompt again."""
        if self._conn is None:
            return False
        try:
            await asyncio.wait_for(self._call(self._conn.find_prompt), timeout=5)
        except Exception:
            return False
        return True

    async def close(self) -> None:
        try:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    await self._call(self._conn.disconnect)
        finally:
            self._thread.shutdown(wait=False)


def _netmiko_commit(conn: Any, delay: int, command: str) -> str:
    """netmiko's own commit, except an IOS-XR ``commit confirmed``: netmiko's XR commit
    waits for "onfirm" (the ``Confirm? [y/n]`` XR asks before a large commit), which the
    echo of ``commit confirmed N`` already holds, so it answers "y" to no question and the
    router rejects that line. That one is sent as it is, read to the prompt."""
    from netmiko.cisco.cisco_xr import CiscoXrBase

    if delay and isinstance(conn, CiscoXrBase):
        conn.config_mode()
        return str(
            conn.send_command(command, expect_string=r"#\s*$", strip_prompt=False)
        )
    return str(conn.commit(confirm=delay > 0, confirm_delay=delay or None))
