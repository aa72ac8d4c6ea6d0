"""The IOS-XR CLI of one login session: exec, configuration mode on the session's own
candidate, commit and its variants, the uncommitted-changes question, and XR's errors.

Configuration lines reuse the IOS-like editing rules (``device.Session``) on the
candidate; everything XR prints starts with the timestamp a real router puts before every
command's output. The device (committed configuration, commit history, trial commits) is
``xr.XrDevice``.
"""

from __future__ import annotations

import re
import time

from netraven.lab.device import Block, Session, _match, _pipe
from netraven.lab.xr import LOCATION, VERSION, XrDevice, _copy, _stamp

__all__ = ["FAILED_COMMIT", "UNCOMMITTED", "XrSession"]

INVALID = "% Invalid input detected at '^' marker."
UNCOMMITTED = "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
FAILED_COMMIT = (
    "% Failed to commit one or more configuration items during a pseudo-atomic operation. "
    "All changes made have been reverted. Please issue 'show configuration failed [inheritance]' "
    "from this session to view the errors"
)
BLOCK_RE = re.compile(
    r"^(interface|router|ntp|line|username|vrf|route-policy|prefix-set|ipv4 access-list|"
    r"ipv6 access-list|class-map|policy-map|control-plane|lldp|call-home|grpc)\b"
)
# Containers that take no name: ``ntp server X`` typed on one line is ``server X`` inside
# ``ntp``, and XR shows it so (``interface NAME description X`` likewise).
CONTAINERS = ("ntp", "lldp", "control-plane", "call-home", "grpc")
GLOBAL_RE = re.compile(
    r"^(hostname|domain|logging|snmp-server|clock|cdp|telnet|ssh|banner|service|"
    r"ipv4 (virtual|netmask)|explicit-path|commit)\b"
)
SUBMODE = {
    "interface": "config-if",
    "router": "config-router",
    "ntp": "config-ntp",
    "line": "config-line",
    "username": "config-un",
    "vrf": "config-vrf",
    "lldp": "config-lldp",
}


def _words(text: str) -> list[str]:
    return text.split()


KEYWORDS = frozenset(
    _words(
        """
        hostname domain logging snmp-server clock cdp telnet ssh banner service ipv4 ipv6
        interface router ntp line username vrf route-policy prefix-set class-map policy-map
        control-plane lldp call-home netconf-yang grpc explicit-path description shutdown mtu
        server source group secret password address-family area network passive cost
        neighbor remote-as bundle load-interval negotiation speed duplex encapsulation
        transport exec-timeout session-timeout router-id redistribute vrf-member timezone
        end-policy end-set pass drop if then else endif set
        """
    )
)
VERSION_TEMPLATE = """\
Cisco IOS XR Software, Version {version}
Copyright (c) 2013-2021 by Cisco Systems, Inc.

Build Information:
 Built By     : ingunawa
 Built On     : Wed Nov 17 08:28:28 PST 2021
 Built Host   : iox-ucs-025
 Workspace    : /auto/srcarchive17/prod/{version}/asr9k-x64/ws
 Version      : {version}
 Location     : /opt/cisco/XR/packages/
 Label        : {version}

cisco ASR9K () processor
System uptime is 4 weeks 2 days 3 hours 7 minutes
"""


