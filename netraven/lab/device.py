"""An IOS-like device: its configuration and the CLI state machine of one session.

Pure logic, no I/O: a session takes complete input lines and returns the text to
send back, so it can be unit-tested without SSH.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from netraven.lab.family import device_name as family_device_name

BLOCK_RE = re.compile(
    r"^(interface|router|line|vlan|ip access-list|ipv6 access-list|ip vrf|vrf definition|"
    r"route-map|policy-map|class-map|key chain|control-plane)\b"
)
SUBMODE = {
    "interface": "config-if",
    "router": "config-router",
    "line": "config-line",
    "vlan": "config-vlan",
    "ip access-list": "config-std-nacl",
}
# Child lines that IOS replaces instead of adding a second copy.
REPLACING = (
    "description ",
    "ip address ",
    "hostname ",
    "mtu ",
    "switchport access vlan ",
    "switchport mode ",
    "speed ",
    "duplex ",
    "router-id ",
)
INVALID = "% Invalid input detected at '^' marker."
# Global commands typed inside a sub-mode leave it, as the IOS parser falls back to its parent.
GLOBAL_RE = re.compile(
    r"^(hostname|ntp|snmp-server|logging (host|buffered|trap)|ip (route|domain|name-server|ssh)|"
    r"username|enable|aaa|service|banner|clock|vtp|spanning-tree mode|crypto|cdp run|lldp run)\b"
)


MODEL = "WS-C2960X-48FPD-L"
BANNER = (
    "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, "
    "RELEASE SOFTWARE (fc2)"
)
VERSION_TEMPLATE = """\
{banner}
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2021 by Cisco Systems, Inc.
Compiled Fri 12-Mar-21 02:53 by prod_rel_team

ROM: Bootstrap program is C2960X boot loader
BOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M) Version 15.2(7r)E1, RELEASE SOFTWARE (fc1)

{hostname} uptime is 4 weeks, 2 days, 3 hours, 7 minutes
System returned to ROM by power-on
System restarted at 06:53:11 UTC Thu Oct 29 2026
System image file is "flash:c2960x-universalk9-mz.152-7.E4.bin"



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.

License Level: lanbase
License Type: Permanent
Next reload license Level: lanbase

cisco {model} (APM86XXX) processor (revision B0) with 524288K bytes of memory.
Processor board ID {serial}
Last reset from power-on
1 Virtual Ethernet interface
1 FastEthernet interface
52 Gigabit Ethernet interfaces
2 Ten Gigabit Ethernet interfaces
The password-recovery mechanism is enabled.

512K bytes of flash-simulated non-volatile configuration memory.
Base ethernet MAC Address       : {mac}
Motherboard assembly number     : 73-15425-08
Power supply part number        : 341-0528-03
Motherboard serial number       : {serial}
Model revision number           : B0
Motherboard revision number     : A0
Model number                    : {model}
System serial number            : {serial}
Top Assembly Part Number        : 68-4787-02
Top Assembly Revision Number    : A0
Version ID                      : V02
CLEI Code Number                : CMM1T00ARC
Hardware Board Revision Number  : 0x01


Switch Ports Model                     SW Version            SW Image
------ ----- -----                     ----------            ----------
*    1 54    {model:<25} 15.2(7)E4             C2960X-UNIVERSALK9-M


