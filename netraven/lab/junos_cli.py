"""The Junos CLI of one login session on a ``junos.JunosDevice``: operational and
configuration mode.

It answers as Junos does where drivers look: ``user@host>`` and, in configuration mode, a
blank line and the ``[edit …]`` context before ``user@host#``; the ``Screen length set to
0`` style answers netmiko waits for; ``syntax error.`` and ``unknown command.`` under a
``^`` marker; ``commit complete``; ``Exit with uncommitted changes? [yes,no] (yes)`` for a
plain ``exit``, while ``exit configuration-mode`` (what scrapli and netmiko send) warns and
leaves.
"""

from __future__ import annotations

import math
import re

from netraven.lab import junos_config as cfg
from netraven.lab.junos import BUILD, MAX_ROLLBACK, MODEL, VERSION, JunosDevice

__all__ = ["JunosSession"]

CONFIRM_DEFAULT_MINUTES = 10
VERSION_TEMPLATE = f"""\
Hostname: {{hostname}}
Model: {MODEL}
Junos: {VERSION}
JUNOS OS Kernel 64-bit  [{BUILD}]
JUNOS OS libs [{BUILD}]
JUNOS OS runtime [{BUILD}]
JUNOS OS time zone information [{BUILD}]
JUNOS network stack and utilities [20230121.074818_builder_junos_214_r3]
JUNOS libs [20230121.074818_builder_junos_214_r3]
JUNOS OS libs compat32 [{BUILD}]
JUNOS OS 32-bit compatibility [{BUILD}]
JUNOS py extensions [20230121.074818_builder_junos_214_r3]
JUNOS py base [20230121.074818_builder_junos_214_r3]
JUNOS OS vmguest [{BUILD}]
JUNOS OS crypto [{BUILD}]
JUNOS Packet Forwarding Engine Support (MX/EX92XX Common) [{VERSION}]
JUNOS Routing Software Suite [20230121.074818_builder_junos_214_r3]"""
OP_VERBS = ("show", "set", "configure", "exit", "quit", "ping", "request", "clear", "file")
CONFIG_VERBS = (
    "set",
    "delete",
    "edit",
    "up",
    "top",
    "exit",
    "quit",
    "show",
    "commit",
    "rollback",
    "run",
    "status",
)


