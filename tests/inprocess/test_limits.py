"""Inventory limits in the engine: max_concurrency per group, logins_per_second."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from netraven.connections.base import Connection
from netraven.domain import HostOutcome
from netraven.engine import execute
from netraven.errors import ConnectionFailed, InputError
from tests.inprocess.conftest import World

PLAY = """
- hosts: all
  tasks:
    - command: show version
    - command: show clock
"""
HOSTS = {f"r{i}": {"groups": ["edge" if i < 6 else "core"]} for i in range(8)}


def _peak(outcomes: list[HostOutcome]) -> int:
    """Most host-plays in flight at once, from their recorded start and end times."""
    events = sorted(
        [(o.started_at, 1) for o in outcomes] + [(o.finished_at, -1) for o in outcomes],
        key=lambda e: (e[0], e[1]),  # an end before a start at the same instant
    )
    active = peak = 0
    for _, step in events:
        active += step
        peak = max(peak, active)
    return peak


class _Timed:
    """Wraps a fake connection: when each login attempt started."""

    def __init__(self, conn: Connection, host: str, starts: list[tuple[str, float]]) -> None:
        self._conn, self._host, self._starts = conn, host, starts

    async def open(self) -> None:
        self._starts.append((self._host, time.monotonic()))
        await self._conn.open()

    async def send_command(self, command: str) -> str:
        return await self._conn.send_command(command)

    async def send_config(self, lines: list[str]) -> str:
        return await self._conn.send_config(lines)

    async def close(self) -> None:
        await self._conn.close()


def _run_timed(
    world: World, playbook: str, groups: dict[str, Any], **options: Any
) -> tuple[Any, list[tuple[str, float]]]:
    starts: list[tuple[str, float]] = []
    spec = world.spec(playbook, HOSTS, groups, **options)
    registry = world.network.registry(
        wrap=lambda conn: _Timed(conn, conn.params.name, starts)  # type: ignore[attr-defined]
    )
    outcome = asyncio.run(execute(spec, store=world.store, connections=registry))
    return outcome, starts


def _devices(world: World, delay: float) -> None:
    for name in HOSTS:
        device = world.network.device(name)
        device.delay = delay
        device.outputs.update({"show version": "Version 17.9", "show clock": "12:00"})


@pytest.mark.parametrize("strategy", ["free", "linear"])
def test_max_concurrency_caps_the_group_not_the_others(world: World, strategy: str) -> None:
    _devices(world, 0.03)
    play = PLAY.replace("- hosts: all", f"- hosts: all\n  strategy: {strategy}")
    outcome = world.run(
        play, HOSTS, groups={"edge": {"data": {"max_concurrency": 2}}}, forks=10
    )
    assert outcome.exit_code == 0
    edge = [o for o in outcome.hosts if o.host < "r6"]
    core = [o for o in outcome.hosts if o.host >= "r6"]
    if strategy == "free":
        assert _peak(edge) == 2  # at most 2 edge hosts at once, and the limit was reached
        assert _peak(core) == 2  # core is not limited: both ran alongside
    assert all(world.network.device(h).commands == ["show version", "show clock"] for h in HOSTS)


def test_max_concurrency_in_defaults_caps_every_host(world: World) -> None:
    _devices(world, 0.02)
    hosts = {name: dict(values) for name, values in HOSTS.items()}
    spec = world.spec(PLAY, hosts, {}, forks=10)
    assert spec.inventory is not None
    spec.inventory.defaults.data["max_concurrency"] = 3
    outcome = asyncio.run(
        execute(spec, store=world.store, connections=world.network.registry())
    )
    assert outcome.exit_code == 0
    assert _peak(outcome.hosts) == 3


def test_logins_are_spaced_per_group_and_every_attempt_counts(world: World) -> None:
    _devices(world, 0.0)
    # r0 refuses its first login: the retry's login counts against the rate too.
    world.network.device("r0").fail_open.append(ConnectionFailed("refused"))
    play = PLAY.replace(
        "  tasks:",
        "  recovery: {retries: 1, backoff: {initial: 0, max: 0, jitter: false}}\n  tasks:",
    )
    outcome, starts = _run_timed(
        world, play, {"edge": {"data": {"logins_per_second": 20}}}, forks=10
    )
    edge = sorted(t for h, t in starts if h < "r6")
    assert len(edge) == 7  # six hosts, r0 twice
    gaps = [b - a for a, b in zip(edge, edge[1:], strict=False)]
    assert min(gaps) >= 0.05 - 0.005  # 20 per second: 50 ms apart
    core = sorted(t for h, t in starts if h >= "r6")
    assert core[1] - core[0] < 0.04  # the core group is not paced
    assert outcome.exit_code == 0


def test_bad_limit_is_an_input_error_before_any_login(world: World) -> None:
    _devices(world, 0.0)
    with pytest.raises(InputError, match="group edge: data.max_concurrency must be"):
        world.run(PLAY, HOSTS, groups={"edge": {"data": {"max_concurrency": "many"}}})
    assert all(world.network.device(h).logins == 0 for h in HOSTS)


class _SlowLogin(_Timed):
    """A login that takes a while, counting how many are in progress at once."""

    def __init__(self, conn: Connection, host: str, gauge: list[int]) -> None:
        super().__init__(conn, host, [])
        self._gauge = gauge  # [in progress now, most at once]

    async def open(self) -> None:
        self._gauge[0] += 1
        self._gauge[1] = max(self._gauge[1], self._gauge[0])
        try:
            await asyncio.sleep(0.02)
            await self._conn.open()
        finally:
            self._gauge[0] -= 1


def test_logins_in_progress_are_bounded_whatever_forks_says(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of handshakes at once starve each other past their timeout; the job
    keeps at most MAX_LOGINS_IN_PROGRESS logins going, and every host still gets its turn."""
    from netraven.engine import sessions

    monkeypatch.setattr(sessions, "MAX_LOGINS_IN_PROGRESS", 3)
    _devices(world, 0.0)
    gauge = [0, 0]
    spec = world.spec(PLAY, HOSTS, {}, forks=8)  # every host in flight
    registry = world.network.registry(
        wrap=lambda conn: _SlowLogin(conn, conn.params.name, gauge)  # type: ignore[attr-defined]
    )
    outcome = asyncio.run(execute(spec, store=world.store, connections=registry))
    assert outcome.exit_code == 0
    assert gauge[1] == 3  # the bound was reached, never passed
    assert all(world.network.device(h).logins == 1 for h in HOSTS)
