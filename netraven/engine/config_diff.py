"""Which configuration lines are missing from a running config, hierarchically.

hier-config parses both sides IOS-style (a line under ``interface X`` belongs to that
block). ``no …`` lines are kept only when what they remove is actually present, so a
task that removes something is idempotent too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from hier_config import HConfig, Platform, get_hconfig

from netraven.connections.platforms import HIER_CONFIG_PLATFORMS

PLATFORMS = {name: Platform[member] for name, member in HIER_CONFIG_PLATFORMS.items()}
VOLATILE = re.compile(
    r"^(Building configuration\.\.\.|Current configuration ?:.*|Last configuration change.*|"
    r"! (NVRAM|Last|Time).*|ntp clock-period .*|end)$"
)


def clean_running(text: str) -> str:
    """The running config without the volatile lines that change on every read."""
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    return "\n".join(line for line in lines if line and not VOLATILE.match(line))


@dataclass(frozen=True)
class ConfigChange:
    commands: list[str]
    diff: str

    @property
    def changed(self) -> bool:
        return bool(self.commands)


def _split_negations(lines: list[str]) -> tuple[list[str], list[tuple[str | None, str]]]:
    positive: list[str] = []
    negations: list[tuple[str | None, str]] = []
    parent: str | None = None
    for line in lines:
        if not line.strip() or line.strip() == "!":
            continue
        indented = line[:1].isspace()
        if not indented:
            parent = None
        body = line.strip()
        if body.startswith("no "):
            negations.append((parent if indented else None, body))
            continue
        if not indented:
            parent = body
        positive.append(line)
    return positive, negations


def compute_change(platform: str, running_text: str, intended_lines: list[str]) -> ConfigChange:
    plat = PLATFORMS.get(platform, Platform.GENERIC)
    running = get_hconfig(plat, clean_running(running_text))
    positive, negations = _split_negations(intended_lines)
    candidate = get_hconfig(plat, "\n".join(positive))
    missing: HConfig = candidate.difference(running)
    intended = running.deep_copy()
    intended.merge(missing)
    commands = list(missing.dump_simple())
    for parent, negation in negations:
        target = negation[3:]
        scope = intended.get_child(equals=parent) if parent else intended
        if scope is None:
            continue
        present = [c for c in scope.children if c.text == target or c.text.startswith(target + " ")]
        if not present:
            continue
        for child in present:
            child.delete()
        if parent and parent not in commands:
            commands.append(parent)
        commands.append(f"  {negation}" if parent else negation)
    diff = (
        "\n".join(
            difflib.unified_diff(
                list(running.dump_simple()),
                list(intended.dump_simple()),
                fromfile="running",
                tofile="intended",
                lineterm="",
            )
        )
        if commands
        else ""
    )
    return ConfigChange(commands, diff)
