"""In-memory devices for testing playbooks and the engine without SSH (like httpx's MockTransport).

A ``FakeNetwork`` holds ``FakeDevice`` objects by host name and hands out a connection
registry whose only kind, ``fake``, talks to them::

    network = FakeNetwork()
    network.device("sw1").outputs["show version"] = "Version 17.9"
    outcome = await execute(spec, store=store, connections=network.registry())
    assert network.device("sw1").logins == 1

Devices keep a hierarchical running config that configuration really changes, record every
command and configuration batch they receive, and fail on request (``fail_open``,
``fail_commands``, ``reject``), so runner behaviour can be tested in milliseconds. A device
given a ``login`` accepts only that username/password and refuses the rest with
``AuthenticationFailed``, recording every attempt's username in ``login_attempts``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from netraven.connections.base import INVALID_OUTPUT, Connection, ConnectionRegistry, HostParams
from netraven.errors import AuthenticationFailed, TaskFailed

__all__ = ["FakeConnection", "FakeDevice", "FakeNetwork"]

RUNNING_CONFIG = "show running-config"


@dataclass
class FakeDevice:
    name: str
    config: dict[str, list[str]] = field(default_factory=dict)  # top line → child lines
    outputs: dict[str, str] = field(default_factory=dict)  # exec command → output
    reject: set[str] = field(default_factory=set)  # config lines answered "% Invalid input"
    fail_open: list[BaseException] = field(default_factory=list)  # raised by the next opens
    fail_commands: dict[str, BaseException] = field(default_factory=dict)
    delay: float = 0.0  # seconds each command takes
    gate: asyncio.Event | None = None  # when set up, commands wait for it
    login: tuple[str, str] | None = None  # (username, password) accepted; None: any
    login_attempts: list[str | None] = field(default_factory=list)  # usernames, in order
    logins: int = 0
    open_sessions: int = 0
    commands: list[str] = field(default_factory=list)
    config_batches: list[list[str]] = field(default_factory=list)
    generation: int = 0  # bumped by drop_sessions(): older sessions are dead
    probes: int = 0  # liveness probes answered (a pool checks before reuse)

    def drop_sessions(self) -> None:
        """The device hangs up on every open session (a reload, an idle timeout)."""
        self.generation += 1

    def running_config(self) -> str:
        lines = ["Building configuration...", "", f"hostname {self.name}", "!"]
        for top, children in self.config.items():
            lines.append(top)
            lines += [f" {child}" for child in children]
            lines.append("!")
        return "\n".join([*lines, "end"])

    def has(self, line: str, parent: str | None = None) -> bool:
        if parent is None:
            return line in self.config
        return line in self.config.get(parent, [])

    def apply(self, lines: list[str]) -> str:
        """Apply configuration lines the way an IOS device does, one by one."""
        parent: str | None = None
        for raw in lines:
            body = raw.strip()
            if not body or body == "!":
                continue
            if body in self.reject:
                return f"{body}\n% Invalid input detected at '^' marker."
            if body == "exit" or body.startswith("exit-"):
                parent = None  # back to global configuration mode
                continue
            indented = raw[:1].isspace()
            if not indented:
                parent = None
            if body.startswith("no "):
                self._remove(body[3:], parent if indented else None)
            elif indented and parent is not None:
                children = self.config.setdefault(parent, [])
                if body not in children:
                    children.append(body)
            else:
                self.config.setdefault(body, [])
                parent = body
        return ""

    def _remove(self, target: str, parent: str | None) -> None:
        if parent is None:
            for key in [k for k in self.config if k == target or k.startswith(target + " ")]:
                del self.config[key]
            return
        children = self.config.get(parent, [])
        children[:] = [c for c in children if not (c == target or c.startswith(target + " "))]


class FakeConnection:
    """A ``Connection`` to a ``FakeDevice``."""

    def __init__(self, params: HostParams, device: FakeDevice) -> None:
        self.params = params
        self.device = device
        self._open = False
        self._generation = device.generation

    async def _think(self, command: str) -> None:
        if self.device.gate is not None:
            await self.device.gate.wait()
        if self.device.delay:
            await asyncio.sleep(self.device.delay)
        error = self.device.fail_commands.get(command)
        if error is not None:
            raise error

    async def open(self) -> None:
        if self.device.fail_open:
            raise self.device.fail_open.pop(0)
        self.device.login_attempts.append(self.params.username)
        login = self.device.login
        if login is not None and (self.params.username, self.params.password) != login:
            raise AuthenticationFailed(f"authentication failed for {self.params.username}")
        self.device.logins += 1
        self.device.open_sessions += 1
        self._open = True
        self._generation = self.device.generation

    async def send_command(self, command: str) -> str:
        self.device.commands.append(command)
        await self._think(command)
        if command == RUNNING_CONFIG:
            return self.device.running_config()
        output = self.device.outputs.get(command)
        if output is None:
            output = f"{command}\n% Invalid input detected at '^' marker."
        if INVALID_OUTPUT.search(output):
            raise TaskFailed(f"'{command}' was rejected by the device", output)
        return output

    async def send_config(self, lines: list[str]) -> str:
        self.device.config_batches.append(list(lines))
        await self._think("configure terminal")
        output = self.device.apply(lines)
        if INVALID_OUTPUT.search(output):
            raise TaskFailed("a configuration line was rejected by the device", output)
        return "\n".join(lines)

    async def alive(self) -> bool:
        """The pool's probe: false once closed, or once the device dropped its sessions."""
        self.device.probes += 1
        return self._open and self._generation == self.device.generation

    async def close(self) -> None:
        if self._open:
            self._open = False
            self.device.open_sessions -= 1


class FakeNetwork:
    """Fake devices by host name, created on first mention."""

    def __init__(self) -> None:
        self.devices: dict[str, FakeDevice] = {}

    def device(self, name: str) -> FakeDevice:
        if name not in self.devices:
            self.devices[name] = FakeDevice(name)
        return self.devices[name]

    def connect(self, params: HostParams) -> Connection:
        return FakeConnection(params, self.device(params.name))

    def registry(
        self, wrap: Callable[[Connection], Connection] | None = None
    ) -> ConnectionRegistry:
        """A registry whose only kind, ``fake``, serves every platform."""
        registry = ConnectionRegistry()

        def factory(params: HostParams) -> Connection:
            conn = self.connect(params)
            return wrap(conn) if wrap is not None else conn

        registry.register("fake", factory, {"*"})
        return registry
