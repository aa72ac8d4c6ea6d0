"""Starting, stopping and describing the lab process, and writing its inventory."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netraven.errors import InputError, LabError
from netraven.lab import faults
from netraven.lab.family import FAMILIES, LayoutError, device_name, layout_spec, parse_layout
from netraven.system import pid_alive

DEFAULT_DIR = Path(".netraven/lab")
SITES = ("ams", "lon")


@dataclass(frozen=True)
class LabSettings:
    devices: int = 3
    base_port: int = 10022
    latency_ms: float = 0.0
    username: str = "admin"
    password: str = "lab-Pa55word"  # not a substring of anything a device prints
    secret: str = "lab-En4ble"
    community: str = "public"
    faults: tuple[str, ...] = ()
    big_configs: tuple[str, ...] = ()  # DEVICE:LINES, a running config LINES lines longer
    # Also serve Telnet, device i on base_port + devices + i - 1; the inventory then uses it.
    telnet: bool = False
    # Devices that offer only legacy SSH algorithms (server.LEGACY_ALGS); the inventory
    # gives them the matching data.ssh lists.
    legacy: tuple[str, ...] = ()
    # Also serve each device's HTTPS API (eAPI + RESTCONF) on base_port + 2 * devices + i - 1,
    # and write inventory-https/ reaching the devices through it.
    https: bool = False
    api_token: str = "lab-T0ken-4pi"  # bearer token the HTTPS API also accepts

    def https_port(self, index: int) -> int:
        """Device ``index``'s (1-based) HTTPS port: the block after the Telnet block."""
        return self.base_port + 2 * self.devices + index - 1
    # Device families in port order, e.g. "ios:6,eos:2,junos:2" (family.parse_layout);
    # None: every device IOS-like. The counts must add up to ``devices``.
    platforms: str | None = None
    # How many seconds a Junos "commit confirmed N" minute lasts (short in tests).
    confirm_seconds_per_minute: float = 60.0
    # The address the devices listen on, and the host name the inventory (and known_hosts)
    # reach them by: loopback unless the lab serves other containers (compose.yaml).
    listen: str = "127.0.0.1"
    inventory_host: str = "127.0.0.1"

    @property
    def layout(self) -> tuple[str, ...]:
        """Each device's family, device 1 first; an input error when they do not add up."""
        try:
            return parse_layout(self.platforms, self.devices)
        except LayoutError as exc:
            raise InputError(str(exc)) from None

    @property
    def names(self) -> list[str]:
        return [device_name(i, family) for i, family in enumerate(self.layout, start=1)]

    def telnet_port(self, index: int) -> int:
        """Device ``index``'s (1-based) Telnet port: the block right after the SSH ports."""
        return self.base_port + self.devices + index - 1


class NoLab(LabError):
    """No lab runs from the directory asked about (``lab status`` and ``lab fault`` exit 3)."""


MAX_BIG_CONFIG = 1_000_000


def parse_big_config(spec: str, names: list[str]) -> tuple[str, int]:
    """``DEVICE:LINES`` as given to ``lab up --big-config`` (IOS-like devices only)."""
    device, sep, lines = spec.rpartition(":")
    if not sep or not device:
        raise InputError(f"--big-config '{spec}': expected DEVICE:LINES, e.g. sw-lab-1:20000")
    _check_device(device, names)
    if not device.startswith(FAMILIES["ios"].prefix + "-"):
        raise InputError(f"--big-config '{spec}': only IOS-like devices take a big config")
    try:
        count = int(lines)
    except ValueError:
        raise InputError(f"--big-config '{spec}': '{lines}' is not a number") from None
    if not 1 <= count <= MAX_BIG_CONFIG:
        raise InputError(f"--big-config '{spec}': LINES must be 1 … {MAX_BIG_CONFIG}")
    return device, count


