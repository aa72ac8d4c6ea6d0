"""The connection contract and the registry that picks an implementation per host.

Platforms use netmiko's device_type names in the inventory; scrapli's async drivers
(over asyncssh) are the fast path where scrapli covers the platform, netmiko runs in
a worker thread for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from nornir.core.inventory import Host

from netraven.errors import InputError
from netraven.secrets import Redactor

INVALID_OUTPUT = re.compile(
    r"^% ?(Invalid input|Ambiguous command|Incomplete command|"
    r"Unknown command|Invalid command|Error)",
    re.M,
)


@dataclass(frozen=True)
class HostParams:
    """Everything a connection needs, resolved from the inventory (host → groups → defaults)."""

    name: str
    hostname: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    secret: str | None = field(repr=False)
    platform: str
    timeout: float = 30.0
    # Driver options straight from the inventory; some are secrets (a key passphrase).
    extras: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        """The dataclass repr, with secret-looking keys of ``extras`` masked.

        A HostParams ends up in tracebacks and debug logs; the password and enable
        secret are left out entirely, driver options are shown but not their secrets.
        """
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"{type(self).__name__}({shown}, extras={Redactor().obj(self.extras)!r})"

    __str__ = __repr__

    @classmethod
    def from_host(cls, host: Host) -> HostParams:
        timeout = host.get("timeout", 30)
        return cls(
            name=host.name,
            hostname=host.hostname or host.name,
            port=host.port or 22,
            username=host.username,
            password=host.password,
            secret=host.get("enable_secret") or None,
            platform=host.platform or "cisco_ios",
            timeout=float(timeout),
            extras=dict(host.get("connection_extras", {}) or {}),
        )


class Connection(Protocol):
    """One open session to one device, used by all tasks of a play on that host."""

    async def open(self) -> None:
        """Connect, log in and enter privileged mode; raise ``ConnectionFailed``."""

    async def send_command(self, command: str) -> str:
        """Run one exec-mode command and return its output; raise ``TaskFailed``."""

    async def send_config(self, lines: list[str]) -> str:
        """Enter configuration mode, send the lines, leave it; raise ``TaskFailed``."""

    async def close(self) -> None:
        """Close the session; never raises."""


ConnectionFactory = Callable[[HostParams], Connection]


class ConnectionRegistry:
    """Maps a connection kind ("scrapli", "netmiko", …) to a factory; one per runner."""

    def __init__(self) -> None:
        self._factories: dict[str, ConnectionFactory] = {}
        self._platforms: dict[str, set[str]] = {}

    def register(self, kind: str, factory: ConnectionFactory, platforms: set[str]) -> None:
        self._factories[kind] = factory
        self._platforms[kind] = platforms

    def kind_for(self, params: HostParams, requested: str | None = None) -> str:
        if requested:
            if requested not in self._factories:
                raise InputError(
                    f"{params.name}: unknown connection '{requested}' "
                    f"(known: {', '.join(sorted(self._factories))})"
                )
            return requested
        for kind, platforms in self._platforms.items():
            if params.platform in platforms:
                return kind
        if "*" in {p for ps in self._platforms.values() for p in ps}:
            return next(k for k, ps in self._platforms.items() if "*" in ps)
        raise InputError(f"{params.name}: no connection supports platform '{params.platform}'")

    def create(self, params: HostParams, requested: str | None = None) -> Connection:
        return self._factories[self.kind_for(params, requested)](params)


def default_registry() -> ConnectionRegistry:
    from netraven.connections.netmiko_conn import NetmikoConnection
    from netraven.connections.scrapli_conn import SCRAPLI_PLATFORMS, ScrapliConnection

    registry = ConnectionRegistry()
    registry.register("scrapli", ScrapliConnection, set(SCRAPLI_PLATFORMS))
    registry.register("netmiko", NetmikoConnection, {"*"})
    return registry
