"""A Junos-like device (Juniper MX204): active configuration, rollbacks, candidate, commit.

Pure logic, no I/O. The device holds the active configuration and up to 49 earlier ones
(``rollback 1..49``), one shared candidate (what ``configure`` edits; every session in
shared mode sees the same one), an optional exclusive lock, and a pending ``commit
confirmed`` deadline. Only ``commit`` changes the active configuration. Time comes from
the device's ``clock``, and a ``commit confirmed N`` minute lasts ``seconds_per_minute``
seconds (60 unless the lab is told otherwise) so tests can watch an automatic rollback.

The CLI of one login session is ``junos_cli.JunosSession``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netraven.lab import junos_config as cfg
from netraven.lab.family import device_name

if TYPE_CHECKING:
    from netraven.lab.junos_cli import JunosSession

__all__ = ["MAX_ROLLBACK", "Commit", "JunosDevice", "new_device"]

MAX_ROLLBACK = 49
VERSION = "21.4R3.15"
MODEL = "mx204"
BUILD = "20230118.4cfd8a0_builder_stable_12_214"
SECRET_HASH = "$6$Lr1F4Gz2$Qv7m0cXw3eN9sT5bJk2hP8yR1uD6aL4oZ0iC3gV7nM5xB9qW2eT8rY4uI6oP1sA3dF5"


def seed_lines(name: str, index: int, community: str) -> list[str]:
    """A PE router's configuration, as the ``set`` lines that build it."""
    lo = f"10.255.{index // 256}.{index % 256}"
    lines = [
        f"set version {VERSION}",
        f"set system host-name {name}",
        f'set system root-authentication encrypted-password "{SECRET_HASH}"',
        "set system login user admin uid 2000 class super-user",
        f'set system login user admin authentication encrypted-password "{SECRET_HASH}"',
        "set system domain-name lab.netraven.test",
        "set system services ssh",
        "set system services netconf ssh",
        "set system syslog host 10.0.0.250 any notice",
        "set system syslog file messages any notice",
        "set system ntp server 10.0.0.123",
    ]
    for port in range(4):
        ifd = f"ge-0/0/{port}"
        lines += [
            f'set interfaces {ifd} description "uplink {port}"',
            f"set interfaces {ifd} unit 0 family inet address 10.{port + 1}.{index % 256}.1/30",
        ]
    lines += [
        f"set interfaces lo0 unit 0 family inet address {lo}/32",
        f"set snmp community {community} authorization read-only",
        f"set routing-options router-id {lo}",
        "set routing-options static route 0.0.0.0/0 next-hop 10.1.0.2",
        "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0",
        "set protocols ospf area 0.0.0.0 interface lo0.0 passive",
        "set protocols lldp interface all",
    ]
    return lines


@dataclass
class Commit:
    """One saved configuration: ``rollback N`` loads ``history[N].config``."""

    config: cfg.Node
    at: float
    user: str
    via: str = "cli"
    comment: str = ""


@dataclass
class JunosDevice:
    """One Junos-like router, shared by every session logged in to it."""

    name: str
    serial: str
    history: list[Commit]  # [0] is the active configuration
    rejected_config: list[str] = field(default_factory=list)
    on_command: Callable[[str, str, str], None] = lambda device, mode, command: None
    clock: Callable[[], float] = time.time
    seconds_per_minute: float = 60.0
    family: str = "junos"
    candidate: cfg.Node | None = None  # the shared candidate; None while it equals active
    changed_at: float = 0.0
    lock: JunosSession | None = None  # the session holding ``configure exclusive``
    editors: list[JunosSession] = field(default_factory=list)
    confirm_deadline: float | None = None
    _ttys: itertools.count[int] = field(default_factory=lambda: itertools.count(0))

    @property
    def active(self) -> cfg.Node:
        return self.history[0].config

    @property
    def hostname(self) -> str:
        system = self.active.children.get("system")
        if system is not None:
            for label in system.children:
                if label.startswith("host-name "):
                    return label.split(" ", 1)[1]
        return self.name

    def shared_candidate(self) -> cfg.Node:
        if self.candidate is None:
            self.candidate = self.active.copy()
        return self.candidate

    def shared_modified(self) -> bool:
        return self.candidate is not None and self.candidate != self.active

    def session(self, username: str) -> JunosSession:
        from netraven.lab.junos_cli import JunosSession

        return JunosSession(self, username, next(self._ttys))

    def commit(self, config: cfg.Node, user: str, comment: str = "") -> None:
        """Make ``config`` active; the old active becomes ``rollback 1``."""
        self.history.insert(0, Commit(config.copy(), self.clock(), user, "cli", comment))
        del self.history[MAX_ROLLBACK + 1 :]
        self.candidate = None

    def tick(self, now: float | None = None) -> None:
        """Let time pass: an unconfirmed ``commit confirmed`` rolls back at its deadline."""
        deadline = self.confirm_deadline
        if deadline is None or (self.clock() if now is None else now) < deadline:
            return
        self.confirm_deadline = None
        previous = self.history[1].config if len(self.history) > 1 else self.active
        self.history.insert(0, Commit(previous.copy(), deadline, "root", "other"))
        self.history[0].comment = "commit confirmed rollback"
        del self.history[MAX_ROLLBACK + 1 :]
        self.candidate = None
        self.on_command(self.name, "system", "commit confirmed rolled back")

    def stamp(self, at: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def new_device(
    index: int,
    community: str,
    seconds_per_minute: float = 60.0,
    clock: Callable[[], float] = time.time,
) -> JunosDevice:
    name = device_name(index, "junos")
    config = cfg.Node()
    for line in seed_lines(name, index, community):
        for path in cfg.parse_path(cfg.tokens(line)[1:], at_top=True)[0]:
            config.set(path)
    booted = clock() - 4 * 7 * 86400
    return JunosDevice(
        name=name,
        serial=f"DM{5150 + index:04d}AF",
        history=[Commit(config, booted, "root", "other", "")],
        clock=clock,
        seconds_per_minute=seconds_per_minute,
        changed_at=booted,
    )
