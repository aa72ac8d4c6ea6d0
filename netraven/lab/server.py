"""The lab process: many simulated devices served over SSH (and Telnet) from one asyncio loop.

Run as ``python -m netraven.lab.server --state-dir DIR ...``; it writes
``DIR/state.json`` once every listener is up and a JSON line per received command
to ``DIR/commands.log`` so tests can prove what was (and was not) sent.

Ports: device *i* (1-based) serves SSH on ``base_port + i - 1``; with ``--telnet`` it also
serves Telnet on ``base_port + devices + i - 1``, the block right after the SSH ports; with
``--https`` its HTTPS API (eAPI and RESTCONF, ``lab/https_api.py``) on
``base_port + 2 * devices + i - 1``, with a certificate from the lab's CA (``lab/tls.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import asyncssh

from netraven.lab import eos, faults, junos, nxos, xr
from netraven.lab.device import Device, seed_config
from netraven.lab.family import FAMILIES, LabDevice, device_name, layout_spec, parse_layout
from netraven.lab.faults import Faults
from netraven.lab.https_api import ApiSite, serve_connection
from netraven.lab.telnet import TelnetDevice
from netraven.lab.terminal import Terminal
from netraven.system import raise_fd_limit

SECRET_HASH = "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"


class CommandLog:
    """Appends one JSON line per received command; flushed per line so readers see it."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def __call__(self, device: str, mode: str, command: str, via: str | None = None) -> None:
        record: dict[str, Any] = {
            "t": round(time.time(), 3),
            "device": device,
            "mode": mode,
            "command": command,
        }
        if via is not None:
            record["via"] = via
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def connection(self, device: str, event: str, via: str = "ssh") -> None:
        """A connection event; ``via`` says which listener (ssh | telnet) it came through."""
        self(device, "connection", event, via)


class DeviceSSHSession(asyncssh.SSHServerSession[str]):
    """An SSH shell channel carrying one device ``Terminal``."""

    def __init__(self, device: LabDevice, username: str, latency: float, faults: Faults) -> None:
        self._device = device
        self._username = username
        self._latency = latency
        self._faults = faults
        self._chan: asyncssh.SSHServerChannel[str] | None = None
        self._terminal: Terminal | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:  # type: ignore[override]
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: Any, term_modes: Any) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def session_started(self) -> None:
        assert self._chan is not None
        chan = self._chan

        def hangup(abort: bool) -> None:
            if abort:
                chan.get_connection().abort()
            else:
                chan.exit(0)

        self._terminal = Terminal(
            self._device, self._username, self._latency, self._faults, chan.write, hangup
        )
        self._terminal.start(FAMILIES[self._device.family].banner)

    def data_received(self, data: str, datatype: Any) -> None:
        if self._terminal is not None:
            self._terminal.feed(data)

    def eof_received(self) -> bool:
        if self._chan is not None:
            self._chan.exit(0)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._terminal is not None:
            self._terminal.stop()


class DeviceSSHServer(asyncssh.SSHServer):
    """Password login for one device, with its connection-level faults."""

    def __init__(self, lab: LabServer, device: LabDevice) -> None:
        self._lab = lab
        self._device = device
        self._username = ""

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
        self._username = username
        if not accepted:  # logged so tests can count refused logins (never the password)
            self._lab.log.connection(self._device.name, "login-refused")
        return accepted

    def connection_lost(self, exc: Exception | None) -> None:
        # With "open", what tests measure concurrency by (sessions of a group at once).
        # Its own mode, so the "connection" events existing tests match stay as they were.
        self._lab.log(self._device.name, "disconnect", "close", "ssh")

    def session_requested(self) -> DeviceSSHSession:
        return DeviceSSHSession(self._device, self._username, self._lab.latency, self._faults)


# What a --legacy device offers, and nothing else: algorithms old gear still speaks and
# current clients no longer offer by default (asyncssh's default kex lacks group1-sha1,
# its default ciphers lack every CBC mode), so only a client given data.ssh lists gets in.
LEGACY_ALGS: dict[str, list[str]] = {
    "kex_algs": ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"],
    "encryption_algs": ["aes128-cbc", "3des-cbc"],
    "mac_algs": ["hmac-sha1"],
}  # and an RSA host key only (an asyncssh server offers the algorithms of its keys)