Configuration register is 0xF"""


def _base_mac(name: str) -> str:
    """A stable MAC address per device (Cisco's 00:1e:7a prefix), for ``show version``."""
    low = hashlib.sha256(name.encode()).digest()[:3]
    return "00:1e:7a:" + ":".join(f"{b:02x}" for b in low)


def device_name(index: int) -> str:
    return family_device_name(index, "ios")


@dataclass
class Block:
    line: str
    children: list[str] = field(default_factory=list)


def bulk_config(lines: int) -> list[Block]:
    """About ``lines`` more lines of running config (each ``!`` counted), for big-config tests.

    VLANs 100-3999 first, then as many loopback interfaces as it takes: the shapes a
    large real switch config is made of, so block-aware diffs have real work to do.
    """
    blocks: list[Block] = []
    remaining = lines
    for vlan in range(100, 4000):
        if remaining <= 0:
            return blocks
        blocks.append(Block(f"vlan {vlan}", [f"name BULK_{vlan}"]))
        remaining -= 3
    loopback = 1000
    while remaining > 0:
        ip = f"10.{100 + loopback // 65536 % 100}.{loopback // 256 % 256}.{loopback % 256}"
        blocks.append(
            Block(
                f"interface Loopback{loopback}",
                [f"description bulk loopback {loopback}", f"ip address {ip} 255.255.255.255"],
            )
        )
        remaining -= 4
        loopback += 1
    return blocks


def seed_config(name: str, secret_hash: str, community: str, extra_lines: int = 0) -> list[Block]:
    """A plausible access-switch configuration, the same shape on every lab device.

    ``extra_lines`` adds :func:`bulk_config` before the ``line`` blocks.
    """
    blocks = [
        Block("version 15.2"),
        Block("service timestamps debug datetime msec"),
        Block("service password-encryption"),
        Block(f"hostname {name}"),
        Block(f"enable secret 5 {secret_hash}"),
        Block(f"username admin privilege 15 secret 5 {secret_hash}"),
        Block("aaa new-model"),
        Block("ip domain-name lab.netraven.test"),
        Block("vlan 10", ["name USERS"]),
        Block("vlan 20", ["name VOICE"]),
    ]
    for port in range(1, 9):
        blocks.append(
            Block(
                f"interface GigabitEthernet1/0/{port}",
                [
                    f"description access port {port}",
                    "switchport access vlan 10",
                    "switchport mode access",
                    "spanning-tree portfast",
                ],
            )
        )
    blocks += [
        Block("interface Vlan1", ["ip address 10.0.0.1 255.255.255.0"]),
        Block("router ospf 1", ["router-id 10.0.0.1", "network 10.0.0.0 0.0.0.255 area 0"]),
        Block(f"snmp-server community {community} RO"),
        Block("logging host 10.0.0.250"),
        *bulk_config(extra_lines),
        Block("line con 0", ["logging synchronous"]),
        Block("line vty 0 4", ["transport input ssh"]),
    ]
    return blocks


@dataclass
class Device:
    """One simulated switch: identity, credentials and configuration."""

    name: str
    enable_secret: str
    serial: str
    running: list[Block]
    startup: list[Block] = field(default_factory=list)
    rejected_config: list[str] = field(default_factory=list)
    on_command: Callable[[str, str, str], None] = lambda device, mode, command: None
    family: str = "ios"

    @property
    def hostname(self) -> str:
        for block in self.running:
            if block.line.startswith("hostname "):
                return block.line.split(None, 1)[1]
        return self.name

    def render(self, blocks: list[Block] | None = None) -> str:
        lines: list[str] = []
        for block in self.running if blocks is None else blocks:
            lines.append(block.line)
            lines.extend(f" {child}" for child in block.children)
            lines.append("!")
        return "\n".join(lines + ["end"])

    def saved_copy(self) -> list[Block]:
        """The running config as ``write memory`` stores it: a copy no later push touches."""
        return [Block(b.line, list(b.children)) for b in self.running]

    def find(self, line: str) -> Block | None:
        return next((b for b in self.running if b.line == line), None)

    def session(self, username: str) -> Session:
        return Session(self)

    def tick(self, now: float | None = None) -> None:
        """Nothing happens on an IOS-like device by itself."""


class Session:
    """The CLI of one login session: exec, privileged exec and configuration modes."""

    # Lines that open a configuration block, and global lines that leave one.
    block_re = BLOCK_RE
    global_re = GLOBAL_RE

    def __init__(self, device: Device) -> None:
        self.device = device
        self.privileged = False
        self.config_block: Block | None = None
        self.config_kind: str | None = None
        self.in_config = False
        self.awaiting_password = False
        self.closed = False

    def logout(self) -> None:
        """Nothing to release: IOS configuration mode holds no lock."""

    # --- prompts -----------------------------------------------------------------
    @property
    def prompt(self) -> str:
        host = self.device.hostname
        if self.awaiting_password:
            return "Password: "
        if self.in_config:
            mode = (
                SUBMODE.get(self.config_kind or "", "config-x") if self.config_block else "config"
            )
            return f"{host}({mode})#"
        return f"{host}{'#' if self.privileged else '>'}"

    @property
    def mode(self) -> str:
        if self.in_config:
            return "config"
        return "privileged" if self.privileged else "exec"

    # --- input -------------------------------------------------------------------
    def handle(self, line: str) -> str:
        """Run one input line and return its output (without the trailing prompt)."""
        if self.awaiting_password:
            self.awaiting_password = False
            self.device.on_command(self.device.name, "password", "********")
            if line == self.device.enable_secret:
                self.privileged = True
                return ""
            return "% Access denied"
        line = line.strip()
        if not line:
            return ""
        self.device.on_command(self.device.name, self.mode, line)
        if self.in_config:
            if line.startswith("do "):
                return self._exec(line[3:].strip())
            return self._config(line)
        return self._exec(line)

    def _invalid(self, line: str, position: int = 0) -> str:
        return " " * (len(self.prompt) + position) + "^\n" + INVALID

    # --- exec modes ----------------------------------------------------------------
    def _exec(self, line: str) -> str:
        command, _, pipe = line.partition("|")
        words = command.split()
        verb = _match(
            words[0],
            (
                "enable",
                "disable",
                "show",
                "terminal",
                "configure",
                "write",
                "copy",
                "exit",
                "logout",
                "quit",
                "ping",
            ),
        )
        if verb is None:
            return self._invalid(line)
        if verb == "enable":
            if not self.privileged:
                self.awaiting_password = True
            return ""
        if verb == "disable":
            self.privileged = False
            return ""
        if verb in ("exit", "logout", "quit"):
            self.closed = True
            return ""
        if verb == "terminal":
            if len(words) >= 2 and _match(words[1], ("length", "width", "monitor", "no")):
                return ""
            return self._invalid(line, len(words[0]) + 1)
        if verb == "show":
            output = self._show(words[1:], line)
            return _pipe(output, pipe.strip()) if pipe else output
        if not self.privileged:
            return self._invalid(line)
        if verb == "configure":
            if len(words) == 1 or _match(words[1], ("terminal",)):
                self.in_config = True
                return "Enter configuration commands, one per line.  End with CNTL/Z."
            return self._invalid(line, len(words[0]) + 1)
        if verb in ("write", "copy"):
            self.device.startup = self.device.saved_copy()
            return "Building configuration...\n[OK]"
        return "Type escape sequence to abort.\n!!!!!\nSuccess rate is 100 percent (5/5)"

    def _show(self, args: list[str], line: str) -> str:
        if not args:
            return self._invalid(line, len(line))
        what = _match(args[0], ("version", "running-config", "startup-config", "ip", "clock"))
        if what == "version":
            return self._version()
        if what == "clock":
            return "*10:00:00.000 UTC Thu Nov 26 2026"
        if what == "ip" and len(args) >= 3 and _match(args[1], ("interface",)):
            return self._ip_brief()
        if what in ("running-config", "startup-config") and self.privileged:
            blocks = self.device.running if what == "running-config" else self.device.startup
            if len(args) >= 3 and _match(args[1], ("interface",)):
                name = " ".join(args[2:])
                found = [b for b in blocks if b.line.lower() == f"interface {name}".lower()]
                if not found:
                    return self._invalid(line, len(line) - len(name))
                return _show_config(self.device.render(found))
            return _show_config(self.device.render(blocks))
        return self._invalid(line, len(line.split()[0]) + 1)

    def _version(self) -> str:
        """A Catalyst 2960-X on IOS 15.2(7)E4, line for line as the real switch prints it.

        Shaped after real 2960-X output (and ntc-templates' cisco_ios fixtures), so that
        ``cisco_ios_show_version.textfsm`` finds hostname, version, uptime, image,
        hardware, serial, MAC address and configuration register where a device has them.
        """
        d = self.device
        return VERSION_TEMPLATE.format(
            banner=BANNER, hostname=d.hostname, serial=d.serial, mac=_base_mac(d.name), model=MODEL
        )

    def _ip_brief(self) -> str:
        """``show ip interface brief`` over the interfaces of the running config.

        Columns as IOS prints them; a name longer than its column pushes the row right
        with one space, as IOS does. ``Method`` is NVRAM for an address the startup config
        had, manual for one set since, unset without an address.
        """
        startup = {b.line: b.children for b in self.device.startup}
        rows = ["Interface              IP-Address      OK? Method Status                Protocol"]
        for block in self.device.running:
            if not block.line.startswith("interface "):
                continue
            address = next((c for c in block.children if c.startswith("ip address ")), None)
            if address is None:
                ip, method = "unassigned", "unset"
            else:
                saved = address in startup.get(block.line, [])
                ip, method = address.split()[2], "NVRAM" if saved else "manual"
            status = "administratively down" if "shutdown" in block.children else "up"
            proto = "up" if status == "up" else "down"
            name = block.line[len("interface ") :]
            rows.append(f"{name:<22} {ip:<15} YES {method:<6} {status:<21} {proto}")
        return "\n".join(rows)

    # --- configuration mode -------------------------------------------------------
    @property
    def target(self) -> list[Block]:
        """The configuration that configuration-mode lines change: the running config here."""
        return self.device.running

    @target.setter
    def target(self, blocks: list[Block]) -> None:
        self.device.running = blocks

    def _config(self, line: str) -> str:
        if line in ("end", "\x1a"):
            self.in_config = False
            self.config_block = None
            return ""
        if line == "exit":
            if self.config_block is not None:
                self.config_block = None
            else:
                self.in_config = False
            return ""
        if self._refused(line):
            return self._invalid(line)
        negate = line.startswith("no ")
        body = line[3:].strip() if negate else line
        block_match = self.block_re.match(body)
        if block_match:
            return self._enter_or_remove_block(body, block_match.group(1), negate)
        if self.config_block is not None and self.global_re.match(body):
            self.config_block = None
        if self.config_block is not None:
            _apply(self.config_block.children, body, negate)
            return ""
        top = [b.line for b in self.target if not b.children]
        if negate:
            self.target = [b for b in self.target if b.children or not _matches(b.line, body)]
        elif body not in top:
            replaced = _replace_index(top, body)
            if replaced is not None:
                for b in self.target:
                    if b.line == top[replaced]:
                        b.line = body
                        break
            else:
                self._insert_top(Block(body))
        return ""

    def _refused(self, line: str) -> bool:
        """The ``reject-config`` fault: refused as it is typed (IOS-XR refuses at commit)."""
        return any(line == r or line.startswith(r + " ") for r in self.device.rejected_config)

    def _enter_or_remove_block(self, body: str, kind: str, negate: bool) -> str:
        if negate:
            self.target = [b for b in self.target if not _matches(b.line, body)]
            self.config_block = None
            return ""
        block = next((b for b in self.target if b.line == body), None)
        if block is None:
            block = Block(body)
            self._insert_top(block)
        self.config_block = block
        self.config_kind = kind
        return ""

    def _insert_top(self, block: Block) -> None:
        # Keep "line" blocks last, as IOS does, so new global lines land before them.
        # They are only ever inserted here, so they form a run at the end: scan it from the
        # back, which keeps a push into a 20,000-line config cheap.
        running = self.target
        index = len(running)
        while index and running[index - 1].line.startswith("line "):
            index -= 1
        running.insert(index, block)


def _show_config(body: str) -> str:
    return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n!\n{body}"


def _match(word: str, choices: tuple[str, ...]) -> str | None:
    """IOS-style unique-prefix matching of one command word."""
    word = word.lower()
    if word in choices:
        return word
    hits = [c for c in choices if c.startswith(word)]
    return hits[0] if len(hits) == 1 or (hits and word in ("sh", "conf", "wr", "en")) else None


def _matches(line: str, target: str) -> bool:
    return line == target or line.startswith(target + " ")


def _replace_index(lines: list[str], new: str) -> int | None:
    for prefix in REPLACING:
        if new.startswith(prefix):
            return next((i for i, old in enumerate(lines) if old.startswith(prefix)), None)
    return None


def _apply(children: list[str], body: str, negate: bool) -> None:
    if negate:
        children[:] = [c for c in children if not _matches(c, body)]
        return
    if body == "shutdown" or body in children:
        if body not in children:
            children.append(body)
        return
    index = _replace_index(children, body)
    if index is not None:
        children[index] = body
    else:
        children.append(body)


def _pipe(output: str, pipe: str) -> str:
    verb, _, pattern = pipe.partition(" ")
    kind = _match(verb, ("include", "exclude", "begin", "section"))
    pattern = pattern.strip()
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = output.split("\n")
    if kind == "include":
        return "\n".join(line for line in lines if regex.search(line))
    if kind == "exclude":
        return "\n".join(line for line in lines if not regex.search(line))
    if kind == "begin":
        start = next((i for i, line in enumerate(lines) if regex.search(line)), len(lines))
        return "\n".join(lines[start:])
    if kind == "section":
        out: list[str] = []
        keep = False
        for line in lines:
            if not line.startswith(" "):
                keep = bool(regex.search(line))
            if keep:
                out.append(line)
        return "\n".join(out)
    return INVALID