class JunosSession:
    """The Junos CLI of one login: operational and configuration mode."""

    awaiting_password = False

    def __init__(self, device: JunosDevice, username: str, tty: int) -> None:
        self.device = device
        self.username = username
        self.tty = tty
        self.closed = False
        self.in_config = False
        self.kind = "shared"  # shared | private | exclusive
        self.private: cfg.Node | None = None
        self.context: list[str] = []
        self.since = device.clock()
        self.question: str | None = None  # a yes/no question awaiting its answer

    # --- prompts -----------------------------------------------------------------
    @property
    def prompt_line(self) -> str:
        return f"{self.username}@{self.device.hostname}{'#' if self.in_config else '>'} "

    @property
    def prompt(self) -> str:
        if self.question is not None:
            return self.question
        if not self.in_config:
            return "\n" + self.prompt_line
        lines = [""]
        deadline = self.device.confirm_deadline
        if deadline is not None:
            left = max(
                1, math.ceil((deadline - self.device.clock()) / self.device.seconds_per_minute)
            )
            lines.append(
                f"# commit confirmed will be rolled back in {left} minute{'s' * (left > 1)}"
            )
        lines.append("[edit" + "".join(" " + label for label in self.context) + "]")
        return "\n".join(lines) + "\n" + self.prompt_line

    @property
    def mode(self) -> str:
        return "config" if self.in_config else "exec"

    # --- input -------------------------------------------------------------------
    def handle(self, line: str) -> str:
        self.device.tick()
        line = line.strip()
        if self.question is not None:
            self.device.on_command(self.device.name, self.mode, line)
            return self._answer(line)
        if not line:
            return ""
        self.device.on_command(self.device.name, self.mode, line)
        return self._config(line) if self.in_config else self._operational(line)

    def logout(self) -> None:
        """The connection went away: release what a configuration session held."""
        if self.in_config:
            self._leave_config()

    def _error(self, line: str, token: int, message: str) -> str:
        """A ``^`` under word ``token`` of ``line``, then the message, as Junos marks errors."""
        spans = [m.start() for m in re.finditer(r'"[^"]*"?|\S+', line)]
        column = spans[token] if token < len(spans) else len(line) + 1
        return " " * (len(self.prompt_line) + column) + "^\n" + message

    # --- operational mode ---------------------------------------------------------
    def _operational(self, line: str) -> str:
        command, *pipes = line.split("|")
        words = command.split()
        verb = _unique(words[0], OP_VERBS)
        if verb is None:
            return self._error(line, 0, "unknown command.")
        if verb in ("exit", "quit"):
            self.closed = True
            return ""
        if verb == "configure":
            return self._configure(words, line)
        if verb == "set":
            return self._set_cli(words, line)
        if verb == "show":
            return self._show_operational(words, pipes, line)
        return self._error(line, 1, "syntax error, expecting <command>.")

    def _set_cli(self, words: list[str], line: str) -> str:
        if len(words) < 3 or words[1] != "cli":
            return self._error(line, 1, "syntax error, expecting <command>.")
        what = words[2]
        value = words[3] if len(words) > 3 else ""
        if what == "screen-length" and value.isdigit():
            return f"Screen length set to {value}"
        if what == "screen-width" and value.isdigit():
            return f"Screen width set to {value}"
        if what == "complete-on-space" and value in ("on", "off"):
            return ("Disabling" if value == "off" else "Enabling") + " complete-on-space"
        if what in ("timestamp", "idle-timeout", "terminal"):
            return ""
        return self._error(
            line, 3 if what in ("screen-length", "screen-width") else 2, "syntax error."
        )

    def _show_operational(self, words: list[str], pipes: list[str], line: str) -> str:
        what = _unique(words[1], ("version", "configuration", "system")) if len(words) > 1 else None
        if what == "version":
            output = VERSION_TEMPLATE.format(hostname=self.device.hostname)
        elif what == "configuration":
            return self._show_config(self.device.active, words[2:], pipes, line, 2, "commit")
        elif what == "system" and len(words) > 2 and _unique(words[2], ("commit", "uptime")):
            output = self._system(words[2])
        else:
            return self._error(line, 1, "syntax error, expecting <command>.")
        return self._pipes(output, pipes, line)

    def _system(self, what: str) -> str:
        d = self.device
        if _unique(what, ("commit", "uptime")) == "uptime":
            now = d.stamp(d.clock())
            return (
                f"Current time: {now}\nSystem booted: {d.stamp(d.history[-1].at)} (4w0d 00:00 ago)"
            )
        rows = []
        for number, commit in enumerate(d.history):
            row = f"{number:<3} {d.stamp(commit.at)} by {commit.user} via {commit.via}"
            if number == 0 and d.confirm_deadline is not None:
                left = math.ceil((d.confirm_deadline - d.clock()) / d.seconds_per_minute)
                row += f" commit confirmed, rollback in {max(left, 1)}mins"
            rows.append(row + (f"\n    {commit.comment}" if commit.comment else ""))
        return "\n".join(rows)

    # --- showing configuration ------------------------------------------------------
    def _show_config(
        self,
        source: cfg.Node,
        path_words: list[str],
        pipes: list[str],
        line: str,
        at: int,
        header: str,
    ) -> str:
        """``show configuration [path]`` and config mode's ``show [path]`` with their pipes."""
        try:
            paths, bare = (
                cfg.parse_path(path_words, at_top=not self.context, offset=at)
                if path_words
                else ([[]], False)
            )
        except cfg.ConfigSyntaxError as exc:
            return self._error(line, exc.token, exc.message)
        path = [*self.context, *paths[-1]] if header == "change" else paths[-1]
        node = source.find(path)
        if bare and path:  # a statement named without its value: ``system host-name``
            parent = source.find(path[:-1])
            last = path[-1]
            matches = {
                label: child
                for label, child in (parent.children.items() if parent is not None else ())
                if label == last or label.startswith(last + " ")
            }
            node = cfg.Node(matches) if matches else None
            path = path[:-1]
        first = pipes[0].split() if pipes else []
        if first[:2] == ["display", "set"]:
            body = cfg.display_set(node, tuple(path)) if node is not None else []
            return self._pipes("\n".join(body), pipes[1:], line)
        if first[:1] == ["compare"]:
            return self._compare(source, first, pipes[1:], line)
        if node is None:
            return self._pipes("", pipes, line)
        body = cfg.render(node)
        if not path:
            d = self.device
            if header == "commit":
                top = f"## Last commit: {d.stamp(d.history[0].at)} by {d.history[0].user}"
            else:
                top = f"## Last changed: {d.stamp(max(d.changed_at, d.history[0].at))}"
            body.insert(0, top)
        return self._pipes("\n".join(body), pipes, line)

    def _compare(self, source: cfg.Node, words: list[str], pipes: list[str], line: str) -> str:
        against = self.device.active
        if len(words) > 1:
            if words[1] != "rollback" or len(words) != 3 or not words[2].isdigit():
                return self._error(line, len(line.split("|")[0].split()) + 1, "syntax error.")
            number = int(words[2])
            if number > MAX_ROLLBACK:
                return f"error: value {number} is not within range (0..{MAX_ROLLBACK})"
            if number >= len(self.device.history):
                return "error: Requested rollback configuration does not exist"
            against = self.device.history[number].config
        # At an ``edit`` level, only what changed below it, under full ``[edit …]`` headers.
        here = self.context if self.in_config else []
        old, new = against.find(here) or cfg.Node(), source.find(here) or cfg.Node()
        return self._pipes("\n".join(cfg.diff(old, new, tuple(here))), pipes, line)

    def _pipes(self, output: str, pipes: list[str], line: str) -> str:
        for pipe in pipes:
            verb, _, argument = pipe.strip().partition(" ")
            argument = argument.strip().strip('"')
            kind = _unique(verb, ("match", "except", "count", "no-more", "last", "trim"))
            lines = output.split("\n") if output else []
            if kind == "match" or kind == "except":
                try:
                    regex = re.compile(argument)
                except re.error:
                    regex = re.compile(re.escape(argument))
                keep = kind == "match"
                output = "\n".join(x for x in lines if bool(regex.search(x)) == keep)
            elif kind == "count":
                output = f"Count: {len(lines)} lines"
            elif kind == "last" and argument.isdigit():
                output = "\n".join(lines[-int(argument) :])
            elif kind not in ("no-more", "trim"):
                return self._error(line, len(line.split("|")[0].split()) + 1, "syntax error.")
        return output

    # --- entering and leaving configuration mode --------------------------------------
    def _configure(self, words: list[str], line: str) -> str:
        kind = "shared"
        if len(words) > 1:
            chosen = _unique(words[1], ("private", "exclusive"))
            if chosen is None or len(words) > 2:
                return self._error(line, 1, "syntax error, expecting <command>.")
            kind = chosen
        d = self.device
        lines: list[str] = []
        if d.lock is not None and d.lock is not self:
            return "\n".join([*self._locked(), "error: configuration check-out failed"])
        if kind in ("private", "exclusive") and d.shared_modified():
            word = "shared " if kind == "private" else ""
            return "\n".join(
                [
                    f"error: {word}configuration database modified",
                    *self._editing(),
                    "error: configuration check-out failed",
                ]
            )
        lines.append("Entering configuration mode")
        lines += self._editing()
        if kind == "shared" and d.shared_modified():
            lines.append("The configuration has been changed but not committed")
        if kind == "exclusive":
            d.lock = self
        self.kind = kind
        self.private = d.active.copy() if kind == "private" else None
        self.in_config = True
        self.context = []
        d.editors.append(self)
        return "\n".join(lines)

    def _editing(self) -> list[str]:
        others = [s for s in self.device.editors if s is not self]
        if not others:
            return []
        lines = ["Users currently editing the configuration:"]
        for other in others:
            lines.append(
                f"  {other.username} terminal pts/{other.tty} (pid {4000 + other.tty}) on since "
                f"{self.device.stamp(other.since)}"
            )
            lines.append("      " + ("exclusive " if other.kind == "exclusive" else "") + "[edit]")
        return lines

    def _locked(self) -> list[str]:
        owner = self.device.lock
        assert owner is not None
        return [
            "error: configuration database locked by:",
            f"  {owner.username} terminal pts/{owner.tty} (pid {4000 + owner.tty}) on since "
            f"{self.device.stamp(owner.since)}",
            "      exclusive [edit]",
        ]

    def _leave_config(self) -> None:
        d = self.device
        if self.kind == "exclusive":
            d.candidate = None  # an exclusive session's uncommitted changes are discarded
            d.lock = None
        if self in d.editors:
            d.editors.remove(self)
        self.in_config = False
        self.private = None
        self.context = []
        self.kind = "shared"

    def _uncommitted(self) -> bool:
        if self.private is not None:
            return self.private != self.device.active
        return self.device.shared_modified()

    def _answer(self, line: str) -> str:
        self.question = None
        if line.lower() in ("", "y", "yes"):
            self._leave_config()
            return "Exiting configuration mode"
        return ""

    # --- configuration mode ---------------------------------------------------------
    @property
    def candidate(self) -> cfg.Node:
        return self.private if self.private is not None else self.device.shared_candidate()

    def _config(self, line: str) -> str:
        words = cfg.tokens(line)
        verb = _unique(words[0], CONFIG_VERBS)
        if verb is None:
            return self._error(line, 0, "unknown command.")
        if any(line == r or line.startswith(r + " ") for r in self.device.rejected_config):
            return self._error(line, min(1, len(words) - 1), "syntax error.")
        if verb == "set" or verb == "delete":
            return self._change(verb, words, line)
        if verb == "edit":
            return self._edit(words, line)
        if verb in ("up", "top"):
            steps = int(words[1]) if verb == "up" and len(words) > 1 and words[1].isdigit() else 1
            self.context = (
                [] if verb == "top" else self.context[: max(0, len(self.context) - steps)]
            )
            return ""
        if verb in ("exit", "quit"):
            return self._exit(words, line)
        if verb == "show":
            command, *pipes = line.split("|")
            return self._show_config(self.candidate, command.split()[1:], pipes, line, 1, "change")
        if verb == "commit":
            return self._commit(words, line)
        if verb == "rollback":
            return self._rollback(words, line)
        if verb == "run":
            return self._operational(line.split(None, 1)[1]) if len(words) > 1 else ""
        return self._status()

    def _status(self) -> str:
        lines = ["Users currently editing the configuration:"]
        for session in self.device.editors:
            lines.append(
                f"  {session.username} terminal pts/{session.tty} (pid {4000 + session.tty}) on "
                f"since {self.device.stamp(session.since)}"
            )
        return "\n".join(lines)

    def _change(self, verb: str, words: list[str], line: str) -> str:
        if self.device.lock is not None and self.device.lock is not self:
            return "\n".join(self._locked())
        try:
            paths, bare = cfg.parse_path(words[1:], at_top=not self.context, offset=1)
        except cfg.ConfigSyntaxError as exc:
            return self._error(line, exc.token, exc.message)
        candidate = self.candidate
        if verb == "set":
            if bare:
                return self._error(line, len(words), "missing argument.")
            for path in paths:
                candidate.set([*self.context, *path])
        else:
            found = False
            for number, path in enumerate(paths):
                last = number == len(paths) - 1
                found |= candidate.delete([*self.context, *path], bare and last)
            if not found:
                return "warning: statement not found"
        self.device.changed_at = self.device.clock()
        return ""

    def _edit(self, words: list[str], line: str) -> str:
        try:
            paths, bare = cfg.parse_path(words[1:], at_top=not self.context, offset=1)
        except cfg.ConfigSyntaxError as exc:
            return self._error(line, exc.token, exc.message)
        if bare or len(paths) > 1:
            return self._error(line, len(words) - 1, "syntax error.")
        self.context = [*self.context, *paths[0]]
        return ""

    def _exit(self, words: list[str], line: str) -> str:
        if len(words) > 1:
            if _unique(words[1], ("configuration-mode",)) is None:
                return self._error(line, 1, "syntax error.")
            changed = self._uncommitted()
            self._leave_config()
            warning = "The configuration has been changed but not committed\n" if changed else ""
            return warning + "Exiting configuration mode"
        if self.context:
            self.context.pop()
            return ""
        if self._uncommitted():
            self.question = "Exit with uncommitted changes? [yes,no] (yes) "
            return "The configuration has been changed but not committed"
        self._leave_config()
        return "Exiting configuration mode"

    def _commit(self, words: list[str], line: str) -> str:
        d = self.device
        options = words[1:]
        check = and_quit = confirmed = False
        minutes = CONFIRM_DEFAULT_MINUTES
        comment = ""
        index = 0
        while index < len(options):
            word = options[index]
            if word == "check":
                check = True
            elif word == "and-quit":
                and_quit = True
            elif word == "confirmed":
                confirmed = True
                if index + 1 < len(options) and options[index + 1].isdigit():
                    minutes = int(options[index + 1])
                    index += 1
                    if not 1 <= minutes <= 65535:
                        return f"error: value {minutes} is not within range (1..65535)"
            elif word == "comment" and index + 1 < len(options):
                comment = options[index + 1].strip('"')
                index += 1
            elif word != "synchronize":
                return self._error(line, index + 1, "syntax error.")
            index += 1
        if check and (confirmed or and_quit or comment):
            return self._error(line, 2, "syntax error.")
        if d.lock is not None and d.lock is not self:
            return "\n".join([*self._locked(), "error: configuration check-out failed"])
        if check:
            return "configuration check succeeds"
        d.commit(self.candidate, self.username, comment)
        if self.private is not None:
            self.private = d.active.copy()
        output: list[str] = []
        if confirmed:
            d.confirm_deadline = d.clock() + minutes * d.seconds_per_minute
            output.append(
                f"commit confirmed will be automatically rolled back in {minutes} minutes "
                "unless confirmed"
            )
        else:
            d.confirm_deadline = None
        output.append("commit complete")
        if and_quit:
            self._leave_config()
            output.append("Exiting configuration mode")
        return "\n".join(output)

    def _rollback(self, words: list[str], line: str) -> str:
        number = 0
        if len(words) > 1:
            if not words[1].isdigit() or len(words) > 2:
                return self._error(line, 1, "syntax error.")
            number = int(words[1])
        if number > MAX_ROLLBACK:
            return f"error: value {number} is not within range (0..{MAX_ROLLBACK})"
        if number >= len(self.device.history):
            return "error: Requested rollback configuration does not exist"
        loaded = self.device.history[number].config.copy()
        if self.private is not None:
            self.private = loaded
        else:
            self.device.candidate = loaded
        self.device.changed_at = self.device.clock()
        return "load complete"


def _unique(word: str, choices: tuple[str, ...]) -> str | None:
    """Junos-style completion of one command word: exact, or a unique prefix."""
    if word in choices:
        return word
    hits = [c for c in choices if c.startswith(word)]
    return hits[0] if len(hits) == 1 else None
