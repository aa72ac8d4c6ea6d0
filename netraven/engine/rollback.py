"""Putting a host back the way it was before this run changed it, and proving it.

On a running-config platform the inverse is computed by hier-config's remediation from
the current running config to the pre-change one, unless config tasks carried explicit
``rollback:`` commands. On a candidate-config platform (Junos, IOS-XR) the device keeps
its own history of commits: the job counts the entries it added and asks the device to
go back that many (``rollback N`` + ``commit``, ``rollback configuration last N``), which
also settles a commit confirmed still pending. Either way the result is verified against
the pre-change config, modulo volatile and cosmetic lines.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hier_config import Platform, WorkflowRemediation, get_hconfig

from netraven.connections.base import Connection
from netraven.engine.config_diff import clean_running
from netraven.engine.offload import off_loop
from netraven.errors import TaskFailed
from netraven.platforms import PlatformProfile, find_profile, profile_for


@dataclass(frozen=True)
class RollbackResult:
    restored: bool
    commands: list[str]
    diff: str


def _significant(text: str, platform: str) -> list[str]:
    return [line for line in clean_running(text, platform).splitlines() if line.strip() != "!"]


def _hier(platform: str) -> Platform | None:
    profile = find_profile(platform)
    if profile is None or profile.hier_config is None:
        return None
    return Platform[profile.hier_config]


def differences(platform: str, expected: str, actual: str) -> str:
    """A unified diff if the two configs differ as configuration, '' if they do not."""
    want_lines, have_lines = _significant(expected, platform), _significant(actual, platform)
    plat = _hier(platform)
    if plat is not None:
        want = get_hconfig(plat, "\n".join(want_lines))
        have = get_hconfig(plat, "\n".join(have_lines))
        if not tuple(want.difference(have).dump_simple()) and not tuple(
            have.difference(want).dump_simple()
        ):
            return ""
    elif want_lines == have_lines:
        return ""
    return "\n".join(
        difflib.unified_diff(want_lines, have_lines, "pre-change", "after-rollback", lineterm="")
    )


def _remediation(plat: Platform, platform: str, current: str, wanted: str) -> list[str]:
    return list(
        WorkflowRemediation(
            get_hconfig(plat, "\n".join(_significant(current, platform))),
            get_hconfig(plat, "\n".join(_significant(wanted, platform))),
        ).remediation_config.dump_simple()
    )


async def _native(conn: Connection, profile: PlatformProfile, commits: int) -> list[str]:
    """The device's own rollback over the ``commits`` history entries this job added."""
    if commits <= 0:
        return []  # nothing was committed: there is nothing for the device to undo
    command = profile.rollback_command(commits)
    if profile.rollback_in == "exec":
        await conn.send_command(command)
        return [command]
    assert profile.commit is not None
    sent = [command, profile.commit]
    await conn.send_config(sent)
    return sent


async def roll_back(
    conn: Connection,
    platform: str,
    pre_change: str,
    explicit: list[list[str]],
    commits: int = 0,
) -> RollbackResult:
    profile = profile_for(platform)
    sent: list[str] = []
    if explicit:
        for lines in reversed(explicit):
            if profile.commits:
                assert profile.commit is not None
                lines = [*lines, profile.commit]
            await conn.send_config(lines)
            sent += lines
    elif profile.commits and profile.native_rollback is not None:
        sent = await _native(conn, profile, commits)
    else:
        plat = _hier(platform)
        if plat is None:
            raise TaskFailed(f"cannot compute a rollback for platform '{platform}'")
        current = await conn.send_command(profile.running_config)
        sent = await off_loop(_remediation, plat, platform, current, pre_change, size=len(current))
        if sent:
            await conn.send_config(sent)
    after = await conn.send_command(profile.running_config)
    diff = await off_loop(differences, platform, pre_change, after, size=len(after))
    return RollbackResult(not diff, sent, diff)
