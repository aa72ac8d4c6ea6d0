"""The connection contract and the registry that picks an implementation per host.

Platforms use netmiko's device_type names in the inventory; scrapli's async drivers
(over asyncssh, or asynctelnet) are the fast path where scrapli covers the platform,
netmiko runs in a worker thread for the rest. ``data.transport`` (ssh | telnet | https |
http) says how a host is reached; Nornir's own ways of saying "telnet" in
``connection_options`` mean the same. https/http hosts go to the ``http`` kind
(``connections/http/``), whatever their platform: what matters there is ``data.api``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from nornir.core.inventory import Host

from netraven.connections.http.options import HTTP_TRANSPORTS, HttpOptions
from netraven.connections.platforms import CLI_TRANSPORTS, TRANSPORT_PORTS
from netraven.connections.ssh_options import SshOptions
from netraven.errors import InputError
from netraven.platforms import PLATFORMS
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
    transport: str = "ssh"  # "ssh" | "telnet" | "https" | "http" (platforms.TRANSPORT_PORTS)
    ssh: SshOptions = field(default_factory=SshOptions)  # data.ssh: algorithms, host keys
    http: HttpOptions | None = None  # data.api, data.tls, …: only for https/http hosts

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
        """Resolve a host; an unknown or contradictory transport is an InputError."""
        timeout = host.get("timeout", 30)
        transport, nornir_platform = _transport(host)
        return cls(
            name=host.name,
            hostname=host.hostname or host.name,
            port=host.port or TRANSPORT_PORTS[transport],
            username=host.username,
            password=host.password,
            secret=host.get("enable_secret") or None,
            # A netmiko "<platform>_telnet" name, wherever given, is that platform over Telnet.
            # Any spelling a profile accepts (``junos``, ``iosxr``) becomes its netmiko name.
            platform=PLATFORMS.canonical(
                (host.platform or nornir_platform or "cisco_ios").removesuffix("_telnet")
            ),
            timeout=float(timeout),
            extras=dict(host.get("connection_extras", {}) or {}),
            transport=transport,
            ssh=SshOptions.from_host(host),
            http=HttpOptions.from_host(host, transport) if transport in HTTP_TRANSPORTS else None,
        )


# What Nornir users write in connection_options.scrapli.extras.transport, by our transport.
_SCRAPLI_TRANSPORTS = {
    "asynctelnet": "telnet",
    "telnet": "telnet",
    "asyncssh": "ssh",
    "system": "ssh",
    "ssh2": "ssh",
    "paramiko": "ssh",
}


def _transport(host: Host) -> tuple[str, str | None]:
    """``data.transport``, else what the host's Nornir connection_options imply.

    nornir_scrapli reads ``connection_options.scrapli.extras.transport`` (``asynctelnet``)
    and nornir_netmiko ``connection_options.netmiko.platform`` or the host's ``platform``
    (``cisco_ios_telnet``); an inventory written for those plugins reaches its devices the
    same way here. Returns the transport and the platform a netmiko ``*_telnet`` option
    names, if any.
    """
    implied: dict[str, str] = {}
    platform: str | None = None
    scrapli_opts = host.get_connection_parameters("scrapli")
    value = (scrapli_opts.extras or {}).get("transport")
    if value is not None:
        if value not in _SCRAPLI_TRANSPORTS:
            raise InputError(
                f"host {host.name}: connection_options.scrapli.extras.transport '{value}' is not "
                f"one NetRaven speaks (known: {', '.join(sorted(_SCRAPLI_TRANSPORTS))})"
            )
        implied["connection_options.scrapli.extras.transport"] = _SCRAPLI_TRANSPORTS[value]
    netmiko_platform = host.get_connection_parameters("netmiko").platform
    if netmiko_platform and netmiko_platform.endswith("_telnet"):
        if netmiko_platform == host.platform:
            implied["platform"] = "telnet"
        else:
            implied["connection_options.netmiko.platform"] = "telnet"
        platform = netmiko_platform.removesuffix("_telnet")
    explicit = host.get("transport", None)
    if explicit is not None:
        if explicit not in TRANSPORT_PORTS:
            raise InputError(
                f"host {host.name}: data.transport '{explicit}' is not a transport "
                f"(known: {', '.join(TRANSPORT_PORTS)})"
            )
        implied = {"data.transport": explicit, **implied}
    chosen = set(implied.values())
    if len(chosen) > 1:
        said = ", ".join(f"{key}: {value}" for key, value in implied.items())
        raise InputError(f"host {host.name}: contradictory transports ({said})")
    return (chosen.pop() if chosen else "ssh"), platform


class Connection(Protocol):
    """One open session to one device, used by all tasks of a play on that host."""

    async def open(self) -> None:
        """Connect, log in and enter privileged mode; raise ``ConnectionFailed``."""

    async def send_command(self, command: str) -> str:
        """Run one exec-mode command and return its output; raise ``TaskFailed``."""

    async def send_config(self, lines: list[str]) -> str:
        """Enter configuration mode, send the lines, leave it; raise ``TaskFailed``.

        On a candidate-config platform (its profile's ``config_model``) the lines may end
        with a commit (the profile's ``commit``, ``commit_confirmed`` or ``confirm``): it
        runs inside the same configuration session, after every other line was accepted.
        A rejected line or commit leaves no candidate behind (the profile's ``discard``).
        Any connection that sends the lines in one configuration session meets this.
        """

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
    telnet_platforms: frozenset[str] = frozenset()  # those it also reaches over Telnet; "*" any
    transports: frozenset[str] = CLI_TRANSPORTS  # data.transport values it can serve

    def supports(self, platform: str) -> bool:
        return platform in self.platforms or "*" in self.platforms

    def speaks_telnet(self, platform: str) -> bool:
        return platform in self.telnet_platforms or "*" in self.telnet_platforms


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
        telnet_platforms: set[str] | frozenset[str] = frozenset(),
        transports: frozenset[str] = CLI_TRANSPORTS,
    ) -> None:
        self._kinds[kind] = ConnectionKind(
            kind,
            factory,
            frozenset(platforms),
            managed_args,
            frozenset(telnet_platforms),
            transports,
        )

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
        serving = [k for k in self._kinds.values() if params.transport in k.transports]
        for kind in serving:
            if params.platform in kind.platforms:
                return kind
        for kind in serving:
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
        if params.transport not in kind.transports:
            raise InputError(
                f"host {params.name}: data.transport {params.transport}: connection "
                f"'{kind.name}' does not speak it (it speaks: {', '.join(sorted(kind.transports))})"
            )
        if params.transport == "telnet" and not kind.speaks_telnet(params.platform):
            raise InputError(
                f"host {params.name}: transport telnet: connection '{kind.name}' cannot reach "
                f"platform '{params.platform}' over Telnet"
                + (" (netmiko has no such *_telnet device type)" if kind.name == "netmiko" else "")
            )
        if params.ssh.algorithms and params.transport == "ssh" and kind.name == "netmiko":
            raise InputError(
                f"host {params.name}: data.ssh.{params.ssh.algorithms[0][0]}: netmiko (paramiko) "
                "cannot be given algorithm lists; use the scrapli connection for this platform "
                "or remove the list"
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


def _http(params: HostParams) -> Connection:
    from netraven.connections.http.connection import HttpConnection

    return HttpConnection(params)


def default_registry() -> ConnectionRegistry:
    """A registry holding the built-in kinds: scrapli (async) first, netmiko for the rest.

    The factories import their libraries on first use: planning needs only the data.
    """
    from netraven.connections import platforms

    registry = ConnectionRegistry()
    registry.register(
        "scrapli",
        _scrapli,
        set(platforms.SCRAPLI_DRIVERS),
        platforms.SCRAPLI_MANAGED_ARGS,
        telnet_platforms=set(platforms.SCRAPLI_DRIVERS),  # scrapli's asynctelnet transport
    )
    registry.register(
        "netmiko",
        _netmiko,
        {"*"},
        platforms.NETMIKO_MANAGED_ARGS,
        telnet_platforms=platforms.NETMIKO_TELNET_PLATFORMS,  # its <platform>_telnet types
    )
    # Any platform: what the API is (data.api) matters, not the CLI family.
    registry.register("http", _http, {"*"}, transports=frozenset(HTTP_TRANSPORTS))
    return registry