def read_state(lab_dir: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((lab_dir / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if pid_alive(int(state.get("pid", 0))) else None


def up(lab_dir: Path, settings: LabSettings, timeout: float | None = None) -> dict[str, Any]:
    """Start the lab in the background and wait until every device listens."""
    big = _prepare(lab_dir, settings)
    log = (lab_dir / "lab.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "netraven.lab.server", *_server_argv(lab_dir, settings, big)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **_credentials_env(settings)},
        start_new_session=True,
    )
    extra_lines = sum(lines for _, lines in big)
    deadline = time.monotonic() + (timeout or 30 + settings.devices * 0.05 + extra_lines / 50_000)
    while time.monotonic() < deadline:
        state = read_state(lab_dir)
        if state is not None and state.get("pid") == process.pid:
            _write_inventories(lab_dir, settings)
            return state
        if process.poll() is not None:
            tail = (lab_dir / "lab.log").read_text()[-400:].strip().splitlines()
            raise LabError(f"lab process exited: {tail[-1] if tail else process.returncode}")
        time.sleep(0.05)
    process.kill()
    raise LabError("lab did not come up in time")


def run_foreground(
    lab_dir: Path, settings: LabSettings, on_ready: Callable[[dict[str, Any]], None]
) -> None:
    """Serve the lab in this process until SIGTERM or SIGINT, then return.

    For a container, whose main process must be the server itself: no daemon to lose track
    of, and ``docker stop``'s SIGTERM ends it cleanly. ``on_ready`` runs once every device
    listens and the inventory is written.
    """
    from netraven.lab import server
    from netraven.system import raise_fd_limit

    big = _prepare(lab_dir, settings)
    args = server.parse_args(_server_argv(lab_dir, settings, big))
    args.password, args.secret = settings.password, settings.secret
    args.community, args.api_token = settings.community, settings.api_token

    def ready(state: dict[str, Any]) -> None:
        _write_inventories(lab_dir, settings)
        on_ready(state)

    raise_fd_limit()
    asyncio.run(server.serve(args, ready))


def _prepare(lab_dir: Path, settings: LabSettings) -> list[tuple[str, int]]:
    """Check the settings, refuse a second lab in ``lab_dir``, reset its per-run files.

    Returns the parsed ``--big-config`` specs. A ``state.json`` naming this very process
    is stale, not a running lab: it is what a container restarted after a kill finds, its
    lab having had the same pid (1) in the previous container.
    """
    initial: dict[str, faults.Faults] = {}
    names = settings.names
    if settings.confirm_seconds_per_minute <= 0:
        raise InputError("--confirm-seconds-per-minute must be more than 0")
    _check_addresses(settings)
    try:
        for spec in settings.faults:
            device, kind, argument = faults.parse_spec(spec)
            _check_device(device, names)
            initial.setdefault(device, faults.Faults()).apply(kind, argument)
    except faults.FaultError as exc:
        raise InputError(f"--fault: {exc}") from None
    big = [parse_big_config(spec, names) for spec in settings.big_configs]
    for device in settings.legacy:
        _check_device(device, names)
    running = read_state(lab_dir)
    if running is not None and running.get("pid") != os.getpid():
        raise LabError(f"a lab is already running from {lab_dir} (netraven lab down first)")
    lab_dir.mkdir(parents=True, exist_ok=True)
    (lab_dir / "state.json").unlink(missing_ok=True)
    (lab_dir / "commands.log").unlink(missing_ok=True)
    (lab_dir / "known_hosts").unlink(missing_ok=True)
    faults.save(lab_dir / "faults.json", initial)
    return big


# Names the lab's HTTPS certificate is made for (lab/tls.py).
TLS_NAMES = ("127.0.0.1", "::1", "localhost")
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def _check_addresses(settings: LabSettings) -> None:
    """``--listen`` is an IP address; ``--inventory-host`` an address or a DNS name."""
    try:
        ipaddress.ip_address(settings.listen)
    except ValueError:
        raise InputError(f"--listen '{settings.listen}': not an IP address") from None
    host = settings.inventory_host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host):
            raise InputError(f"--inventory-host '{host}': not a host name or address") from None
    if settings.https and host not in TLS_NAMES:
        raise InputError(
            f"--inventory-host '{host}' with --https: the lab's certificate is only for "
            f"{', '.join(TLS_NAMES)}"
        )


def _credentials_env(settings: LabSettings) -> dict[str, str]:
    """Credentials reach a background lab through its environment, never its argv."""
    return {
        "NETRAVEN_LAB_PASSWORD": settings.password,
        "NETRAVEN_LAB_SECRET": settings.secret,
        "NETRAVEN_LAB_COMMUNITY": settings.community,
        "NETRAVEN_LAB_API_TOKEN": settings.api_token,
    }


def _server_argv(lab_dir: Path, settings: LabSettings, big: list[tuple[str, int]]) -> list[str]:
    """The lab server's options (``netraven.lab.server``) for these settings."""
    return [
        "--state-dir",
        str(lab_dir),
        "--devices",
        str(settings.devices),
        "--base-port",
        str(settings.base_port),
        "--latency",
        str(settings.latency_ms),
        "--username",
        settings.username,
        "--listen",
        settings.listen,
        "--known-host",
        settings.inventory_host,
        *(arg for device, lines in big for arg in ("--big-config", f"{device}:{lines}")),
        *(["--telnet"] if settings.telnet else []),
        *(["--https"] if settings.https else []),
        *(arg for device in settings.legacy for arg in ("--legacy", device)),
        *(["--platforms", layout_spec(settings.layout)] if settings.platforms else []),
        "--confirm-seconds-per-minute",
        str(settings.confirm_seconds_per_minute),
    ]


def _write_inventories(lab_dir: Path, settings: LabSettings) -> None:
    write_inventory(lab_dir / "inventory", settings, lab_dir / "known_hosts")
    if settings.https:
        write_https_inventory(lab_dir / "inventory-https", settings, lab_dir)


def down(lab_dir: Path, timeout: float = 10) -> bool:
    state = read_state(lab_dir)
    if state is None:
        return False
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    (lab_dir / "state.json").unlink(missing_ok=True)
    return True


def _check_device(device: str, names: list[str]) -> None:
    if device not in names:
        raise InputError(f"no lab device '{device}' (devices are {describe(names)})")


def describe(names: list[str]) -> str:
    """``sw-lab-1 … sw-lab-6, eos-lab-7 … eos-lab-8``: each family's run of device names."""
    runs: list[list[str]] = []
    for name in names:
        if runs and runs[-1][0].rsplit("-", 1)[0] == name.rsplit("-", 1)[0]:
            runs[-1].append(name)
        else:
            runs.append([name])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]} … {run[-1]}" for run in runs)