class LabServer:
    """Every device, its listener and its faults; SIGHUP reloads ``faults.json``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.state_dir = Path(args.state_dir)
        self.base_port: int = args.base_port
        self.username: str = args.username
        self.password: str = args.password
        self.api_token: str | None = args.api_token
        # The address every listener binds (127.0.0.1 unless a container asks for 0.0.0.0),
        # and the name clients reach it by, which known_hosts must carry to match.
        self.listen_address: str = args.listen
        self.client_host: str = args.known_host
        self.latency: float = args.latency / 1000
        self.log = CommandLog(self.state_dir / "commands.log")
        self.devices: dict[str, LabDevice] = {}
        self.devices_count: int = args.devices
        self.telnet: bool = args.telnet
        self.listeners: dict[str, asyncssh.SSHAcceptor] = {}
        self.telnet_listeners: dict[str, asyncio.Server] = {}
        self.https: bool = args.https
        self.https_listeners: dict[str, asyncio.Server] = {}
        self.tls_context = None
        if self.https:
            from netraven.lab.tls import lab_tls, server_context

            self.tls_context = server_context(lab_tls(self.state_dir))
        self.faults: dict[str, Faults] = {}
        key_path = self.state_dir / "host_key"
        if not key_path.exists():
            asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(key_path))
        self.host_key = asyncssh.read_private_key(str(key_path))
        self.legacy: set[str] = set(args.legacy)
        self.rsa_key: asyncssh.SSHKey | None = None
        if self.legacy:
            rsa_path = self.state_dir / "host_key_rsa"
            if not rsa_path.exists():
                asyncssh.generate_private_key("ssh-rsa", key_size=2048).write_private_key(
                    str(rsa_path)
                )
            self.rsa_key = asyncssh.read_private_key(str(rsa_path))
        big: dict[str, int] = dict(args.big_config)
        self.layout = parse_layout(args.platforms, args.devices)
        for i, family in enumerate(self.layout, start=1):
            device = self._new_device(i, family, args, big, self.log)
            self.devices[device.name] = device

    @staticmethod
    def _new_device(
        i: int, family: str, args: argparse.Namespace, big: dict[str, int], log: CommandLog
    ) -> LabDevice:
        if family == "eos":
            eos_device = eos.new_device(i, args.secret, args.community)
            eos_device.on_command = log
            return eos_device
        if family == "junos":
            junos_device = junos.new_device(i, args.community, args.confirm_seconds_per_minute)
            junos_device.on_command = log
            return junos_device
        if family == "xr":
            xr_device = xr.new_device(
                i, args.secret, args.community, args.confirm_seconds_per_minute
            )
            xr_device.on_command = log
            return xr_device
        if family == "nxos":
            nxos_device = nxos.new_device(i, args.secret, args.community)
            nxos_device.on_command = log
            return nxos_device
        name = device_name(i)
        device = Device(
            name=name,
            enable_secret=args.secret,
            serial=f"FOC{2000 + i:05d}X{i % 10}",
            running=seed_config(name, SECRET_HASH, args.community, big.get(name, 0)),
            on_command=log,
        )
        device.startup = device.saved_copy()  # not shared: a push must not reach it
        return device

    async def tick(self) -> None:
        """Let time pass on every device, twice a second (Junos confirmed-commit rollbacks)."""
        while True:
            await asyncio.sleep(0.5)
            now = time.time()
            for device in self.devices.values():
                device.tick(now)

    def faults_for(self, name: str) -> Faults:
        return self.faults.setdefault(name, Faults())

    def port_of(self, name: str) -> int:
        return self.base_port + int(name.rsplit("-", 1)[1]) - 1

    def telnet_port_of(self, name: str) -> int:
        return self.port_of(name) + self.devices_count

    def https_port_of(self, name: str) -> int:
        return self.port_of(name) + 2 * self.devices_count

    async def _listen_https(self, name: str) -> None:
        device, faults = self.devices[name], lambda: self.faults_for(name)
        site = ApiSite(device, self.username, self.password, faults, self.log, self.api_token)

        def latency() -> float:
            return self.latency + self.faults_for(name).slow_ms / 1000

        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await serve_connection(reader, writer, site, latency)

        self.https_listeners[name] = await asyncio.start_server(
            client, self.listen_address, self.https_port_of(name), ssl=self.tls_context
        )

    async def listen(self, name: str) -> None:
        device = self.devices[name]
        if self.telnet:
            self.telnet_listeners[name] = await asyncio.get_running_loop().create_server(
                lambda: TelnetDevice(self, device),
                self.listen_address,
                self.telnet_port_of(name),
            )
        if self.https:
            await self._listen_https(name)
        legacy: dict[str, Any] = {}
        if name in self.legacy:
            legacy = {**LEGACY_ALGS, "server_host_keys": [self.rsa_key]}
        self.listeners[name] = await asyncssh.create_server(
            lambda: DeviceSSHServer(self, device),
            self.listen_address,
            self.port_of(name),
            **{"server_host_keys": [self.host_key], **legacy},
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
                if name in self.telnet_listeners:
                    self.telnet_listeners.pop(name).close()
                if name in self.https_listeners:
                    self.https_listeners.pop(name).close()
            elif not wanted.refuse and name not in self.listeners:
                await self.listen(name)
        faults.acknowledge(self.state_dir)

    def write_known_hosts(self) -> None:
        """``known_hosts`` for every device's SSH port, so clients can check host keys.

        The lab makes its keys on first start in its directory; the file is rewritten at
        every start, and the inventory ``lab up`` writes points at it. Entries name the host
        the inventory gives (``--known-host``), since clients look keys up by that name.
        """
        lines = []
        for name in self.devices:
            key = self.rsa_key if name in self.legacy else self.host_key
            assert key is not None
            public = key.export_public_key().decode().split()[:2]
            lines.append(f"[{self.client_host}]:{self.port_of(name)} {' '.join(public)}\n")
        tmp = self.state_dir / "known_hosts.tmp"
        tmp.write_text("".join(lines))
        tmp.replace(self.state_dir / "known_hosts")

    def close(self) -> None:
        for listener in self.listeners.values():
            listener.close()
        for server in self.telnet_listeners.values():
            server.close()
        for server in self.https_listeners.values():
            server.close()


async def serve(
    args: argparse.Namespace, on_ready: Callable[[dict[str, Any]], None] | None = None
) -> None:
    """Serve until SIGTERM or SIGINT; ``on_ready`` gets the state once every device listens.

    ``on_ready`` is how ``lab up --foreground`` writes the inventory and says "lab up" from
    this same process; a background lab is waited for through ``state.json`` instead.
    """
    lab = LabServer(args)
    lab.write_known_hosts()
    await lab.apply_faults()
    state = {
        "pid": os.getpid(),
        "devices": args.devices,
        "base_port": args.base_port,
        "latency_ms": args.latency,
        "listen": args.listen,
        "username": args.username,
        "telnet": args.telnet,
        "legacy": sorted(args.legacy),
        "telnet_base_port": args.base_port + args.devices if args.telnet else None,
        "https_base_port": args.base_port + 2 * args.devices if args.https else None,
        "platforms": layout_spec(lab.layout),
        "devices_by_platform": {
            family: [name for name, d in lab.devices.items() if d.family == family]
            for family in dict.fromkeys(lab.layout)
        },
        "confirm_seconds_per_minute": args.confirm_seconds_per_minute,
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
    ticker = loop.create_task(lab.tick())
    if on_ready is not None:
        on_ready(state)
    await stop.wait()
    ticker.cancel()
    lab.close()
    (lab.state_dir / "state.json").unlink(missing_ok=True)


def _big_config(spec: str) -> tuple[str, int]:
    device, _, lines = spec.rpartition(":")
    return device, int(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The lab's options; credentials are not among them (see :func:`main`)."""
    parser = argparse.ArgumentParser(prog="netraven-lab")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--devices", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=10022)
    parser.add_argument("--latency", type=float, default=0.0, help="think-time per command, ms")
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--listen", default="127.0.0.1", help="address every listener binds (0.0.0.0: all)"
    )
    parser.add_argument(
        "--known-host",
        default="127.0.0.1",
        help="host name clients reach the lab by, written into known_hosts",
    )
    parser.add_argument(
        "--telnet", action="store_true", help="also serve Telnet, on base_port + devices + i - 1"
    )
    parser.add_argument(
        "--https",
        action="store_true",
        help="also serve the HTTPS API (eAPI, RESTCONF), on base_port + 2 * devices + i - 1",
    )
    parser.add_argument(
        "--legacy",
        action="append",
        default=[],
        metavar="DEVICE",
        help="DEVICE offers only legacy SSH algorithms (group1/14-sha1, CBC, ssh-rsa)",
    )
    parser.add_argument(
        "--big-config",
        type=_big_config,
        action="append",
        default=[],
        metavar="DEVICE:LINES",
        help="seed DEVICE with about LINES more lines of running config (repeatable)",
    )
    parser.add_argument(
        "--platforms",
        default=None,
        metavar="FAMILY:COUNT,...",
        help="device families in port order, e.g. ios:6,eos:2,junos:2 (default: all ios)",
    )
    parser.add_argument(
        "--confirm-seconds-per-minute",
        type=float,
        default=60.0,
        help="how long a minute of 'commit confirmed' lasts (Junos N minutes, XR N seconds / 60)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Credentials come from the environment, never argv, which any local user can read.
    args.password = os.environ.get("NETRAVEN_LAB_PASSWORD", "lab-Pa55word")
    args.secret = os.environ.get("NETRAVEN_LAB_SECRET", "lab-En4ble")
    args.community = os.environ.get("NETRAVEN_LAB_COMMUNITY", "public")
    args.api_token = os.environ.get("NETRAVEN_LAB_API_TOKEN") or None
    raise_fd_limit()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
