"""An EOS-like device (Arista DCS-7050): its configuration and the CLI of one session.

Pure logic, no I/O, like the IOS-like device it extends: EOS shares IOS's command
structure (modes, ``interface`` blocks, ``no`` to negate), and differs in what a driver
notices: prompts (``host(config-if-Et1)#``), three-space indentation and the ``! Command:``
header of ``show running-config``, ``% Invalid input (at token N: 'word')`` errors, the
answers to ``terminal length``/``width`` that netmiko waits for, ``Copy completed
successfully.``, and configuration sessions (``configure session NAME`` … ``commit`` or
``abort``) that change the running config only when committed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from netraven.lab.device import Block, Device, Session, _match, _pipe
from netraven.lab.family import device_name

__all__ = ["EosDevice", "EosSession", "eos_seed_config"]

MODEL = "DCS-7050TX-64"
VERSION = "4.28.3M"
PORTS = 8
SECRET_HASH = (
    "$6$rM0kWxw3mQ9B1dLe$Fv0d4Zb2q3n8xYpLJmVhWq7C1kR5tS9uA0eG4iH6jK8lN2oP4rT6vX8zB0cD2fE4gH6iJ8k"
)
BLOCK_RE = re.compile(
    r"^(interface|router|vlan|ip access-list|ipv6 access-list|route-map|management|"
    r"mlag configuration|vrf instance|daemon|policy-map|class-map|ip prefix-list \S+$)\b"
)
GLOBAL_RE = re.compile(
    r"^(hostname|ntp|snmp-server|logging (host|buffered|trap)|"
    r"ip (route|domain|name-server|routing)|username|enable|aaa|no aaa|service|banner|clock|"
    r"spanning-tree|transceiver|lldp run)\b"
)


def _words(text: str) -> list[str]:
    return text.split()


# First words EOS's configuration modes know (after an optional ``no``/``default``): any
# other is ``% Invalid input``, as on a real switch. Generous, not the full EOS grammar.
KEYWORDS = frozenset(
    _words(
        """
    aaa alias arp banner bfd channel-group clock daemon deny description dns dot1x duplex
    enable encapsulation end errdisable event-handler event-monitor exit flowcontrol hardware
    hostname interface ip ipv6 lacp ldp link-debounce lldp load-interval logging mac
    management match maximum-paths mlag monitor mpls mtu name neighbor network ntp
    passive-interface peer permit platform policy-map port-channel priority-flow-control ptp
    qos queue-monitor radius-server redistribute remark route-map router router-id seq service
    set sflow shutdown snmp-server spanning-tree speed storm-control switchport tacacs-server
    terminal transceiver trunk username vlan vrf vrrp vxlan address-family area bgp
    default-information distance graceful-restart max-lsa timers protocol api no-shutdown
    class-map class police ssh cors vlan-id state trunk-group
    """
    )
)
# Interface name → the abbreviation EOS shows in the prompt.
SHORT_NAMES = (
    ("Ethernet", "Et"),
    ("Management", "Ma"),
    ("Loopback", "Lo"),
    ("Vlan", "Vl"),
    ("Port-Channel", "Po"),
    ("Vxlan", "Vx"),
    ("Tunnel", "Tu"),
)
VERSION_TEMPLATE = """\
Arista {model}
Hardware version: 01.11
Serial number: {serial}
Hardware MAC address: {mac}
System MAC address: {mac}

Software image version: {version}
Architecture: x86_64
Internal build version: {version}-28837868.4283M
Internal build ID: 7ea7e1d8-2c3f-4d6b-9e1a-5b8c0f2d4a61
Image format version: 3.0
Image optimization: Default

Uptime: 4 weeks, 2 days, 3 hours and 7 minutes
Total memory: 8099732 kB
Free memory: 5864316 kB
"""


def _mac(name: str) -> str:
    """A stable MAC per device with Arista's 44:4c:a8 prefix, dotted as EOS prints it."""
    low = hashlib.sha256(name.encode()).digest()[:3].hex()
    return f"444c.a8{low[:2]}.{low[2:]}"


