"""Device families the lab can serve (IOS-, EOS-, Junos-, IOS-XR- and NX-OS-like), and the
lab's layout.

Every family is a pure-logic module with a device (its state) and a session (one login's
CLI: ``handle(line) -> str`` and ``prompt``). The SSH and Telnet servers, and anything else
that drives a device (an HTTPS API), only see the two Protocols below, so they work for
every family without knowing which one they carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "FAMILIES",
    "CliSession",
    "Family",
    "LabDevice",
    "LayoutError",
    "device_name",
    "parse_layout",
]

CommandHook = Callable[[str, str, str], None]


class CliSession(Protocol):
    """One login's command line, as the servers drive it."""

    # True while the next line is a password: the terminal neither echoes nor counts it.
    awaiting_password: bool
    # True once the user logged out: the server closes the connection.
    closed: bool

    @property
    def device(self) -> LabDevice:
        """The device this session is logged in to."""

    @property
    def prompt(self) -> str:
        """What the device prints before it reads the next line (may span lines: Junos
        prints a blank line and its ``[edit]`` context before its prompt)."""

    @property
    def mode(self) -> str:
        """The mode the next line is run in, as the command log records it."""

    def handle(self, line: str) -> str:
        """Run one complete input line and return its output, without the next prompt."""

    def logout(self) -> None:
        """The connection is gone: release what the session held (a Junos lock)."""


class LabDevice(Protocol):
    """One simulated device: its state, shared by every session logged in to it."""

    name: str
    family: str  # a key of FAMILIES
    # Configuration lines this device rejects (the ``reject-config`` fault).
    rejected_config: list[str]

    @property
    def on_command(self) -> CommandHook:
        """Called with (device, mode, command) for every line a session receives."""

    def session(self, username: str) -> CliSession:
        """A new login session for ``username`` (Junos puts the user in its prompt)."""

    def tick(self, now: float | None = None) -> None:
        """Time passes: what a device does on its own (a Junos confirmed-commit rollback)."""


@dataclass(frozen=True)
class Family:
    """How the lab builds one family's devices and how the lab inventory names them."""

    name: str  # as given to ``lab up --platforms``
    platform: str  # the netmiko device_type the written inventory gives its hosts
    prefix: str  # device names: ``<prefix>-lab-<index>``
    description: str
    # Telnet login, as the real family words it: the first text ({host} filled in), the
    # username prompt, and what a failed login prints before asking again.
    telnet_greeting: str
    telnet_username: str
    telnet_failed: str
    # Printed once a login succeeds, before the first prompt (SSH and Telnet).
    banner: str = ""


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "ios",
            "cisco_ios",
            "sw",
            "IOS-like Catalyst access switch",
            "\nUser Access Verification\n\n",
            "Username: ",
            "\n% Login invalid\n\n",
        ),
        Family(
            "eos",
            "arista_eos",
            "eos",
            "EOS-like Arista DCS-7050 switch",
            "\n",
            "{host} login: ",
            "\nLogin incorrect\n",
        ),
        Family(
            "junos",
            "juniper_junos",
            "junos",
            "Junos-like Juniper MX router",
            "\n{host} (ttyp0)\n\n",
            "login: ",
            "\nLogin incorrect\n",
            "--- JUNOS 21.4R3.15 built 2023-01-18 05:45:50 UTC\n",
        ),
        Family(
            "xr",
            "cisco_xr",
            "xr",
            "IOS-XR-like Cisco ASR 9901 router",
            "\n\nUser Access Verification\n\n",
            "Username: ",
            "\n% Authentication failed\n\n",
        ),
        Family(
            "nxos",
            "cisco_nxos",
            "nxos",
            "NX-OS-like Cisco Nexus 93180YC-FX switch",
            "\nUser Access Verification\n",
            "{host} login: ",
            "\nLogin incorrect\n",
        ),
    )
}


def device_name(index: int, family: str = "ios") -> str:
    """Device *index* (1-based, over the whole lab) of ``family``: sw-lab-3, eos-lab-7."""
    return f"{FAMILIES[family].prefix}-lab-{index}"


class LayoutError(ValueError):
    """A ``--platforms`` value that does not parse or does not add up."""


def parse_layout(spec: str | None, devices: int | None) -> tuple[str, ...]:
    """The family of each device, in port order, from ``ios:6,eos:2,junos:2``.

    Families take consecutive device numbers in the order given. Without a spec every
    device is IOS-like; with one, ``devices`` (when given) must equal the sum.
    """
    if not spec:
        return ("ios",) * (3 if devices is None else devices)
    layout: list[str] = []
    seen: set[str] = set()
    for part in spec.split(","):
        name, sep, count = part.strip().partition(":")
        if name not in FAMILIES:
            raise LayoutError(
                f"--platforms '{spec}': unknown family '{name}' (known: {', '.join(FAMILIES)})"
            )
        if name in seen:
            raise LayoutError(f"--platforms '{spec}': '{name}' given twice")
        seen.add(name)
        if not sep or not count.isdigit():
            raise LayoutError(f"--platforms '{spec}': expected FAMILY:COUNT, e.g. eos:2")
        layout += [name] * int(count)
    if not layout:
        raise LayoutError(f"--platforms '{spec}': no devices")
    if devices is not None and devices != len(layout):
        raise LayoutError(
            f"--platforms '{spec}' adds up to {len(layout)} device(s), but --devices is {devices}"
        )
    return tuple(layout)


def layout_spec(layout: tuple[str, ...]) -> str:
    """The inverse of :func:`parse_layout`: ``ios:6,eos:2,junos:2``."""
    counts: dict[str, int] = {}
    for family in layout:
        counts[family] = counts.get(family, 0) + 1
    return ",".join(f"{name}:{count}" for name, count in counts.items())
