"""A process-wide ConnectionPool across jobs: FakeDevice.logins counts the real logins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from netraven.connections.base import Connection, HostParams
from netraven.credentials import INVENTORY_SET
from netraven.domain import HostStatus, JobOutcome, TaskStatus
from netraven.engine import ConnectionPool, execute
from netraven.engine.pool import pool_key
from netraven.store import queries
from tests.inprocess.conftest import World

SHOW = """
- hosts: r1,r2
  tasks:
    - command: show version
"""
CONFIG = """
- hosts: r1
  tasks:
    - config: {lines: ["ntp server 192.0.2.1"]}
"""


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _outputs(world: World) -> None:
    for name in ("r1", "r2", "r3", "r4"):
        world.network.device(name).outputs["show version"] = "Version 17.9"


def _job(
    world: World, pool: ConnectionPool, playbook: str, **options: Any
) -> Awaitable[JobOutcome]:
    spec = world.spec(playbook, **options)
    return execute(spec, store=world.store, connections=world.network.registry(), pool=pool)


def _in_one_loop(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(body())


def test_two_jobs_within_the_idle_window_log_in_once_per_host(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())
    outcomes: list[JobOutcome] = []

    async def body() -> None:
        outcomes.append(await _job(world, pool, SHOW))
        assert pool.idle() == 2  # both hosts' sessions kept, still logged in
        assert pool.idle(_key(world, "r1")) == 1
        outcomes.append(await _job(world, pool, SHOW))
        await pool.close()

    _in_one_loop(body)
    assert [o.exit_code for o in outcomes] == [0, 0]
    for name in ("r1", "r2"):
        device = world.network.device(name)
        assert device.logins == 1
        assert device.probes == 1  # checked before reuse
        assert device.commands == ["show version", "show version"]
        assert device.open_sessions == 0  # pool.close() closed them
    second = outcomes[1].job_id
    assert {h.host: h.status for h in queries.host_results(world.store, second)} == {
        "r1": HostStatus.OK,
        "r2": HostStatus.OK,
    }
    messages = [e.message for e in queries.logs(world.store, second, "r1")]
    assert "reusing a pooled session (no new login)" in messages
    assert pool.reused == 2


def test_without_a_pool_every_job_logs_in_again(world: World) -> None:
    _outputs(world)
    assert world.run(SHOW).exit_code == 0
    assert world.run(SHOW).exit_code == 0
    assert world.network.device("r1").logins == 2
    assert world.network.device("r1").open_sessions == 0


def test_after_the_idle_window_a_new_login(world: World) -> None:
    _outputs(world)
    clock = Clock()
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=clock)

    async def body() -> None:
        assert (await _job(world, pool, SHOW)).exit_code == 0
        clock.now += 60
        assert (await _job(world, pool, SHOW)).exit_code == 0
        await pool.close()

    _in_one_loop(body)
    device = world.network.device("r1")
    assert device.logins == 2
    assert device.probes == 0  # an expired session is closed, not probed
    assert device.open_sessions == 0


def test_a_dead_idle_session_fails_its_probe_and_the_job_logs_in_again(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())
    outcomes: list[JobOutcome] = []

    async def body() -> None:
        outcomes.append(await _job(world, pool, SHOW))
        world.network.device("r1").drop_sessions()  # hung up underneath the pool
        outcomes.append(await _job(world, pool, SHOW))
        await pool.close()

    _in_one_loop(body)
    assert [o.exit_code for o in outcomes] == [0, 0]
    assert all(h.status == HostStatus.OK for h in outcomes[1].hosts)
    r1, r2 = world.network.device("r1"), world.network.device("r2")
    assert (r1.logins, r1.probes) == (2, 1)
    assert (r2.logins, r2.probes) == (1, 1)
    assert r1.open_sessions == r2.open_sessions == 0


def test_check_mode_job_reuses_the_raw_session_but_still_blocks_config(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())
    outcomes: list[JobOutcome] = []

    async def body() -> None:
        outcomes.append(await _job(world, pool, SHOW))
        outcomes.append(
            await _job(
                world,
                pool,
                """
                - hosts: r1
                  tasks:
                    - command: clear counters
                """,
                check=True,
            )
        )
        # The refused command leaves no trace in the pool: the next job logs in afresh.
        assert pool.idle(_key(world, "r1")) == 0
        outcomes.append(await _job(world, pool, CONFIG))
        await pool.close()

    _in_one_loop(body)
    device = world.network.device("r1")
    check = outcomes[1]
    assert [t.status for t in check.tasks] == [TaskStatus.SKIPPED]  # as without a pool
    assert "check mode: refused" in (check.tasks[0].output or "")
    assert "clear counters" not in device.commands  # never reached the device
    assert device.probes == 1  # the check-mode job did reuse the first job's session
    # The normal job after it sends config: nothing of check mode stayed with the session.
    assert outcomes[2].exit_code == 0
    assert device.config_batches == [["ntp server 192.0.2.1"]]
    assert device.has("ntp server 192.0.2.1")
    assert device.logins == 2


def test_a_failed_host_session_is_not_pooled(world: World) -> None:
    _outputs(world)
    world.network.device("r1").outputs["show version"] = "% Invalid input detected"
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())

    async def body() -> None:
        first = await _job(world, pool, SHOW)
        assert {h.host: h.status for h in first.hosts}["r1"] == HostStatus.FAILED
        assert pool.idle() == 1  # only r2's
        world.network.device("r1").outputs["show version"] = "Version 17.9"
        assert (await _job(world, pool, SHOW)).exit_code == 0
        await pool.close()

    _in_one_loop(body)
    assert world.network.device("r1").logins == 2
    assert world.network.device("r2").logins == 1


def _key(world: World, host: str) -> tuple[str, ...]:
    params = HostParams(host, host, 22, "u", "pw-Secret-1", None, "cisco_ios")
    return pool_key(params, "fake", INVENTORY_SET)


def test_cap_per_device_beyond_it_sessions_are_unpooled(world: World) -> None:
    _outputs(world)
    device = world.network.device("r1")
    device.gate = asyncio.Event()  # holds both jobs inside their command
    pool = ConnectionPool(idle_seconds=60, max_per_device=1, clock=Clock())
    one = """
    - hosts: r1
      tasks:
        - command: show version
    """

    async def body() -> None:
        jobs = [asyncio.create_task(_job(world, pool, one)) for _ in range(2)]
        while device.logins < 2:
            await asyncio.sleep(0.01)
        assert pool.busy(_key(world, "r1")) == 1  # the second login did not count
        assert device.gate is not None
        device.gate.set()
        assert [o.exit_code for o in await asyncio.gather(*jobs)] == [0, 0]
        assert pool.idle(_key(world, "r1")) == 1
        assert device.open_sessions == 1  # the unpooled one closed at its job's end
        assert (await _job(world, pool, one)).exit_code == 0
        await pool.close()

    _in_one_loop(body)
    assert device.logins == 2 and device.probes == 1
    assert device.open_sessions == 0


def test_the_sweeper_closes_expired_sessions(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=0.05, max_per_device=2)

    async def body() -> None:
        assert (await _job(world, pool, SHOW)).exit_code == 0
        assert world.network.device("r1").open_sessions == 1
        for _ in range(100):
            if pool.idle() == 0:
                break
            await asyncio.sleep(0.02)
        assert pool.idle() == 0
        await pool.close()

    _in_one_loop(body)
    assert world.network.device("r1").open_sessions == 0


def test_the_pool_belongs_to_one_event_loop(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())
    assert asyncio.run(_job(world, pool, SHOW)).exit_code == 0
    with pytest.raises(RuntimeError, match="event loop"):
        asyncio.run(pool.acquire(_key(world, "r1")))


def test_the_key_carries_a_digest_of_the_secrets_never_the_secrets() -> None:
    params = HostParams("r1", "10.0.0.1", 22, "u", "pw-Secret-1", "en-Secret-2", "cisco_ios")
    key = pool_key(params, "scrapli", "aaa")
    assert not any("Secret" in part for part in key)
    other = HostParams("r1", "10.0.0.1", 22, "u", "pw-Secret-9", "en-Secret-2", "cisco_ios")
    assert pool_key(other, "scrapli", "aaa") != key
    assert pool_key(params, "netmiko", "aaa") != key
    assert pool_key(params, "scrapli", "breakglass") != key


class _NoProbe:
    """A plugin-like connection without ``alive()``: the pool cannot check it."""

    def __init__(self, inner: Connection) -> None:
        self.inner = inner

    async def open(self) -> None:
        await self.inner.open()

    async def send_command(self, command: str) -> str:
        return await self.inner.send_command(command)

    async def send_config(self, lines: list[str]) -> str:
        return await self.inner.send_config(lines)

    async def close(self) -> None:
        await self.inner.close()


def test_a_connection_without_a_probe_is_never_pooled(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())
    registry = world.network.registry(wrap=_NoProbe)

    async def body() -> None:
        for _ in range(2):
            spec = world.spec(SHOW)
            outcome = await execute(spec, store=world.store, connections=registry, pool=pool)
            assert outcome.exit_code == 0
            assert pool.idle() == 0 and pool.busy(_key(world, "r1")) == 0
        await pool.close()

    _in_one_loop(body)
    device = world.network.device("r1")
    assert device.logins == 2 and device.open_sessions == 0


def test_a_host_that_failed_after_clean_commands_is_not_pooled(world: World) -> None:
    _outputs(world)
    pool = ConnectionPool(idle_seconds=60, max_per_device=2, clock=Clock())
    failing = """
    - hosts: r1
      tasks:
        - command: show version
        - fail: {msg: "the controller said no"}
    """

    async def body() -> None:
        first = await _job(world, pool, failing)
        assert [h.status for h in first.hosts] == [HostStatus.FAILED]
        assert pool.idle() == 0  # every call on the session succeeded, the host did not
        await pool.close()

    _in_one_loop(body)
    device = world.network.device("r1")
    assert device.logins == 1 and device.open_sessions == 0