def eos_seed_config(name: str, index: int, community: str) -> list[Block]:
    """A leaf switch's configuration, the same shape on every EOS-like device."""
    blocks = [
        Block("transceiver qsfp default-mode 4x10G"),
        Block("service routing protocols model multi-agent"),
        Block(f"hostname {name}"),
        Block("ip domain-name lab.netraven.test"),
        Block("spanning-tree mode mstp"),
        Block("no aaa root"),
        Block(f"username admin privilege 15 role network-admin secret sha512 {SECRET_HASH}"),
        Block(f"enable password sha512 {SECRET_HASH}"),
        Block("vlan 10", ["name USERS"]),
        Block("vlan 20", ["name VOICE"]),
    ]
    for port in range(1, PORTS + 1):
        blocks.append(
            Block(
                f"interface Ethernet{port}",
                [f"description access port {port}", "switchport access vlan 10"],
            )
        )
    blocks += [
        Block("interface Loopback0", [f"ip address 10.255.{index // 256}.{index % 256}/32"]),
        Block("interface Management1", [f"ip address 10.0.{index // 256}.{index % 256}/16"]),
        Block("ip routing"),
        Block("ip route 0.0.0.0/0 10.0.0.254"),
        Block("router ospf 1", ["router-id 10.0.0.1", "network 10.0.0.0/24 area 0.0.0.0"]),
        Block(f"snmp-server community {community} ro"),
        Block("logging host 10.0.0.250"),
        Block("management api http-commands", ["no shutdown"]),
    ]
    return blocks


def render(blocks: list[Block]) -> str:
    """Blocks as EOS prints them: children indented three spaces, ``!`` between sections."""
    lines: list[str] = []
    previous_was_block = True
    for block in blocks:
        if block.children:
            if not previous_was_block:
                lines.append("!")
            lines.append(block.line)
            lines.extend(f"   {child}" for child in block.children)
            lines.append("!")
        else:
            lines.append(block.line)
        previous_was_block = bool(block.children)
    if not previous_was_block:
        lines.append("!")
    return "\n".join(lines + ["end"])


@dataclass
class EosDevice(Device):
    """One EOS-like switch: the IOS-like device's state plus named configuration sessions."""

    index: int = 0
    family: str = "eos"
    # Uncommitted configuration sessions by name: each a full copy of the config.
    config_sessions: dict[str, list[Block]] = field(default_factory=dict)

    def session(self, username: str) -> EosSession:
        return EosSession(self)

    def show_config(self, blocks: list[Block], command: str) -> str:
        header = [
            f"! Command: {command}",
            f"! device: {self.hostname} ({MODEL}, EOS-{VERSION})",
            "!",
            f"! boot system flash:/EOS-{VERSION}.swi",
            "!",
        ]
        return "\n".join(header) + "\n" + render(blocks)


def new_device(index: int, secret: str, community: str) -> EosDevice:
    name = device_name(index, "eos")
    device = EosDevice(
        name=name,
        enable_secret=secret,
        serial=f"JPE{16290000 + index:08d}",
        running=eos_seed_config(name, index, community),
        index=index,
    )
    device.startup = device.saved_copy()
    return device


def _copy(blocks: list[Block]) -> list[Block]:
    return [Block(b.line, list(b.children)) for b in blocks]