def state_names(state: dict[str, Any]) -> list[str]:
    """The device names of a running lab, from its ``state.json``."""
    layout = parse_layout(state.get("platforms"), int(state["devices"]))
    return [device_name(i, family) for i, family in enumerate(layout, start=1)]


def set_fault(
    lab_dir: Path, device: str, kind: str, argument: str | None = None, timeout: float = 10
) -> None:
    """Add a fault to a running lab's device, or ``clear`` its faults, and wait until it holds."""
    state = read_state(lab_dir)
    if state is None:
        raise NoLab(f"no lab running from {lab_dir}")
    _check_device(device, state_names(state))
    current = faults.load(lab_dir / "faults.json")
    if kind == "clear":
        if argument is not None:
            raise InputError("'clear' takes no argument")
        current.pop(device, None)
    else:
        try:
            current.setdefault(device, faults.Faults()).apply(kind, argument)
        except faults.FaultError as exc:
            raise InputError(str(exc)) from None
    faults.save(lab_dir / "faults.json", current)
    os.kill(int(state["pid"]), signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while not faults.acknowledged(lab_dir):
        if time.monotonic() > deadline:
            raise LabError("the lab did not confirm the fault in time")
        time.sleep(0.02)


# The data.ssh a --legacy device needs: what it offers (lab.server.LEGACY_ALGS).
LEGACY_SSH: dict[str, list[str]] = {
    "kex": ["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"],
    "ciphers": ["aes128-cbc"],
    "macs": ["hmac-sha1"],
    "host_key_algs": ["ssh-rsa"],
}


def write_inventory(
    directory: Path, settings: LabSettings, known_hosts: Path | None = None
) -> None:
    """A Nornir SimpleInventory for the lab: sites and roles as groups, and as tags.

    Each host's ``platform`` is its family's netmiko name (``arista_eos``,
    ``juniper_junos``; the defaults say ``cisco_ios``), so NetRaven picks the right driver.
    A lab serving Telnet is reached over Telnet: each host's port is its Telnet port and the
    defaults say ``data.transport: telnet`` (a host set back to ``transport: ssh`` with its
    SSH port still works: SSH keeps serving).

    Host keys are checked (the default): the defaults point ``data.ssh.known_hosts`` at the
    file the lab wrote for its own keys, by absolute path, so the inventory works from any
    directory. A ``--legacy`` device gets the algorithm lists it needs in its host data.
    """
    directory.mkdir(parents=True, exist_ok=True)
    hosts: dict[str, Any] = {}
    for i, family in enumerate(settings.layout, start=1):
        site = SITES[(i - 1) % len(SITES)]
        role = "core" if i % 5 == 0 else "access"
        name = device_name(i, family)
        platform = FAMILIES[family].platform
        hosts[name] = {
            "hostname": settings.inventory_host,
            "port": settings.telnet_port(i) if settings.telnet else settings.base_port + i - 1,
            "groups": [site, role],
            # Only where it differs from the defaults' cisco_ios, so an all-IOS lab's
            # inventory reads as it always did.
            **({"platform": platform} if family != "ios" else {}),
            "data": {
                "tags": ["lab", site, role],
                **({"ssh": dict(LEGACY_SSH)} if name in settings.legacy else {}),
            },
        }
    groups = {site: {"data": {"site": site}} for site in SITES}
    groups.update({"access": {"data": {"role": "access"}}, "core": {"data": {"role": "core"}}})
    defaults = {
        "username": settings.username,
        "password": settings.password,
        "platform": "cisco_ios",
        "data": {
            "enable_secret": settings.secret,
            **({"transport": "telnet"} if settings.telnet else {}),
            **(
                {"ssh": {"host_key_checking": True, "known_hosts": str(known_hosts.resolve())}}
                if known_hosts is not None
                else {}
            ),
        },
    }
    for name, content in (("hosts", hosts), ("groups", groups), ("defaults", defaults)):
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(content, sort_keys=False))


def write_https_inventory(directory: Path, settings: LabSettings, lab_dir: Path) -> None:
    """The same hosts, sites and roles, reached through their HTTPS API.

    Defaults: ``transport: https``, ``api: eapi`` (a host or group set to ``api: restconf``
    speaks RESTCONF on the same port), TLS verified against the lab's own CA, whose path
    (absolute) goes in ``data.tls.ca_bundle``.
    """
    write_inventory(directory, settings)
    hosts = yaml.safe_load((directory / "hosts.yaml").read_text())
    for i, name in enumerate(settings.names, start=1):
        hosts[name]["port"] = settings.https_port(i)
    defaults = yaml.safe_load((directory / "defaults.yaml").read_text())
    data = defaults.setdefault("data", {})
    data.pop("ssh", None)
    data.update(
        {
            "transport": "https",
            "api": "eapi",
            "tls": {"ca_bundle": str((lab_dir / "tls" / "ca.pem").resolve())},
        }
    )
    (directory / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    (directory / "defaults.yaml").write_text(yaml.safe_dump(defaults, sort_keys=False))


def command_log(lab_dir: Path) -> list[dict[str, Any]]:
    """Every command the lab's devices received, oldest first."""
    path = lab_dir / "commands.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
