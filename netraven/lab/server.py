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

from netraven.lab.device import Device, Session, device_name, seed_config
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
    """Character echo, line assembly and optional think-time around a CLI ``Session``."""

    def __init__(self, device: Device, latency: float) -> None:
        self._cli = Session(device)
        self._latency = latency
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
            chan.write("\r\n")
            if self._latency:
                await asyncio.sleep(self._latency)
            output = self._cli.handle(line)
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
    """Password login for one device."""

    def __init__(
        self, device: Device, username: str, password: str, latency: float, log: CommandLog
    ) -> None:
        self._device = device
        self._username = username
        self._password = password
        self._latency = latency
        self._log = log

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._log.connection(self._device.name, "open")

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self._username and password == self._password

    def session_requested(self) -> DeviceSSHSession:
        return DeviceSSHSession(self._device, self._latency)


async def serve(args: argparse.Namespace) -> None:
    state_dir = Path(args.state_dir)
    key_path = state_dir / "host_key"
    if not key_path.exists():
        asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(key_path))
    host_key = asyncssh.read_private_key(str(key_path))
    log = CommandLog(state_dir / "commands.log")
    servers = []
    for i in range(1, args.devices + 1):
        name = device_name(i)
        device = Device(
            name=name,
            enable_secret=args.secret,
            serial=f"FOC{2000 + i:05d}X{i % 10}",
            running=seed_config(name, SECRET_HASH, args.community),
            on_command=log,
        )
        device.startup = list(device.running)
        port = args.base_port + i - 1

        def factory(d: Device = device) -> DeviceSSHServer:
            return DeviceSSHServer(d, args.username, args.password, args.latency / 1000, log)

        servers.append(
            await asyncssh.create_server(
                factory,
                "127.0.0.1",
                port,
                server_host_keys=[host_key],
                line_editor=False,
                keepalive_interval=0,
                login_timeout=60,
            )
        )
    state = {
        "pid": os.getpid(),
        "devices": args.devices,
        "base_port": args.base_port,
        "latency_ms": args.latency,
        "username": args.username,
        "started": time.time(),
    }
    tmp = state_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state))
    tmp.replace(state_dir / "state.json")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()
    (state_dir / "state.json").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="netraven-lab")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--devices", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=10022)
    parser.add_argument("--latency", type=float, default=0.0, help="think-time per command, ms")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=os.environ.get("NETRAVEN_LAB_PASSWORD", "raven"))
    parser.add_argument("--secret", default=os.environ.get("NETRAVEN_LAB_SECRET", "raven-enable"))
    parser.add_argument("--community", default=os.environ.get("NETRAVEN_LAB_COMMUNITY", "public"))
    args = parser.parse_args(argv)
    raise_fd_limit()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
