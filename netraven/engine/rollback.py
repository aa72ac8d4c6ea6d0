"""Putting a host back the way it was before this run changed it, and proving it.

The inverse is computed by hier-config's remediation from the current running
config to the pre-change one, unless config tasks carried explicit ``rollback:``
commands. Either way the result is verified against the pre-change config, modulo
volatile and cosmetic lines.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hier_config import Platform, WorkflowRemediation, get_hconfig

from netraven.connections.base import Connection
from netraven.connections.platforms import HIER_CONFIG_PLATFORMS
from netraven.engine.config_diff import clean_running
from netraven.engine.offload import off_loop
from netraven.errors import TaskFailed

RUNNING_CONFIG = "show running-config"
PLATFORMS = {name: Platform[member] for name, member in HIER_CONFIG_PLATFORMS.items()}


@dataclass(frozen=True)
class RollbackResult:
    restored: bool
    commands: list[str]
    diff: str


def _significant(text: str) -> list[str]:
    return [line for line in clean_running(text).splitlines() if line.strip() != "!"]


def differences(platform: str, expected: str, actual: str) -> str:
    """A unified diff if the two configs differ as configuration, '' if they do not."""
    plat = PLATFORMS.get(platform)
    if plat is not None:
        want = get_hconfig(plat, "\n".join(_significant(expected)))
        have = get_hconfig(plat, "\n".join(_significant(actual)))
        if not tuple(want.difference(have).dump_simple()) and not tuple(
            have.difference(want).dump_simple()
        ):
            return ""
    elif _significant(expected) == _significant(actual):
        return ""
    return "\n".join(
        difflib.unified_diff(
            _significant(expected),
            _significant(actual),
            "pre-change",
            "after-rollback",
            lineterm="",
        )
    )


def _remediation(plat: Platform, current: str, wanted: str) -> list[str]:
    return list(
        WorkflowRemediation(
            get_hconfig(plat, "\n".join(_significant(current))),
            get_hconfig(plat, "\n".join(_significant(wanted))),
        ).remediation_config.dump_simple()
    )


async def roll_back(
    conn: Connection, platform: str, pre_change: str, explicit: list[list[str]]
) -> RollbackResult:
    sent: list[str] = []
    if explicit:
        for lines in reversed(explicit):
            await conn.send_config(lines)
            sent += lines
    else:
        plat = PLATFORMS.get(platform)
        if plat is None:
            raise TaskFailed(f"cannot compute a rollback for platform '{platform}'")
        current = await conn.send_command(RUNNING_CONFIG)
        sent = await off_loop(_remediation, plat, current, pre_change, size=len(current))
        if sent:
            await conn.send_config(sent)
    after = await conn.send_command(RUNNING_CONFIG)
    diff = await off_loop(differences, platform, pre_change, after, size=len(after))
    return RollbackResult(not diff, sent, diff)
