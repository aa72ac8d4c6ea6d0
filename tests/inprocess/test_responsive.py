"""Diffing a huge running config must not stall the sessions of every other host."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import pytest

from netraven.engine import execute
from netraven.engine.config_diff import ConfigChange
from netraven.engine.config_modes import plan_config
from tests.inprocess.conftest import World

NEIGHBOURS = 200


def test_a_30000_line_config_push_does_not_stall_the_loop(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = world.network.device("big")
    # 5 lines each with the "!" separator: 30,000 lines, so the diff reliably takes long
    # enough (well over 0.3 s) for a stall to be told from scheduling noise.
    for i in range(6000):
        big.config[f"interface GigabitEthernet1/0/{i}"] = [
            f"description port {i}",
            "switchport mode access",
            f"switchport access vlan {i % 100 + 1}",
        ]
    hosts = {"big": {"platform": "cisco_ios"}}
    for n in range(NEIGHBOURS):
        name = f"n{n}"
        hosts[name] = {"platform": "cisco_ios"}
        device = world.network.device(name)
        device.outputs["show version"] = "Version 17.9"
        device.delay = 0.005
    spec = world.spec(
        """
        - hosts: big
          tasks:
            - config:
                lines:
                  - interface GigabitEthernet1/0/7
                  - " description uplink"
        - hosts: all:!big
          tasks:
            - command: show version
        """,
        hosts,
    )
    # Both plays at once, as two jobs in one loop: the neighbours run while "big" is diffed.
    spec_neighbours = world.spec(
        "- hosts: all:!big\n  tasks:\n"
        + "".join("    - command: show version\n" for _ in range(10)),
        hosts,
    )

    async def scenario() -> tuple[float, list[int]]:
        lag = 0.0
        done = asyncio.Event()

        async def watch() -> None:
            nonlocal lag
            while not done.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                lag = max(lag, time.perf_counter() - before - 0.01)

        watcher = asyncio.create_task(watch())
        registry = world.network.registry()
        outcomes = await asyncio.gather(
            execute(spec, store=world.store, connections=registry),
            execute(spec_neighbours, store=world.store, connections=registry),
        )
        done.set()
        await watcher
        return lag, [o.exit_code for o in outcomes]

    # The diff as it runs in this very job, timed where it runs: on the loop, the loop
    # would stall for all of it; in a thread, the loop only shares the CPU with it.
    durations: list[float] = []

    def timed(*args: Any) -> ConfigChange:
        started = time.perf_counter()
        try:
            return plan_config(*args)
        finally:
            durations.append(time.perf_counter() - started)

    monkeypatch.setattr("netraven.engine.actions.plan_config", timed)
    # What earlier tests left on the heap is moved out of the collector's way: a full
    # collection over it is a pause of its own, not the one this test is about.
    gc.collect()
    gc.freeze()
    try:
        lag, codes = asyncio.run(scenario())
    finally:
        gc.unfreeze()
    assert codes == [0, 0]
    assert big.has("description uplink", "interface GigabitEthernet1/0/7")
    cost = max(durations)
    assert cost > 0.3, f"the diff took only {cost:.2f}s: too small to tell a stall"
    assert lag < cost / 2, f"event loop stalled {lag:.2f}s while the diff took {cost:.2f}s"