class EosSession(Session):
    """The EOS CLI of one login: exec, privileged, configuration and configuration sessions."""

    block_re = BLOCK_RE
    global_re = GLOBAL_RE
    device: EosDevice

    def __init__(self, device: EosDevice) -> None:
        super().__init__(device)
        self.config_session: str | None = None

    # --- prompts -----------------------------------------------------------------
    @property
    def prompt(self) -> str:
        if self.awaiting_password:
            return "Password: "
        host = self.device.hostname
        if not self.in_config:
            return f"{host}{'#' if self.privileged else '>'}"
        mode = "config" if self.config_session is None else f"config-s-{self.config_session[:6]}"
        if self.config_block is not None:
            mode += "-" + _submode(self.config_block.line)
        return f"{host}({mode})#"

    # --- where configuration lines go ---------------------------------------------
    @property
    def target(self) -> list[Block]:
        if self.config_session is not None:
            return self.device.config_sessions[self.config_session]
        return self.device.running

    @target.setter
    def target(self, blocks: list[Block]) -> None:
        if self.config_session is not None:
            self.device.config_sessions[self.config_session] = blocks
        else:
            self.device.running = blocks

    # --- errors ------------------------------------------------------------------
    def _invalid(self, line: str, position: int = 0) -> str:
        words = line.split()
        token = len(line[:position].split())
        if token >= len(words):
            return "% Incomplete command"
        return f"% Invalid input (at token {token}: '{words[token]}')"

    # --- exec modes ----------------------------------------------------------------
    def _exec(self, line: str) -> str:
        command, _, pipe = line.partition("|")
        words = command.split()
        verbs = ("enable", "disable", "show", "terminal", "configure", "write", "copy", "exit")
        verb = _match(words[0], (*verbs, "logout", "quit"))
        if verb is None:
            return self._invalid(line)
        if verb in ("enable", "disable", "exit", "logout", "quit"):
            return super()._exec(line)
        if verb == "terminal":
            return self._terminal(words, line)
        if verb == "show":
            output = self._show(words[1:], command.strip())
            return _pipe(output, pipe.strip()) if pipe and not output.startswith("%") else output
        if not self.privileged:
            return "% Invalid input (privileged mode required)"
        if verb == "configure":
            return self._configure(words, line)
        if verb == "write" and (len(words) == 1 or _match(words[1], ("memory",))):
            return self._save()
        if (
            verb == "copy"
            and len(words) == 3
            and _match(words[1], ("running-config",))
            and _match(words[2], ("startup-config",))
        ):
            return self._save()
        return self._invalid(line, len(words[0]) + 1)

    def _terminal(self, words: list[str], line: str) -> str:
        what = _match(words[1], ("length", "width", "monitor")) if len(words) > 1 else None
        if what is None:
            return self._invalid(line, len(words[0]) + 1)
        if what == "monitor":
            return ""
        if len(words) != 3 or not words[2].isdigit():
            return self._invalid(line, len(" ".join(words[:2])) + 1)
        if what == "length":
            return "Pagination disabled." if words[2] == "0" else ""
        width = min(int(words[2]), 32767)
        return f"Width set to {width} columns."

    def _save(self) -> str:
        self.device.startup = self.device.saved_copy()
        return "Copy completed successfully."

    def _configure(self, words: list[str], line: str) -> str:
        if len(words) == 1 or (len(words) == 2 and _match(words[1], ("terminal",))):
            self.in_config = True
            return ""
        if _match(words[1], ("session",)):
            if len(words) != 3:
                return self._invalid(line, len(line))
            name = words[2]
            self.device.config_sessions.setdefault(name, _copy(self.device.running))
            self.config_session = name
            self.in_config = True
            return ""
        return self._invalid(line, len(words[0]) + 1)

    def _show(self, args: list[str], line: str) -> str:
        if not args:
            return self._invalid(line, len(line))
        what = _match(
            args[0],
            (
                "version",
                "running-config",
                "startup-config",
                "session-config",
                "ip",
                "clock",
                "hostname",
            ),
        )
        if what == "version":
            d = self.device
            return VERSION_TEMPLATE.format(
                model=MODEL, serial=d.serial, mac=_mac(d.name), version=VERSION
            ).rstrip("\n")
        if what == "clock":
            return "Fri Nov 27 10:00:00 2026\nTimezone: UTC\nClock source: local"
        if what == "hostname":
            host = self.device.hostname
            return f"Hostname: {host}\nFQDN:     {host}.lab.netraven.test"
        if what == "ip" and len(args) >= 3 and _match(args[1], ("interface",)):
            return self._ip_brief()
        if what in ("running-config", "startup-config", "session-config"):
            if not self.privileged:
                return "% Invalid input (privileged mode required)"
            return self._show_config(what, args[1:], line)
        return self._invalid(line, len(line.split()[0]) + 1)

    def _show_config(self, what: str, rest: list[str], line: str) -> str:
        if what == "running-config":
            blocks = self.device.running
        elif what == "startup-config":
            blocks = self.device.startup
        else:
            if rest[:1] == ["named"] and len(rest) >= 2:
                name, rest = rest[1], rest[2:]
            elif self.config_session is not None:
                name = self.config_session
            else:
                return "% Not in a configuration session"
            if name not in self.device.config_sessions:
                return f"% Session {name} does not exist"
            blocks = self.device.config_sessions[name]
        if rest and _match(rest[0], ("interfaces",)):
            names = {f"interface {n}".lower() for n in rest[1:]}
            body = render([b for b in blocks if b.line.lower() in names])
            return body.removesuffix("end").rstrip("!\n")
        if rest:
            return self._invalid(line, len(line) - len(" ".join(rest)))
        return self.device.show_config(blocks, f"show {what}")

    def _ip_brief(self) -> str:
        """``show ip interface brief`` as EOS 4.2x lays it out."""
        rows = [
            "                                                                        Address",
            "Interface         IP Address          Status       Protocol         MTU    Owner",
            "----------------- ------------------- ------------ -------------- ------ -------",
        ]
        for block in self.device.running:
            if not block.line.startswith("interface "):
                continue
            address = next((c for c in block.children if c.startswith("ip address ")), None)
            ip = address.split()[2] if address else "unassigned"
            status = "disabled" if "shutdown" in block.children else "up"
            mtu = 65535 if block.line.startswith("interface Loopback") else 1500
            name = block.line[len("interface ") :]
            rows.append(f"{name:<17} {ip:<19} {status:<12} {status:<14} {mtu:<6}")
        return "\n".join(rows)

    # --- configuration mode -------------------------------------------------------
    def _config(self, line: str) -> str:
        first = line.split()[0]
        if _match(first, ("show",)) == "show":  # EOS runs show in any mode
            return self._exec(line)
        if _match(first, ("configure",)) == "configure":  # e.g. into a session from config
            self.config_block = None
            return self._configure(line.split(), line)
        if self.config_session is not None and line in ("commit", "abort"):
            name, self.config_session = self.config_session, None
            blocks = self.device.config_sessions.pop(name)
            if line == "commit":
                self.device.running = blocks
            self.in_config = False
            self.config_block = None
            return ""
        words = line.split()
        keyword = words[1] if words[0] in ("no", "default") and len(words) > 1 else words[0]
        if keyword not in KEYWORDS and line not in ("\x1a",):
            return self._invalid(line, line.index(keyword))
        output = super()._config(line)
        if not self.in_config:  # end / exit leave a session pending, as EOS does
            self.config_session = None
        return output


def _submode(line: str) -> str:
    """The prompt's mode for a configuration block: ``if-Et1``, ``router-bgp``, ``vlan-10``."""
    words = line.split()
    if words[0] == "interface" and len(words) > 1:
        name = words[1]
        for long, short in SHORT_NAMES:
            if name.startswith(long):
                return f"if-{short}{name[len(long) :]}"
        return f"if-{name}"
    if words[0] == "router" and len(words) > 1:
        return f"router-{words[1]}"
    if words[0] == "vlan" and len(words) > 1:
        return f"vlan-{words[1]}"
    if words[0] in ("ip", "ipv6") and len(words) > 2 and words[1] == "access-list":
        return f"acl-{words[-1]}"
    if words[0] == "management" and len(words) > 1:
        return (
            "mgmt-api-http-cmds" if words[1:3] == ["api", "http-commands"] else f"mgmt-{words[1]}"
        )
    return "-".join(words[:2])
