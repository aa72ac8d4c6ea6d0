"""The engine leaves the process's garbage collector alone: only the CLI, which owns its
process, tunes it (netraven/cli/collector.py); a service embedding ``execute`` keeps its own."""

from __future__ import annotations

import gc

from tests.inprocess.conftest import World


def test_execute_does_not_touch_the_collector(world: World) -> None:
    for name in ("r1", "r2", "r3", "r4"):
        world.network.device(name).outputs["show version"] = "Version 17.9"
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    outcome = world.run("- hosts: all\n  tasks:\n    - command: show version\n")
    assert outcome.exit_code == 0
    assert [h.status for h in outcome.hosts] == ["ok"] * 4
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen
