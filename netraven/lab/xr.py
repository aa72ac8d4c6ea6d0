"""An IOS-XR-like router (Cisco ASR 9901, XR 7.3.2): committed configuration, commit
history, and the CLI of one session with its own candidate.

Pure logic, no I/O. On IOS-XR nothing typed in configuration mode takes effect until
``commit``: every configuration session has a candidate of its own (``configure`` or
``configure exclusive``, which also locks out other sessions' commits), ``show
configuration`` prints what the session changed, ``abort`` throws it away, and ``end`` /
``exit`` with changes pending asks ``Uncommitted changes found, commit them before
exiting(yes/no/cancel)? [cancel]:`` as a real router does. Every commit gets a commit ID
(``show configuration commit list``); ``rollback configuration last N`` restores the
configuration from before the last N commits and is a commit of its own. ``commit
confirmed N`` (seconds) is a trial: unless a ``commit`` confirms it in time the router goes
back by itself. A lab ``--confirm-seconds-per-minute`` S makes each of those seconds last
S/60 real seconds, so tests can watch it.

Semantic errors surface at commit, as on XR: a line the ``reject-config`` fault names is
taken into the candidate and the commit then fails (``% Failed to commit one or more
configuration items ...``), its reason in ``show configuration failed``.

The rendering is XR's (``!`` after each block, ``ipv4 address``, the ``!! IOS XR
Configuration`` header). The CLI of one login session is ``xr_cli.XrSession``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netraven.lab.device import Block, Device
from netraven.lab.family import device_name

if TYPE_CHECKING:
    from netraven.lab.xr_cli import XrSession

__all__ = ["XrCommit", "XrDevice", "new_device", "render", "xr_seed_config"]

VERSION = "7.3.2"
MODEL = "ASR-9901"
LOCATION = "RP/0/RP0/CPU0"
FIRST_COMMIT_ID = 1000000001
MAX_COMMITS = 100
SECRET_HASH = "$6$xrLab$9kU2vQ0rB4nC6mD8fG1hJ3kL5pR7tV9xZ1bN3cM5qW7eY9uI2oA4sD6fH8jK0lP2"


def xr_seed_config(name: str, index: int, community: str) -> list[Block]:
    """A PE router's configuration, the same shape on every IOS-XR-like device."""
    octet = f"{index // 256}.{index % 256}"
    blocks = [
        Block(f"hostname {name}"),
        Block("clock timezone UTC UTC"),
        Block("logging console disable"),
        Block("logging 10.0.0.250 vrf default severity info"),
        Block("domain name lab.netraven.test"),
        Block(
            "username admin",
            ["group root-lr", "group cisco-support", f"secret 10 {SECRET_HASH}"],
        ),
        Block("ntp", ["server 10.0.0.123"]),
        Block("interface Loopback0", [f"ipv4 address 10.255.{octet} 255.255.255.255"]),
        Block("interface MgmtEth0/RP0/CPU0/0", [f"ipv4 address 10.0.{octet} 255.255.0.0"]),
    ]
    for port in range(4):
        blocks.append(
            Block(
                f"interface GigabitEthernet0/0/0/{port}",
                [
                    f"description uplink {port}",
                    f"ipv4 address 10.{port + 1}.{index % 256}.1 255.255.255.252",
                ],
            )
        )
    blocks += [
        Block(
            "router static",
            [
                "address-family ipv4 unicast",
                " 0.0.0.0/0 10.0.0.254",
                "!",
            ],
        ),
        Block(
            "router ospf 1",
            [
                f"router-id 10.255.{octet}",
                "area 0",
                " interface Loopback0",
                "  passive enable",
                " !",
                " interface GigabitEthernet0/0/0/0",
                " !",
                "!",
            ],
        ),
        Block(f"snmp-server community {community} RO"),
        Block("ssh server v2"),
        Block("ssh server vrf default"),
    ]
    return blocks


def render(blocks: list[Block]) -> str:
    """Blocks as XR prints them: one-space indentation, ``!`` closing every block."""
    lines: list[str] = []
    for block in blocks:
        lines.append(block.line)
        if block.children:
            lines.extend(f" {child}" for child in block.children)
            lines.append("!")
    return "\n".join(lines)


def _copy(blocks: list[Block]) -> list[Block]:
    return [Block(b.line, list(b.children)) for b in blocks]


def _stamp(at: float, millis: bool = True) -> str:
    text = time.strftime("%a %b %d %H:%M:%S", time.gmtime(at))
    return f"{text}.{int(at * 1000) % 1000:03d} UTC" if millis else text


@dataclass
class XrCommit:
    """One entry of ``show configuration commit list``: what the config was before it."""

    id: int
    user: str
    line: str
    at: float
    before: list[Block]
    client: str = "CLI"
    comment: str = ""


@dataclass
class XrDevice(Device):
    """One IOS-XR-like router: the committed configuration and its commit history."""

    index: int = 0
    family: str = "xr"
    clock: Callable[[], float] = time.time
    seconds_per_minute: float = 60.0
    commits: list[XrCommit] = field(default_factory=list)  # newest first
    changed_at: float = 0.0
    changed_by: str = "admin"
    lock: XrSession | None = None  # the session in ``configure exclusive``
    confirm_deadline: float | None = None  # a trial commit pending until then
    _next_id: int = FIRST_COMMIT_ID
    _vtys: int = 0

    def session(self, username: str) -> XrSession:
        from netraven.lab.xr_cli import XrSession

        self._vtys += 1
        return XrSession(self, username, self._vtys - 1)

    def commit(self, config: list[Block], user: str, line: str, comment: str = "") -> XrCommit:
        """Make ``config`` the running configuration under a new commit ID."""
        entry = XrCommit(self._next_id, user, line, self.clock(), _copy(self.running))
        entry.comment = comment
        self._next_id += 1
        self.commits.insert(0, entry)
        del self.commits[MAX_COMMITS:]
        self.running = _copy(config)
        self.changed_at, self.changed_by = entry.at, user
        return entry

    def rollback_last(self, count: int, user: str, line: str) -> XrCommit:
        """``rollback configuration last N``: the config from before the last N commits,
        committed as a commit of its own."""
        return self.commit(self.commits[count - 1].before, user, line, "rollback")

    def tick(self, now: float | None = None) -> None:
        """Time passes: an unconfirmed ``commit confirmed`` goes back by itself."""
        deadline = self.confirm_deadline
        if deadline is None or (self.clock() if now is None else now) < deadline:
            return
        self.confirm_deadline = None
        trial = self.commits.pop(0)
        self.running = trial.before
        self.changed_at = deadline
        self.on_command(self.name, "system", f"commit confirmed {trial.id} rolled back")

    def show_config(self, blocks: list[Block], header: bool = True) -> str:
        lines = [_stamp(self.clock()), "Building configuration..."]
        if header:
            lines.append(f"!! IOS XR Configuration {VERSION}")
            lines.append(
                f"!! Last configuration change at {_stamp(self.changed_at, millis=False)} "
                f"{time.strftime('%Y', time.gmtime(self.changed_at))} by {self.changed_by}"
            )
            lines.append("!")
        body = render(blocks)
        return "\n".join([*lines, *([body] if body else []), "end"])


def new_device(
    index: int,
    secret: str,
    community: str,
    seconds_per_minute: float = 60.0,
    clock: Callable[[], float] = time.time,
) -> XrDevice:
    name = device_name(index, "xr")
    booted = clock() - 28 * 86400
    device = XrDevice(
        name=name,
        enable_secret=secret,
        serial=f"FOC{2400 + index:04d}R0RP",
        running=xr_seed_config(name, index, community),
        index=index,
        clock=clock,
        seconds_per_minute=seconds_per_minute,
        changed_at=booted,
    )
    device.startup = device.running  # XR has no startup-config: a commit is persistent
    return device
