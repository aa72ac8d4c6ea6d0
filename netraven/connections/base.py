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


@dataclass(frozen=True)
class ConnectionKind:
    """A registered way of talking to devices, described as data."""

    name: str
    factory: ConnectionFactory
    platforms: frozenset[str]  # netmiko device_type names; "*" for any
    managed_args: frozenset[str] = frozenset()  # set from the inventory; extras may not repeat them

    def supports(self, platform: str) -> bool:
        return platform in self.platforms or "*" in self.platforms


class ConnectionRegistry:
    """Maps a connection kind ("scrapli", "netmiko", …) to a factory; one per job or process.

    Tests and plugins register their own kinds here (a fake device, like httpx's
    MockTransport) and hand the registry to the engine.
    """

    def __init__(self) -> None:
        self._kinds: dict[str, ConnectionKind] = {}

    def register(
        self,
        kind: str,
        factory: ConnectionFactory,
        platforms: set[str] | frozenset[str],
        managed_args: frozenset[str] = frozenset(),
    ) -> None:
        self._kinds[kind] = ConnectionKind(kind, factory, frozenset(platforms), managed_args)

    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def kind_for(self, params: HostParams, requested: str | None = None) -> ConnectionKind:
        if requested:
            kind = self._kinds.get(requested)
            if kind is None:
                raise InputError(
                    f"host {params.name}: unknown connection '{requested}' "
                    f"(known: {', '.join(self.kinds())})"
                )
            return kind
        for kind in self._kinds.values():
            if params.platform in kind.platforms:
                return kind
        for kind in self._kinds.values():
            if "*" in kind.platforms:
                return kind
        raise InputError(f"host {params.name}: no connection supports platform '{params.platform}'")

    def validate(self, params: HostParams, requested: str | None = None) -> ConnectionKind:
        """Refuse, before any device is contacted, what this host's connection cannot do."""
        kind = self.kind_for(params, requested)
        if not kind.supports(params.platform):
            raise InputError(
                f"host {params.name}: connection '{kind.name}' does not support platform "
                f"'{params.platform}' (it supports: {', '.join(sorted(kind.platforms))})"
            )
        repeated = sorted(set(params.extras) & kind.managed_args)
        if repeated:
            raise InputError(
                f"host {params.name}: data.connection_extras.{repeated[0]} repeats an argument "
                f"NetRaven sets from the inventory; remove it (NetRaven sets: "
                f"{', '.join(sorted(kind.managed_args))})"
            )
        return kind

    def create(self, params: HostParams, requested: str | None = None) -> Connection:
        return self.validate(params, requested).factory(params)


def _scrapli(params: HostParams) -> Connection:
    from netraven.connections.scrapli_conn import ScrapliConnection

    return ScrapliConnection(params)


def _netmiko(params: HostParams) -> Connection:
    from netraven.connections.netmiko_conn import NetmikoConnection

    return NetmikoConnection(params)


def default_registry() -> ConnectionRegistry:
    """A registry holding the built-in kinds: scrapli (async) first, netmiko for the rest.

    The factories import their libraries on first use: planning needs only the data.
    """
    from netraven.connections import platforms

    registry = ConnectionRegistry()
    registry.register(
        "scrapli", _scrapli, set(platforms.SCRAPLI_DRIVERS), platforms.SCRAPLI_MANAGED_ARGS
    )
    registry.register("netmiko", _netmiko, {"*"}, platforms.NETMIKO_MANAGED_ARGS)
    return registry
