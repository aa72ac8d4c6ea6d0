"""The lab process: many simulated devices served over SSH from one asyncio loop.

Run as ``python -m netraven.lab.server --state-dir DIR ...``; it writes
``DIR/state.json`` once every listener is up and a JSON line per received command
to ``DIR/commands.log`` so tests can prove what was (and was not) sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import IO, Any

import asyncssh

from netraven.lab import faults
from netraven.lab.device import Device, Session, device_name, seed_config
from netraven.lab.faults import Faults
from netraven.system import raise_fd_limit

SECRET_HASH = "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"


class CommandLog:
    """Appends one JSON line per received command; flushed per line so readers see it."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def __call__(self, device: str, mode: str, command: str) -> None:
        record = {"t": round(time.time(), 3), "device": device, "mode": mode, "command": command}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def connection(self, device: str, event: str) -> None:
        self(device, "connection", event)


class DeviceSSHSession(asyncssh.SSHServerSession[str]):
    """Character echo, line assembly, think-time and session faults around a CLI ``Session``."""

    def __init__(self, device: Device, latency: float, faults: Faults) -> None:
        self._cli = Session(device)
        self._latency = latency
        self._faults = faults
        self._commands = 0
        self._buffer: list[str] = []
        self._last_cr = False
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._chan: asyncssh.SSHServerChannel[str] | None = None
        self._worker: asyncio.Task[None] | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:  # type: ignore[override]
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: Any, term_modes: Any) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def session_started(self) -> None:
        assert self._chan is not None
        self._chan.write("\r\n" + self._cli.prompt)
        self._worker = asyncio.get_running_loop().create_task(self._run())

    def data_received(self, data: str, datatype: Any) -> None:
        assert self._chan is not None
        echo: list[str] = []
        for char in data:
            if char in "\r\n":
                if char == "\n" and self._last_cr:
                    self._last_cr = False
                    continue
                self._last_cr = char == "\r"
                self._lines.put_nowait("".join(self._buffer))
                self._buffer.clear()
                continue
            self._last_cr = False
            if char in "\x7f\x08":
                if self._buffer:
                    self._buffer.pop()
                    echo.append("\b \b")
                continue
            self._buffer.append(char)
            if not self._cli.awaiting_password:
                echo.append(char)
        if echo:
            self._chan.write("".join(echo))

    async def _run(self) -> None:
        assert self._chan is not None
        chan = self._chan
        while True:
            line = await self._lines.get()
            if line.strip() and not self._cli.awaiting_password:
                self._commands += 1
                drop = self._faults.drop_after
                if drop is not None and self._commands > drop:
                    self._cli.device.on_command(self._cli.device.name, "fault", "drop")
                    chan.get_connection().abort()
                    return
            chan.write("\r\n")
            delay = self._latency + self._faults.slow_ms / 1000
            if delay:
                await asyncio.sleep(delay)
            output = self._cli.handle(line)
            if self._faults.hang and line.strip().startswith(("sh", "show")):
                self._cli.device.on_command(self._cli.device.name, "fault", "hang")
                chan.write(output[: len(output) // 2].replace("\n", "\r\n"))
                await asyncio.Event().wait()  # never answers again
            if output:
                chan.write(output.replace("\n", "\r\n") + "\r\n")
            if self._cli.closed:
                chan.exit(0)
                return
            chan.write(self._cli.prompt)

    def eof_received(self) -> bool:
        if self._chan is not None:
            self._chan.exit(0)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._worker is not None:
            self._worker.cancel()


class DeviceSSHServer(asyncssh.SSHServer):
    """Password login for one device, with its connection-level faults."""

    def __init__(self, lab: LabServer, device: Device) -> None:
        self._lab = lab
        self._device = device

    @property
    def _faults(self) -> Faults:
        return self._lab.faults_for(self._device.name)

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._lab.log.connection(self._device.name, "open")
        faults = self._faults
        if faults.flap > 0:
            faults.flap -= 1
            self._lab.log.connection(self._device.name, "flap-drop")
            conn.abort()

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self._faults.auth:
            self._lab.log.connection(self._device.name, "auth-rejected")
            return False
        accepted = username == self._lab.username and password == self._lab.password
        if not accepted:  # logged so tests can count refused logins (never the password)
            self._lab.log.connection(self._device.name, "login-refused")
        return accepted

    def session_requested(self) -> DeviceSSHSession:
        return DeviceSSHSession(self._device, self._lab.latency, self._faults)


class LabServer:
    """Every device, its listener and its faults; SIGHUP reloads ``faults.json``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.state_dir = Path(args.state_dir)
        self.base_port: int = args.base_port
        self.username: str = args.username
        self.password: str = args.password
        self.latency: float = args.latency / 1000
        self.log = CommandLog(self.state_dir / "commands.log")
        self.devices: dict[str, Device] = {}
        self.listeners: dict[str, asyncssh.SSHAcceptor] = {}
        self.faults: dict[str, Faults] = {}
        key_path = self.state_dir / "host_key"
        if not key_path.exists():
            asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(key_path))
        self.host_key = asyncssh.read_private_key(str(key_path))
        big: dict[str, int] = dict(args.big_config)
        for i in range(1, args.devices + 1):
            name = device_name(i)
            device = Device(
                name=name,
                enable_secret=args.secret,
                serial=f"FOC{2000 + i:05d}X{i % 10}",
                running=seed_config(name, SECRET_HASH, args.community, big.get(name, 0)),
                on_command=self.log,
            )
            device.startup = device.saved_copy()  # not shared: a push must not reach it
            self.devices[name] = device

    def faults_for(self, name: str) -> Faults:
        return self.faults.setdefault(name, Faults())

    def port_of(self, name: str) -> int:
        return self.base_port + int(name.rsplit("-", 1)[1]) - 1

    async def listen(self, name: str) -> None:
        device = self.devices[name]
        self.listeners[name] = await asyncssh.create_server(
            lambda: DeviceSSHServer(self, device),
            "127.0.0.1",
            self.port_of(name),
            server_host_keys=[self.host_key],
            line_editor=False,
            keepalive_interval=0,
            login_timeout=60,
        )

    async def apply_faults(self) -> None:
        """Make the listeners and devices match ``faults.json``."""
        self.faults = faults.load(self.state_dir / "faults.json")
        for name, device in self.devices.items():
            wanted = self.faults_for(name)
            device.rejected_config = list(wanted.reject_config)
            if wanted.refuse and name in self.listeners:
                self.listeners.pop(name).close()
            elif not wanted.refuse and name not in self.listeners:
                await self.listen(name)
        faults.acknowledge(self.state_dir)

    def close(self) -> None:
        for listener in self.listeners.values():
            listener.close()


async def serve(args: argparse.Namespace) -> None:
    lab = LabServer(args)
    await lab.apply_faults()
    state = {
        "pid": os.getpid(),
        "devices": args.devices,
        "base_port": args.base_port,
        "latency_ms": args.latency,
        "username": args.username,
        "started": time.time(),
    }
    tmp = lab.state_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state))
    tmp.replace(lab.state_dir / "state.json")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[None]] = set()

    def reload() -> None:
        task = loop.create_task(lab.apply_faults())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    await stop.wait()
    lab.close()
    (lab.state_dir / "state.json").unlink(missing_ok=True)


def _big_config(spec: str) -> tuple[str, int]:
    device, _, lines = spec.rpartition(":")
    return device, int(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="netraven-lab")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--devices", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=10022)
    parser.add_argument("--latency", type=float, default=0.0, help="think-time per command, ms")
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--big-config",
        type=_big_config,
        action="append",
        default=[],
        metavar="DEVICE:LINES",
        help="seed DEVICE with about LINES more lines of running config (repeatable)",
    )
    args = parser.parse_args(argv)
    # Credentials come from the environment, never argv, which any local user can read.
    args.password = os.environ.get("NETRAVEN_LAB_PASSWORD", "lab-Pa55word")
    args.secret = os.environ.get("NETRAVEN_LAB_SECRET", "lab-En4ble")
    args.community = os.environ.get("NETRAVEN_LAB_COMMUNITY", "public")
    raise_fd_limit()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