class XrSession(Session):
    """The IOS-XR CLI of one login: exec (always privileged on XR: users get their task
    group's rights at login) and configuration mode on a candidate of the session's own."""

    block_re = BLOCK_RE
    global_re = GLOBAL_RE
    device: XrDevice

    def __init__(self, device: XrDevice, username: str, vty: int) -> None:
        super().__init__(device)
        self.privileged = True
        self.username = username
        self.vty = vty
        self.candidate: list[Block] = []
        self.typed: list[str] = []  # the lines given since configure/commit/abort
        self.exclusive = False
        self.asking = False  # the uncommitted-changes question awaits an answer
        self.failed: list[str] = []  # what the last failed commit reported
        self.base = 0  # the newest commit ID when the candidate was taken

    # --- prompts -----------------------------------------------------------------
    @property
    def prompt(self) -> str:
        if self.asking:
            return UNCOMMITTED
        host = f"{LOCATION}:{self.device.hostname}"
        if not self.in_config:
            return f"{host}#"
        if self.config_block is None:
            return f"{host}(config)#"
        return f"{host}({_submode(self.config_block.line, self.config_kind)})#"

    @property
    def mode(self) -> str:
        return "config" if self.in_config else "privileged"

    @property
    def target(self) -> list[Block]:
        return self.candidate

    @target.setter
    def target(self, blocks: list[Block]) -> None:
        self.candidate = blocks

    def logout(self) -> None:
        """A session that goes away loses its candidate and its exclusive lock."""
        if self.device.lock is self:
            self.device.lock = None

    def _invalid(self, line: str, position: int = 0) -> str:
        return " " * (len(self.prompt) + position) + "^\n" + INVALID

    def _stamped(self, output: str) -> str:
        """XR prints the time before the output of every command it runs."""
        return _stamp(self.device.clock()) + ("\n" + output if output else "")

    @property
    def modified(self) -> bool:
        return bool(self.typed) and self._replayed() != self.device.running

    # --- input -------------------------------------------------------------------
    def handle(self, line: str) -> str:
        if self.asking:
            self.device.on_command(self.device.name, "config", line.strip())
            return self._answer(line.strip().lower())
        return super().handle(line)

    def _answer(self, answer: str) -> str:
        self.asking = False
        if answer in ("", "cancel", "c"):
            return ""
        if answer in ("no", "n"):
            self._leave()
            return ""
        if answer in ("yes", "y"):
            output = self._commit("commit", 0)
            if FAILED_COMMIT in output:
                return output  # XR stays in configuration mode with the candidate
            self._leave()
            return output
        self.asking = True
        return "% Please answer 'yes', 'no' or 'cancel'"

    # --- exec --------------------------------------------------------------------
    def _exec(self, line: str) -> str:
        command, _, pipe = line.partition("|")
        words = command.split()
        verbs = ("show", "terminal", "configure", "rollback", "exit")
        verb = _match(words[0], (*verbs, "logout", "quit"))
        if verb is None:
            return self._invalid(line)
        if verb in ("exit", "logout", "quit"):
            self.closed = True
            return ""
        if verb == "terminal":
            what = (
                _match(words[1], ("length", "width", "monitor", "exec")) if len(words) > 1 else None
            )
            if what is None:
                return self._invalid(line, len(words[0]) + 1)
            if what in ("length", "width") and (len(words) != 3 or not words[2].isdigit()):
                return self._invalid(line, len(" ".join(words[:2])) + 1)
            return ""
        if verb == "show":
            output = self._show(words[1:], command.strip())
            if output.startswith((" ", "%")):
                return output
            stamp, _, body = output.partition("\n")
            if pipe:
                body = _pipe(body, pipe.strip())
            return self._stamped(body) if stamp else output
        if verb == "configure":
            return self._configure(words, line)
        if verb == "rollback":
            return self._rollback(words, line)
        return self._invalid(line, len(words[0]) + 1)

    def _configure(self, words: list[str], line: str) -> str:
        kind = _match(words[1], ("terminal", "exclusive")) if len(words) == 2 else None
        if len(words) > 2 or (len(words) == 2 and kind is None):
            return self._invalid(line, len(words[0]) + 1)
        lock = self.device.lock
        if kind == "exclusive":
            if lock is not None and lock is not self:
                return self._stamped(
                    "% Failed to lock the configuration: it is locked exclusively by "
                    f"{lock.username} on vty{lock.vty}"
                )
            self.device.lock = self
            self.exclusive = True
        self.in_config = True
        self.candidate = _copy(self.device.running)
        self.base = self.device.commits[0].id if self.device.commits else 0
        self.typed = []
        return self._stamped("")

    def _rollback(self, words: list[str], line: str) -> str:
        if (
            len(words) != 4
            or not _match(words[1], ("configuration",))
            or not _match(words[2], ("last",))
        ):
            return self._invalid(line, len(" ".join(words[:2])) + 1)
        if not words[3].isdigit() or int(words[3]) < 1:
            return self._invalid(line, len(" ".join(words[:3])) + 1)
        count = int(words[3])
        if count > len(self.device.commits):
            return self._stamped(
                f"% Requested rollback of {count} commits, but only "
                f"{len(self.device.commits)} commits are available to rollback."
            )
        lock = self.device.lock
        if lock is not None and lock is not self:
            return self._stamped(FAILED_COMMIT)
        if self.device.confirm_deadline is not None:
            self.device.confirm_deadline = None  # a rollback ends the trial, too
        self.device.rollback_last(count, self.username, f"vty{self.vty}")
        return self._stamped(
            "\nLoading Rollback Changes.\nLoaded Rollback Changes in 1 sec \n"
            "Committing.\n1 items committed in 1 sec (0)items/sec\nUpdating.\n"
            "Updated Commit database in 1 sec \n"
            f"Configuration successfully rolled back {count} commits."
        )

    # --- show --------------------------------------------------------------------
    def _show(self, args: list[str], line: str) -> str:
        if not args:
            return self._invalid(line, len(line))
        choices = ("version", "running-config", "configuration", "commit", "clock")
        what = _match(args[0], choices)
        d = self.device
        if what == "version":
            return self._stamped(VERSION_TEMPLATE.format(version=VERSION).rstrip("\n"))
        if what == "clock":
            return self._stamped(_stamp(d.clock()))
        if what == "running-config":
            if len(args) >= 2:
                wanted = " ".join(args[1:]).lower()
                found = [
                    b
                    for b in d.running
                    if b.line.lower() == wanted
                    or (not b.children and b.line.lower().startswith(wanted + " "))
                ]
                if not found:
                    return self._stamped("% No such configuration item(s)")
                return d.show_config(found, header=False)
            return d.show_config(d.running)
        if what == "commit" and len(args) == 3 and _match(args[1], ("changes",)):
            return self._changes(marked=True) if self.in_config else self._invalid(line)
        if what == "configuration":
            rest = args[1:]
            if not rest:
                return self._changes() if self.in_config else self._invalid(line, len(line))
            sub = _match(rest[0], ("commit", "failed", "running"))
            if sub == "commit" and len(rest) == 2 and _match(rest[1], ("list",)):
                return self._commit_list()
            if sub == "failed":
                return self._stamped("\n".join(self.failed))
            return self._invalid(line, len(line) - len(" ".join(rest)))
        return self._invalid(line, len(line.split()[0]) + 1)

    def _changes(self, marked: bool = False) -> str:
        """The session's uncommitted changes: ``show configuration`` prints them as the
        configuration lines they are; ``show commit changes diff`` marks each line ``+``
        (added) or ``-`` (removed) as XR does."""
        running = {b.line: b for b in self.device.running}
        candidate = self._replayed()
        lines: list[str] = []

        def add(sign: str, text: str) -> None:
            lines.append(f"{sign}  {text}" if marked else text)

        for block in candidate:
            old = running.get(block.line)
            if old is None:
                add("+", block.line)
                for child in block.children:
                    add("+", f" {child}")
                if block.children:
                    add("+" if marked else "", "!")
            elif old.children != block.children:
                add(" ", block.line)
                for child in old.children:
                    if child not in block.children:
                        add("-", f" {child}") if marked else add("", f" no {child}")
                for child in block.children:
                    if child not in old.children:
                        add("+", f" {child}")
                add(" ", "!")
        kept = {b.line for b in candidate}
        for b in self.device.running:
            if b.line not in kept:
                add("-", b.line) if marked else add("", f"no {b.line}")
        stamp = [_stamp(self.device.clock()), "Building configuration..."]
        header = [f"!! IOS XR Configuration {VERSION}"]
        return "\n".join(
            [*stamp, *header, *[ln.rstrip() if not marked else ln for ln in lines], "end"]
        )

    def _commit_list(self) -> str:
        rows = [
            "SNo. Label/ID              User      Line                Client      Time Stamp",
            "~~~~ ~~~~~~~~              ~~~~      ~~~~                ~~~~~~      ~~~~~~~~~~",
        ]
        for n, c in enumerate(self.device.commits, start=1):
            stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(c.at))
            rows.append(f"{n:<4} {c.id:<21} {c.user:<9} {c.line:<19} {c.client:<11} {stamp}")
        return self._stamped("\n".join(rows))

    # --- configuration --------------------------------------------------------------
    def _config(self, line: str) -> str:
        words = line.split()
        first = _match(words[0], ("show", "commit", "abort", "end", "exit", "root"))
        if first == "show" or (words[0] == "do" and len(words) > 1):
            return self._exec(line[3:] if words[0] == "do" else line)
        if first == "commit":
            return self._commit_command(words, line)
        if first == "abort":
            self._leave()
            return ""
        if first == "root":
            self.config_block = None
            self.typed.append("root")
            return ""
        if line in ("end", "\x1a") or (first == "exit" and self.config_block is None):
            if self.modified:
                self.asking = True
                return ""
            self._leave()
            return ""
        if first == "exit":
            self.config_block = None
            self.typed.append("root")
            return ""
        keyword = words[1] if words[0] == "no" and len(words) > 1 else words[0]
        if keyword not in KEYWORDS:
            return self._invalid(line, line.index(keyword))
        self.typed.append(line)
        return self._edit(line)

    def _edit(self, line: str) -> str:
        """One configuration line into the candidate, a one-line container form split the
        way XR stores it (``ntp server X`` → ``ntp`` / `` server X``)."""
        negate = line.startswith("no ")
        words = (line[3:] if negate else line).split()
        split = 0
        if words[0] in CONTAINERS and len(words) > 1:
            split = 1
        elif words[0] == "interface" and len(words) > 2:
            split = 2
        if not split or self.config_block is not None:
            return super()._config(line)
        super()._config(" ".join(words[:split]))
        output = super()._config(("no " if negate else "") + " ".join(words[split:]))
        block = self.config_block
        if negate and block is not None and not block.children and words[0] in CONTAINERS:
            self.candidate = [b for b in self.candidate if b is not block]
        self.config_block = None
        return output

    def _replayed(self) -> list[Block]:
        """The session's lines applied to the running configuration as it is now: another
        session may have committed since this one began, and XR merges, not overwrites."""
        if not self._others_committed():
            return self.candidate
        saved = (self.candidate, self.config_block, self.config_kind)
        self.candidate, self.config_block = _copy(self.device.running), None
        for typed in self.typed:
            if typed == "root":
                self.config_block = None
            else:
                self._edit(typed)
        result = self.candidate
        self.candidate, self.config_block, self.config_kind = saved
        return result

    def _others_committed(self) -> bool:
        head = self.device.commits[0].id if self.device.commits else 0
        return head != self.base

    def _refused(self, line: str) -> bool:
        """XR takes every line into the candidate; the fault's lines fail the commit."""
        return False

    def _leave(self) -> None:
        self.in_config = False
        self.config_block = None
        self.candidate = []
        self.typed = []
        if self.device.lock is self:
            self.device.lock = None
        self.exclusive = False

    def _commit_command(self, words: list[str], line: str) -> str:
        delay = 0
        rest = words[1:]
        if rest and _match(rest[0], ("confirmed",)):
            if len(rest) != 2 or not rest[1].isdigit():
                return self._invalid(line, len(line))
            delay = int(rest[1])
            if not 30 <= delay <= 65535:
                return self._invalid(line, len(" ".join(words[:2])) + 1)
        elif rest:
            return self._invalid(line, len(words[0]) + 1)
        return self._commit(line, delay)

    def _commit(self, line: str, delay: int) -> str:
        d = self.device
        if d.lock is not None and d.lock is not self:
            self.failed = [f"!! SEMANTIC ERRORS: locked exclusively by {d.lock.username}"]
            return self._stamped(FAILED_COMMIT)
        if not self.modified:
            if d.confirm_deadline is not None and delay == 0:
                d.confirm_deadline = None  # confirms the trial commit
                self.typed = []
                return self._stamped("")
            self.typed = []
            return self._stamped("% No configuration changes to commit.")
        rejected = [
            typed
            for typed in self.typed
            for r in d.rejected_config
            if typed == r or typed.startswith(r + " ")
        ]
        if rejected:
            self.failed = [
                f"!! SEMANTIC ERRORS: This configuration was rejected by \n"
                f"!! the system due to semantic errors. The individual \n"
                f"!! errors with each failed configuration command can be \n"
                f"!! found below.\n\n{r}\n!!% Invalid argument: not supported on this router"
                for r in rejected
            ]
            return self._stamped(FAILED_COMMIT)
        if d.confirm_deadline is not None and delay == 0:
            d.confirm_deadline = None
        entry = d.commit(self._replayed(), self.username, f"vty{self.vty}:node0_RP0_CPU0")
        if delay:
            d.confirm_deadline = d.clock() + delay * d.seconds_per_minute / 60
        self.candidate = _copy(d.running)
        self.base = entry.id
        self.typed = []
        self.device.on_command(d.name, "system", f"commit {entry.id}")
        return self._stamped("")


def _submode(line: str, kind: str | None) -> str:
    """The prompt's mode for a block: ``config-if``, ``config-ospf``, ``config-ntp``."""
    words = line.split()
    if words[0] == "router" and len(words) > 1:
        return {"static": "config-static", "bgp": "config-bgp", "ospf": "config-ospf"}.get(
            words[1], f"config-{words[1]}"
        )
    for prefix, mode in SUBMODE.items():
        if line == prefix or line.startswith(prefix + " "):
            return mode
    return f"config-{words[0]}"
