"""An NX-OS-like device (Cisco Nexus 9300): its configuration and the CLI of one session.

Pure logic, no I/O. NX-OS keeps IOS's command structure (modes, ``interface`` blocks,
``no`` to negate) and applies each line to the running configuration at once, like the
IOS-like device this extends. What differs is what drivers and parsers notice, and what
this module reproduces: a login lands straight in ``host#`` (role network-admin), two-space
indentation and blank lines between sections instead of ``!``, the ``!Command:`` /
``!Running configuration last done at:`` / ``!Time:`` header and the ``version 9.3(8)
Bios:version`` line of ``show running-config``, ``% Invalid command at '^' marker.``
errors, the progress bar of ``copy running-config startup-config`` (NX-OS has no ``write
memory``), and interfaces named ``Ethernet1/N`` and ``mgmt0``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from netraven.lab.device import Block, Device, Session, _match, _pipe
from netraven.lab.family import device_name

__all__ = ["NxosDevice", "NxosSession", "new_device", "nxos_seed_config"]

VERSION = "9.3(8)"
MODEL = "C93180YC-FX"
PORTS = 8
INVALID = "% Invalid command at '^' marker."
SECRET_HASH = "$5$NXLAB$Hq2c0q7bV3m9yJp5tZ1dK8sR4fW6uE0aN2gC7xL3oB1"
BLOCK_RE = re.compile(
    r"^(interface|router|line|vlan|vrf context|ip access-list|ipv6 access-list|route-map|"
    r"policy-map|class-map|role name|key chain|ip prefix-list \S+$)\b"
)
GLOBAL_RE = re.compile(
    r"^(hostname|ntp|snmp-server|logging (server|logfile|timestamp)|ip (route|domain|"
    r"name-server)|username|feature|aaa|banner|clock|spanning-tree mode|cdp enable|"
    r"lldp|boot|system)\b"
)
SUBMODE = {
    "interface": "config-if",
    "router": "config-router",
    "line": "config-line",
    "vlan": "config-vlan",
    "vrf context": "config-vrf",
    "ip access-list": "config-acl",
    "route-map": "config-route-map",
    "role name": "config-role",
}


# First words NX-OS's configuration modes take (after ``no``/``default``): any other is
# ``% Invalid command``, as on a real switch. Generous, not the full NX-OS grammar.
def _words(text: str) -> list[str]:
    return text.split()


KEYWORDS = frozenset(
    _words(
        """
        aaa banner boot cdp channel-group class-map clock copp description duplex end exit
        feature hardware hostname interface ip ipv6 lacp line lldp logging mac mtu name
        ntp policy-map port-channel power role route-map router router-id rule service
        shutdown snmp-server spanning-tree speed switchport system username vlan vpc vrf
        area network log-adjacency-changes passive-interface redistribute maximum-paths
        address-family neighbor remote-as session-limit exec-timeout permit deny remark
        statistics match set bfd errdisable no default
        """
    )
)
VERSION_TEMPLATE = """\
Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2021, Cisco and/or its affiliates.
All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under their own
licenses, such as open source.  This software is provided "as is," and unless
otherwise stated, there is no warranty, express or implied, including but not
limited to warranties of merchantability and fitness for a particular purpose.
Certain components of this software are licensed under
the GNU General Public License (GPL) version 2.0 or
GNU General Public License (GPL) version 3.0  or the GNU
Lesser General Public License (LGPL) Version 2.1 or
Lesser General Public License (LGPL) Version 2.0.
A copy of each such license is available at
http://www.opensource.org/licenses/gpl-2.0.php and
http://opensource.org/licenses/gpl-3.0.html and
http://www.opensource.org/licenses/lgpl-2.1.php and
http://www.gnu.org/licenses/old-licenses/library.txt.

Software
  BIOS: version 05.45
 NXOS: version {version}
  BIOS compile time:  12/03/2020
  NXOS image file is: bootflash:///nxos.{version_file}.bin
  NXOS compile time:  8/18/2021 16:00:00 [08/19/2021 02:55:15]


Hardware
  cisco Nexus9000 {model} Chassis
  Intel(R) Xeon(R) CPU D-1528 @ 1.90GHz with 24569968 kB of memory.
  Processor Board ID {serial}

  Device name: {hostname}
  bootflash:  115805708 kB
Kernel uptime is 28 day(s), 3 hour(s), 7 minute(s), 12 second(s)

