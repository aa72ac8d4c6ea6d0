"""scrapli's asyncio drivers over asyncssh or asynctelnet: many sessions in flight on one thread."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncssh
import scrapli.driver.core
from scrapli.exceptions import (
    ScrapliAuthenticationFailed,
    ScrapliException,
    ScrapliPrivilegeError,
    ScrapliTimeout,
)

from netraven.connections.base import HostParams
from netraven.connections.known_hosts import known_hosts
from netraven.connections.platforms import SCRAPLI_MANAGED_ARGS
from netraven.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    InputError,
    SessionLost,
    TaskFailed,
)
from netraven.platforms import find_profile

# What a dead or dying session raises: scrapli's own errors, and asyncssh's (not OSErrors).
_DEVICE_ERRORS = (ScrapliException, OSError, EOFError, asyncio.TimeoutError, asyncssh.Error)


class ScrapliConnection:
    def __init__(self, params: HostParams) -> None:
        self.params = params
        profile = find_profile(params.platform)
        if profile is None or profile.scrapli_driver is None:
            raise InputError(f"host {params.name}: scrapli has no driver for '{params.platform}'")
        self.profile = profile
        driver = getattr(scrapli.driver.core, profile.scrapli_driver)
        repeated = sorted(set(params.extras) & SCRAPLI_MANAGED_ARGS)
        if repeated:
            raise InputError(f"host {params.name}: connection_extras repeats {repeated[0]}")
        extras = dict(params.extras)
        options = dict(extras.pop("transport_options", None) or {})
        if params.transport == "ssh":
            # data.ssh: algorithms and host key checking, done by asyncssh itself (it
            # matches [host]:port entries; scrapli's own check, auth_strict_key, does not).
            options["asyncssh"] = {**options.get("asyncssh", {}), **params.ssh.asyncssh_args()}
            path = options["asyncssh"].get("known_hosts")
            if isinstance(path, str):  # parsed once, not at every connect
                options["asyncssh"]["known_hosts"] = known_hosts(path)
        tunables: dict[str, Any] = {
            "auth_strict_key": False,  # host keys: asyncssh's known_hosts above
            "transport_options": options,
            "transport": "asynctelnet" if params.transport == "telnet" else "asyncssh",
            "timeout_socket": params.timeout,
            "timeout_transport": params.timeout,
            "timeout_ops": params.timeout,
        }
        self._driver = driver(
            host=params.hostname,
            port=params.port,
            auth_username=params.username or "",
            auth_password=params.password or "",
            auth_secondary=params.secret or "",
            **{**tunables, **extras},
        )

    async def open(self) -> None:
        ssh = self.params.ssh
        if self.params.transport == "ssh":
            ssh.check_known_hosts()
        try:
            await self._driver.open()
        except ScrapliAuthenticationFailed as exc:
            # scrapli reports a connect timeout as an authentication failure; it is not one.
            if "timed out" in str(exc):
                raise ConnectionFailed(f"timed out connecting ({exc})") from exc
            raise AuthenticationFailed(f"authentication failed: {exc}") from exc
        except asyncssh.HostKeyNotVerifiable as exc:
            raise ConnectionFailed(
                f"host key verification failed against {ssh.known_hosts_path()}: {exc}"
            ) from exc
        except _DEVICE_ERRORS as exc:
            raise ConnectionFailed(_describe(exc)) from exc

    async def send_command(self, command: str) -> str:
        try:
            response = await self._driver.send_command(command)
        except _DEVICE_ERRORS as exc:
            raise SessionLost(f"'{command}': {_describe(exc)}") from exc
        if response.failed or self.profile.rejected(response.result):
            raise TaskFailed(f"'{command}' was rejected by the device", response.result)
        return str(response.result)

    async def send_config(self, lines: list[str]) -> str:
        """The lines in one configuration session; a trailing commit only once all passed."""
        load, commit = lines, None
        if lines and self.profile.commit_line(lines[-1]) is not None:
            load, commit = lines[:-1], lines[-1]
        output = await self._send_configs(load, commit is not None)
        if commit is not None:
            output = "\n".join(filter(None, [output, await self._send_configs([commit], True)]))
        return output

    async def _send_configs(self, lines: list[str], candidate: bool) -> str:
        if not lines:
            return ""
        privilege = (self.profile.scrapli_config_privilege or "") if candidate else ""
        try:
            # Into a candidate, lines after a rejected one change nothing (it is discarded
            # below); elsewhere each line takes effect, so the first rejection stops them.
            responses = await self._driver.send_configs(
                lines, stop_on_failed=not candidate, privilege_level=privilege
            )
        except ScrapliPrivilegeError as exc:
            if not privilege:
                raise SessionLost(f"configuration: {_describe(exc)}") from exc
            # The device answered `configure private` and stayed in operational mode: Junos
            # does so while the shared candidate holds someone's uncommitted changes.
            raise TaskFailed(
                f"the device refused '{self.profile.config_mode}' (uncommitted changes of "
                "another user in the shared candidate, or a configuration lock)"
            ) from exc
        except _DEVICE_ERRORS as exc:
            raise SessionLost(f"configuration: {_describe(exc)}") from exc
        output = "\n".join(f"{r.channel_input}\n{r.result}".rstrip() for r in responses)
        for response in responses:
            if response.failed or self.profile.rejected(response.result):
                if candidate:
                    await self._discard(privilege)
                raise TaskFailed(f"'{response.channel_input}' was rejected by the device", output)
        return output

    async def _discard(self, privilege: str) -> None:
        """Leave no candidate behind: the profile's discard in the session's own mode (Junos
        ``rollback 0``), else scrapli's abort (XR ``abort``, which also leaves the mode)."""
        try:
            if privilege and self.profile.discard:
                await self._driver.send_configs([self.profile.discard], privilege_level=privilege)
            else:
                await self._driver._abort_config()
        except _DEVICE_ERRORS as exc:
            raise SessionLost(f"discarding the candidate: {_describe(exc)}") from exc

    async def alive(self) -> bool:
        """The pool's probe before reuse: the device prints its prompt again."""
        try:
            await asyncio.wait_for(self._driver.get_prompt(), timeout=min(self.params.timeout, 5))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        # Closing a dead session must not fail the host.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._driver.close(), timeout=5)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ScrapliTimeout | asyncio.TimeoutError):
        return f"timed out ({exc})" if str(exc) else "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
