"""What NetRaven must know about one network OS, as data.

A profile says how to read the running and the saved configuration, how to make a change
durable (``write memory`` on a running-config device, ``commit`` on a candidate-config
one), what a rejected command looks like, which exec commands are safe under
``--check``, which lines of a configuration change on every read, and which driver and
hier-config platform speak it. The engine reads all of that from here: a platform is
supported exactly when it has a profile.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

ConfigModel = Literal["running", "candidate"]


@dataclass(frozen=True)
class PlatformProfile:
    name: str  # netmiko device_type, what the inventory's ``platform`` says
    title: str
    config_model: ConfigModel
    running_config: str  # the configuration in effect (backups and diffs read this)
    startup_config: str  # what survives a reload; the committed config on candidate devices
    netmiko_device_type: str
    family: str  # CLI dialect: abbreviation tables and replacing lines (engine/cli_abbrev.py)
    scrapli_driver: str | None = None  # scrapli.driver.core class, None: netmiko only
    hier_config: str | None = None  # hier_config.Platform member
    aliases: tuple[str, ...] = ()  # other spellings the inventory may use
    save: str | None = None  # running-config devices: copy running to startup
    commit: str | None = None  # candidate devices: make the candidate active
    # ``{minutes}`` / ``{seconds}``: commit that the device undoes by itself unless confirmed.
    commit_confirmed: str | None = None
    confirm: str | None = None  # what confirms a pending commit confirmed
    confirm_adds_rollback_point: bool = False  # the confirming commit is a commit of its own
    discard: str | None = None  # throws the candidate away (config mode)
    # How a configuration session is entered when not the driver's default: Junos
    # ``configure private``, so a commit never takes along someone else's uncommitted
    # edits of the shared candidate (the device refuses instead while there are any).
    config_mode: str | None = None
    scrapli_config_privilege: str | None = None  # the same, as a scrapli privilege level
    candidate_diff: str | None = None  # config mode: the candidate against the active config
    # The device's own rollback; ``{n}``: how many commits back. ``rollback_in``: the
    # mode it runs in ("config": then committed with ``commit``; "exec": it commits itself).
    native_rollback: str | None = None
    rollback_in: Literal["config", "exec"] = "config"
    negation: str = "no "  # what removes a line: ``no X``, Junos ``delete X``
    declaration: str = ""  # what the config shows before a line: Junos ``set ``
    errors: tuple[str, ...] = ()  # regexes (multi-line mode) for a command the device refused
    read_only: tuple[str, ...] = ("show",)  # exec verbs allowed under --check
    volatile: tuple[str, ...] = ()  # regexes for whole lines that change on every read
    notes: str = ""  # shown in docs/platforms.md: what is and is not verified

    def __post_init__(self) -> None:
        if self.config_model == "candidate" and self.commit is None:
            raise ValueError(f"platform {self.name}: a candidate-config platform needs commit")
        if self.config_model == "running" and self.save is None:
            raise ValueError(f"platform {self.name}: a running-config platform needs save")
        for pattern in (*self.errors, *self.volatile):
            re.compile(pattern)

    @property
    def commits(self) -> bool:
        return self.config_model == "candidate"

    @cached_property
    def error_regex(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.errors) or r"(?!x)x", re.M)

    @cached_property
    def volatile_regex(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.volatile) or r"(?!x)x")

    @cached_property
    def read_only_regex(self) -> re.Pattern[str]:
        verbs = "|".join(re.escape(v) for v in self.read_only)
        return re.compile(rf"^\s*({verbs})\b", re.I)

    def rejected(self, output: str) -> bool:
        """Whether the device's answer says it refused the command."""
        return self.error_regex.search(output) is not None

    @property
    def can_roll_back(self) -> bool:
        """A rollback can be computed (hier-config) or asked of the device (native)."""
        if self.commits:
            return self.native_rollback is not None
        return self.hier_config is not None

    def confirmed_commit(self, seconds: int) -> str:
        """The commit-confirmed command for a safety net of at least ``seconds``."""
        assert self.commit_confirmed is not None
        minutes = max(1, math.ceil(seconds / 60))
        return self.commit_confirmed.format(minutes=minutes, seconds=max(seconds, 30))

    def rollback_command(self, commits: int) -> str:
        assert self.native_rollback is not None
        return self.native_rollback.format(n=commits)

    def rollback_points(self, confirmed: bool) -> int:
        """How many entries one task's commit adds to the device's rollback history."""
        return 2 if confirmed and self.confirm_adds_rollback_point else 1

    def commit_line(self, line: str) -> int | None:
        """For a commit line: 0 for a plain commit (or a confirm), the delay for a commit
        confirmed (minutes on Junos, seconds on XR); None for any other line."""
        if not self.commits:
            return None
        text = " ".join(line.split())
        if text in (self.commit, self.confirm):
            return 0
        if self.commit_confirmed is not None:
            pattern = re.escape(self.commit_confirmed).replace(r"\{minutes\}", r"(\d+)")
            match = re.fullmatch(pattern.replace(r"\{seconds\}", r"(\d+)"), text)
            if match:
                return int(match.group(1))
        return None