Last reset at 183017 usecs after Thu Oct 29 06:53:11 2026
  Reason: Reset Requested by CLI command reload
  System version: {version}
  Service:

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):
"""


def _mac(name: str) -> str:
    low = hashlib.sha256(name.encode()).digest()[:3].hex()
    return f"00:3a:9c:{low[:2]}:{low[2:4]}:{low[4:]}"


def nxos_seed_config(name: str, index: int, community: str) -> list[Block]:
    """A leaf switch's configuration, the same shape on every NX-OS-like device."""
    octet = f"{index // 256}.{index % 256}"
    blocks = [
        Block(f"version {VERSION} Bios:version"),
        Block(f"hostname {name}"),
        Block("vdc " + name + " id 1", ["limit-resource vlan minimum 16 maximum 4094"]),
        Block("feature ospf"),
        Block("feature interface-vlan"),
        Block("feature lldp"),
        Block(f"username admin password 5 {SECRET_HASH}  role network-admin"),
        Block("ip domain-lookup"),
        Block("ip domain-name lab.netraven.test"),
        Block(f"snmp-server community {community} group network-operator"),
        Block("ntp server 10.0.0.123 use-vrf management"),
        Block("logging server 10.0.0.250 5 use-vrf management"),
        Block("vlan 1,10,20"),
        Block("vlan 10", ["name USERS"]),
        Block("vlan 20", ["name VOICE"]),
        Block("vrf context management", ["ip route 0.0.0.0/0 10.0.0.254"]),
    ]
    for port in range(1, PORTS + 1):
        blocks.append(
            Block(
                f"interface Ethernet1/{port}",
                [f"description access port {port}", "switchport access vlan 10"],
            )
        )
    blocks += [
        Block("interface loopback0", [f"ip address 10.255.{octet}/32"]),
        Block("interface mgmt0", ["vrf member management", f"ip address 10.0.{octet}/16"]),
        Block("line console"),
        Block("line vty"),
        Block("router ospf 1", ["router-id 10.0.0.1"]),
    ]
    return blocks


def render(blocks: list[Block]) -> str:
    """Blocks as NX-OS prints them: children indented two spaces, a blank line before a
    block that follows a single line (NX-OS has no ``!`` separators)."""
    lines: list[str] = []
    previous_single = False
    for block in blocks:
        if block.children and previous_single:
            lines.append("")
        lines.append(block.line)
        lines.extend(f"  {child}" for child in block.children)
        if block.children:
            lines.append("")
        previous_single = not block.children
    return "\n".join(lines).rstrip("\n")


@dataclass
class NxosDevice(Device):
    """One NX-OS-like switch: the IOS-like device's state plus when it was last changed."""

    index: int = 0
    family: str = "nxos"
    clock: Callable[[], float] = time.time
    changed_at: float = 0.0
    saved_at: float = 0.0

    def session(self, username: str) -> NxosSession:
        return NxosSession(self, username)

    def show_config(self, blocks: list[Block], command: str, user: str) -> str:
        changed = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(self.changed_at))
        now = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(self.clock()))
        header = ["", f"!Command: {command}"]
        if blocks is self.startup:
            header.append(f"!Startup config saved at: {changed}")
        else:
            header.append(f"!Running configuration last done at: {changed}")
        header += [f"!Time: {now}", ""]
        return "\n".join(header) + "\n" + render(blocks) + "\n"


def new_device(
    index: int, secret: str, community: str, clock: Callable[[], float] = time.time
) -> NxosDevice:
    name = device_name(index, "nxos")
    booted = clock() - 28 * 86400
    device = NxosDevice(
        name=name,
        enable_secret=secret,
        serial=f"FDO{23300000 + index:08d}",
        running=nxos_seed_config(name, index, community),
        index=index,
        clock=clock,
        changed_at=booted,
        saved_at=booted,
    )
    device.startup = device.saved_copy()
    return device


