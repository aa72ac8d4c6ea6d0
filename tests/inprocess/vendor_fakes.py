"""Junos-, IOS-XR- and EOS-like fake devices for the in-process tier.

They answer with the text real devices print (transcripts in the comments), keep a
candidate next to the active configuration where the real OS does, and a history of
commits for ``rollback``. The connection behaves as NetRaven's scrapli connection does
(one configuration session per ``send_config``, a trailing commit only after every line
was accepted, the candidate discarded on a rejection), and judges every answer with the
platform profile's own error patterns, so the profiles are tested against device text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netraven.connections.base import Connection, ConnectionRegistry, HostParams
from netraven.errors import TaskFailed
from netraven.platforms import PlatformProfile, profile_for

JUNOS_STAMP = "## Last commit: 2026-11-27 23:00:01 UTC by admin"
XR_STAMP = "Fri Nov 27 23:10:05.123 UTC"
# Junos replaces these leaves when set again (the last value wins).
_JUNOS_LEAF = re.compile(r"^(set (?:\S+ )*?(?:description|host-name|mtu)) ")


@dataclass
class JunosDevice:
    """The committed configuration as ``set`` lines, a shared candidate, rollback history."""

    name: str
    active: list[str] = field(default_factory=list)
    candidate: list[str] | None = None
    history: list[list[str]] = field(default_factory=list)  # [0] is the active config
    pending: int | None = None  # minutes of an unconfirmed commit confirmed
    reject: set[str] = field(default_factory=set)  # lines answered "syntax error."
    ignore: set[str] = field(default_factory=set)  # lines accepted but never committed
    fail_commit: bool = False
    commands: list[str] = field(default_factory=list)  # operational mode
    config_lines: list[str] = field(default_factory=list)  # configuration mode

    def __post_init__(self) -> None:
        self.active = [f"set system host-name {self.name}", *self.active]
        self.history = [list(self.active)]

    def op(self, command: str) -> str:
        self.commands.append(command)
        if command == "show configuration | display set":
            return "\n".join([JUNOS_STAMP, *self.active])
        if command == "show version":
            return f"Hostname: {self.name}\nModel: vmx\nJunos: 22.4R1.10"
        # user@r1> show foo
        #                ^
        # syntax error, expecting <command>.
        return "               ^\nsyntax error, expecting <command>."

    def config(self, line: str) -> str:
        self.config_lines.append(line)
        if self.candidate is None:
            self.candidate = list(self.active)
        text = " ".join(line.split())
        if text in self.reject:
            return f"{text}\n    ^\nsyntax error."
        if text.startswith("set "):
            if text in self.ignore:
                return ""
            leaf = _JUNOS_LEAF.match(text)
            if leaf is not None:
                self.candidate = [c for c in self.candidate if not c.startswith(leaf.group(1))]
            if text not in self.candidate:
                self.candidate.append(text)
            return ""
        if text.startswith("delete "):
            target = "set " + text.removeprefix("delete ")
            kept = [c for c in self.candidate if c != target and not c.startswith(target + " ")]
            if kept == self.candidate:
                return "warning: statement not found"
            self.candidate = kept
            return ""
        if text == "show | compare":
            gone = [f"- {c}" for c in self.active if c not in self.candidate]
            new = [f"+ {c}" for c in self.candidate if c not in self.active]
            return "\n".join(["[edit]", *gone, *new]) if gone or new else ""
        if text == "commit" or text.startswith("commit confirmed "):
            return self._commit(text)
        rollback = re.fullmatch(r"rollback (\d+)", text)
        if rollback:
            number = int(rollback.group(1))
            if number >= len(self.history):
                return f"error: Cannot open configuration file: juniper.conf.{number}.gz"
            self.candidate = list(self.history[number])
            return "load complete"
        return f"{text}\n^\nunknown command."

    def _commit(self, text: str) -> str:
        if self.fail_commit:
            return "error: configuration check-out failed"
        assert self.candidate is not None
        self.active, self.candidate = list(self.candidate), None
        self.history.insert(0, list(self.active))
        if text == "commit":
            self.pending = None
            return "commit complete"
        self.pending = int(text.split()[-1])
        return (
            f"commit confirmed will be automatically rolled back in {self.pending} minutes "
            f"unless confirmed\ncommit complete\n\n# commit confirmed will be rolled back in "
            f"{self.pending} minutes"
        )

    def discard(self) -> None:
        """``rollback 0`` in configuration mode: the candidate is the active config again."""
        self.config_lines.append("rollback 0")
        self.candidate = None

    def exec_rollback(self, command: str) -> str:  # no exec-mode rollback on Junos
        return self.op(command)


@dataclass
class XrDevice:
    """IOS-XR: an indented running config; each config session has its own target config."""

    name: str
    active: dict[str, list[str]] = field(default_factory=dict)
    history: list[dict[str, list[str]]] = field(default_factory=list)
    target: dict[str, list[str]] | None = None
    _parent: str | None = None
    reject: set[str] = field(default_factory=set)
    commands: list[str] = field(default_factory=list)
    config_lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.active = {f"hostname {self.name}": [], **self.active}
        self.history = [_copy(self.active)]

    def running(self) -> str:
        lines = [XR_STAMP, "Building configuration...", "!! IOS XR Configuration 7.9.2"]
        lines.append("!! Last configuration change at Fri Nov 27 23:00:00 2026 by admin")
        for top, children in self.active.items():
            lines += [top, *(f" {c}" for c in children), "!"]
        return "\n".join([*lines, "end"])

    def op(self, command: str) -> str:
        self.commands.append(command)
        if command == "show running-config":
            return self.running()
        match = re.fullmatch(r"rollback configuration last (\d+)", command)
        if match:
            number = int(match.group(1))
            self.active = _copy(self.history[number])
            self.history.insert(0, _copy(self.active))
            return (
                f"{XR_STAMP}\nLoading Rollback Changes.\nLoaded Rollback Changes in 1 sec\n"
                f"Committing.\n1 items committed in 1 sec (0)items/sec\nUpdating.\n"
                f"Updated Commit database in 1 sec\n"
                f"Configuration successfully rolled back {number} commits."
            )
        return f"{XR_STAMP}\n       ^\n% Invalid input detected at '^' marker."

    def config(self, line: str) -> str:
        self.config_lines.append(line)
        if self.target is None:
            self.target, self._parent = _copy(self.active), None
        body = line.strip()
        if body in self.reject:
            return f"{body}\n  ^\n% Invalid input detected at '^' marker."
        if body == "show commit changes diff":
            return f"{XR_STAMP}\nBuilding configuration...\n!! IOS XR Configuration 7.9.2"
        if body == "commit" or body.startswith("commit confirmed "):
            if self.target == self.active:
                self.target = None
                return f"{XR_STAMP}\n% No configuration changes to commit."
            self.active, self.target = self.target, None
            self.history.insert(0, _copy(self.active))
            return XR_STAMP
        if body in ("exit", "root"):
            self._parent = None
        elif line[:1].isspace() and self._parent is not None:
            children = self.target.setdefault(self._parent, [])
            if body.startswith("no "):
                children[:] = [c for c in children if not c.startswith(body[3:])]
            elif body not in children:
                if body.startswith("description "):  # the last value wins
                    children[:] = [c for c in children if not c.startswith("description ")]
                children.append(body)
        elif body.startswith("no "):
            for key in [k for k in self.target if k.startswith(body[3:])]:
                del self.target[key]
        else:
            self.target.setdefault(body, [])
            self._parent = body
        return ""

    def discard(self) -> None:
        self.config_lines.append("abort")
        self.target = None


def _copy(config: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: list(children) for key, children in config.items()}


@dataclass
class EosDevice:
    """EOS: IOS-like lines under a ``! Command:``/``! device:`` header, saved by ``write``."""

    name: str
    lines: dict[str, list[str]] = field(default_factory=dict)
    startup: str = ""
    commands: list[str] = field(default_factory=list)
    config_lines: list[str] = field(default_factory=list)
    _parent: str | None = None

    def running(self) -> str:
        lines = [
            "! Command: show running-config",
            f"! device: {self.name} (DCS-7050TX-64, EOS-4.30.1F)",
            "!",
            f"hostname {self.name}",
            "!",
        ]
        for top, children in self.lines.items():
            lines += [top, *(f"   {c}" for c in children), "!"]
        return "\n".join([*lines, "end"])

    def op(self, command: str) -> str:
        self.commands.append(command)
        if command == "show running-config":
            return self.running()
        if command == "show startup-config":
            return self.startup
        if command == "write memory":
            self.startup = self.running().replace("! Command: show running-config", "! Startup")
            return "Copy completed successfully."
        return "% Invalid input (at token 1: 'x')"

    def config(self, line: str) -> str:
        self.config_lines.append(line)
        body = line.strip()
        if body == "exit":
            self._parent = None
        elif line[:1].isspace() and self._parent is not None:
            children = self.lines.setdefault(self._parent, [])
            if body not in children:
                children.append(body)
        elif body.startswith("no "):
            self.lines.pop(body[3:], None)
        else:
            self.lines.setdefault(body, [])
            self._parent = body
        return ""

    def discard(self) -> None:
        pass


Device = JunosDevice | XrDevice | EosDevice


class VendorConnection:
    """One session, with the scrapli connection's rules for configuration and commits."""

    def __init__(self, params: HostParams, device: Device) -> None:
        self.device = device
        self.profile: PlatformProfile = profile_for(params.platform)

    async def open(self) -> None:
        pass

    async def send_command(self, command: str) -> str:
        output = self.device.op(command)
        if self.profile.rejected(output):
            raise TaskFailed(f"'{command}' was rejected by the device", output)
        return output

    async def send_config(self, lines: list[str]) -> str:
        outputs: list[str] = []
        load, commit = lines, None
        if lines and self.profile.commit_line(lines[-1]) is not None:
            load, commit = lines[:-1], lines[-1]
        for line in [*load, *([commit] if commit else [])]:
            output = self.device.config(line)
            outputs.append(f"{line}\n{output}".rstrip())
            if self.profile.rejected(output):
                self.device.discard()
                raise TaskFailed(f"'{line}' was rejected by the device", "\n".join(outputs))
        return "\n".join(outputs)

    async def close(self) -> None:
        pass


@dataclass
class VendorNetwork:
    devices: dict[str, Device] = field(default_factory=dict)

    def registry(self) -> ConnectionRegistry:
        registry = ConnectionRegistry()

        def factory(params: HostParams) -> Connection:
            return VendorConnection(params, self.devices[params.name])

        registry.register("vendor_fake", factory, {"juniper_junos", "cisco_xr", "arista_eos"})
        return registry