class NxosSession(Session):
    """The NX-OS CLI of one login: privileged exec (a network-admin lands there) and
    configuration mode, where every line takes effect at once."""

    block_re = BLOCK_RE
    global_re = GLOBAL_RE
    device: NxosDevice

    def __init__(self, device: NxosDevice, username: str) -> None:
        super().__init__(device)
        self.privileged = True  # role network-admin: no enable on NX-OS
        self.username = username

    @property
    def prompt(self) -> str:
        if self.awaiting_password:
            return "Password: "
        host = self.device.hostname
        if not self.in_config:
            return f"{host}#"
        if self.config_block is None:
            return f"{host}(config)#"
        return f"{host}({SUBMODE.get(self.config_kind or '', 'config-x')})#"

    def _invalid(self, line: str, position: int = 0) -> str:
        return " " * (len(self.prompt) + position) + "^\n" + INVALID

    # --- exec --------------------------------------------------------------------
    def _exec(self, line: str) -> str:
        command, _, pipe = line.partition("|")
        words = command.split()
        verbs = ("show", "terminal", "configure", "copy", "exit", "end", "enable", "ping")
        verb = _match(words[0], (*verbs, "logout", "quit"))
        if verb is None:
            return self._invalid(line)
        if verb in ("exit", "logout", "quit"):
            self.closed = True
            return ""
        if verb in ("end", "enable"):  # already there: NX-OS says nothing
            return ""
        if verb == "terminal":
            what = _match(words[1], ("length", "width", "monitor")) if len(words) > 1 else None
            if what is None:
                return self._invalid(line, len(words[0]) + 1)
            if what != "monitor" and (len(words) != 3 or not words[2].isdigit()):
                return self._invalid(line, len(" ".join(words[:2])) + 1)
            return ""
        if verb == "show":
            output = self._show(words[1:], command.strip())
            if pipe and not output.startswith(("%", " ")):
                return _pipe(output, pipe.strip())
            return output
        if verb == "configure":
            if len(words) == 1 or (len(words) == 2 and _match(words[1], ("terminal",))):
                self.in_config = True
                return "Enter configuration commands, one per line. End with CNTL/Z."
            return self._invalid(line, len(words[0]) + 1)
        if verb == "copy":
            if (
                len(words) == 3
                and _match(words[1], ("running-config",))
                and _match(words[2], ("startup-config",))
            ):
                return self._save()
            return self._invalid(line, len(words[0]) + 1)
        return (
            "PING 10.0.0.254 (10.0.0.254): 56 data bytes\n"
            "64 bytes from 10.0.0.254: icmp_seq=0 ttl=254 time=0.6 ms"
        )

    def _save(self) -> str:
        self.device.startup = self.device.saved_copy()
        self.device.saved_at = self.device.clock()
        return "[########################################] 100%\nCopy complete."

    def _show(self, args: list[str], line: str) -> str:
        if not args:
            return self._invalid(line, len(line))
        what = _match(
            args[0],
            ("version", "running-config", "startup-config", "ip", "clock", "hostname"),
        )
        if what == "version":
            d = self.device
            return VERSION_TEMPLATE.format(
                version=VERSION,
                version_file=VERSION.replace("(", ".").replace(")", ""),
                model=MODEL,
                serial=d.serial,
                hostname=d.hostname,
            ).rstrip("\n")
        if what == "clock":
            return time.strftime("%H:%M:%S.000 UTC %a %b %d %Y", time.gmtime(self.device.clock()))
        if what == "hostname":
            return f"{self.device.hostname}.lab.netraven.test"
        if what == "ip" and len(args) >= 3 and _match(args[1], ("interface",)):
            return self._ip_brief()
        if what in ("running-config", "startup-config"):
            return self._show_config(what, args[1:], line)
        return self._invalid(line, len(line.split()[0]) + 1)

    def _show_config(self, what: str, rest: list[str], line: str) -> str:
        d = self.device
        blocks = d.running if what == "running-config" else d.startup
        if rest and _match(rest[0], ("interface",)):
            names = {f"interface {n}".lower() for n in rest[1:]}
            found = [b for b in blocks if b.line.lower() in names]
            if not found:
                return self._invalid(line, len(line) - len(" ".join(rest[1:])))
            return d.show_config(found, f"show {what} {' '.join(rest)}", self.username)
        if rest:
            return self._invalid(line, len(line) - len(" ".join(rest)))
        return d.show_config(blocks, f"show {what}", self.username)

    def _ip_brief(self) -> str:
        """``show ip interface brief`` as NX-OS 9.3 lays it out (VRF default only)."""
        rows = [
            'IP Interface Status for VRF "default"(1)',
            "Interface            IP Address      Interface Status",
        ]
        for block in self.device.running:
            if not block.line.startswith("interface ") or block.line.endswith("mgmt0"):
                continue
            address = next((c for c in block.children if c.startswith("ip address ")), None)
            if address is None:
                continue
            status = (
                "admin-down" if "shutdown" in block.children else "protocol-up/link-up/admin-up"
            )
            name = block.line[len("interface ") :].replace("loopback", "Lo").replace("Vlan", "Vlan")
            rows.append(f"{name:<20} {address.split()[2].split('/')[0]:<15} {status}")
        return "\n".join(rows)

    # --- configuration --------------------------------------------------------------
    def _config(self, line: str) -> str:
        words = line.split()
        first = _match(words[0], ("show", "copy", "where"))
        if first in ("show", "copy"):  # NX-OS runs exec commands in any mode
            return self._exec(line)
        if first == "where":
            return f"  conf; {self.config_block.line}" if self.config_block else "  conf"
        keyword = words[1] if words[0] in ("no", "default") and len(words) > 1 else words[0]
        if keyword not in KEYWORDS and line != "\x1a":
            return self._invalid(line, line.index(keyword))
        before = [(b.line, tuple(b.children)) for b in self.device.running]
        output = super()._config(line)
        if output:
            return output
        if [(b.line, tuple(b.children)) for b in self.device.running] != before:
            self.device.changed_at = self.device.clock()
        return ""
