"""The scheduler on a fake clock: due schedules become recorded jobs on fake devices.

The real store, the real engine, the real handlers; only time and the devices are fake.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from netraven.app.schedules import (
    ScheduleRequest,
    add_schedule,
    get_schedule,
    run_now,
    set_enabled,
)
from netraven.errors import InputError
from netraven.scheduler.handlers import direct_launch
from netraven.scheduler.loop import Scheduler
from netraven.store import queries
from netraven.store import schedules as rows
from netraven.testing import FakeNetwork
from tests.inprocess.conftest import World

START = datetime(2026, 6, 1, 11, 59, 30, tzinfo=UTC)
NTP = "ntp server 192.0.2.50"
PLAY = f"""\
- hosts: all
  tasks:
    - config:
        lines: ["{NTP}"]
"""


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def project(world: World) -> tuple[Path, Path]:
    inventory = world.inventory(
        {name: {"platform": "cisco_ios", "connection_options": {}} for name in ("r1", "r2")}
    )
    (inventory / "defaults.yaml").write_text(
        "username: u\npassword: pw-Secret-1\ndata:\n  connection: fake\n"
    )
    playbook = world.root / "ntp.yml"
    playbook.write_text(PLAY)
    return inventory, playbook


def add(world: World, name: str, timing: str, *, handler: str = "playbook", **kw: object) -> None:
    inventory, playbook = project(world)
    request = ScheduleRequest(
        name=name,
        handler=handler,
        inventory=str(inventory),
        playbook=str(playbook) if handler == "playbook" else None,
        timing=timing,
        **kw,  # type: ignore[arg-type]
    )
    add_schedule(world.store, request, created_by="tester", now=START)


def scheduler(world: World, clock: FakeClock, network: FakeNetwork | None = None) -> Scheduler:
    launch = direct_launch(world.store, connections=(network or world.network).registry())
    return Scheduler(world.store, launch, clock=clock)


def jobs(store: Engine) -> list[tuple[int, str, str]]:
    return [(j.id or 0, j.user, j.status) for j in reversed(queries.list_jobs(store, 100))]


def test_a_due_schedule_runs_the_playbook_and_plans_its_next_run(world: World) -> None:
    add(world, "ntp", "every 1m")
    clock = FakeClock(START)

    async def scenario() -> None:
        sched = scheduler(world, clock)
        first = await sched.tick()
        assert first.started == [] and jobs(world.store) == []  # due 12:00:30, not yet
        clock.advance(seconds=61)
        second = await sched.tick()
        assert second.started == ["ntp"]
        await sched.wait_idle()

    asyncio.run(scenario())
    assert jobs(world.store) == [(1, "schedule:ntp", "succeeded")]
    assert world.network.device("r1").has(NTP) and world.network.device("r2").has(NTP)
    view = get_schedule(world.store, "ntp")
    assert (view.last_job_id, view.last_status, view.running) == (1, "succeeded", False)
    assert view.last_run_at is not None and view.next_run_at is not None
    assert view.next_run_at.replace(tzinfo=UTC) == START + timedelta(minutes=2)


def test_a_run_still_going_makes_the_next_tick_skip_not_overlap(world: World) -> None:
    add(world, "slow", "every 1m")
    clock = FakeClock(START + timedelta(seconds=61))

    async def scenario() -> None:
        gate = asyncio.Event()
        world.network.device("r1").gate = gate  # r1's commands wait until it opens
        sched = scheduler(world, clock)
        assert (await sched.tick()).started == ["slow"]
        for _ in range(50):
            await asyncio.sleep(0)
        clock.advance(minutes=1)
        tick = await sched.tick()
        assert tick.started == []
        assert "previous run is still going" in tick.skipped["slow"]
        assert get_schedule(world.store, "slow").running
        gate.set()
        await sched.wait_idle()
        clock.advance(minutes=1)
        assert (await sched.tick()).started == ["slow"]
        await sched.wait_idle()

    asyncio.run(scenario())
    assert jobs(world.store) == [
        (1, "schedule:slow", "succeeded"),
        (2, "schedule:slow", "succeeded"),
    ]


@pytest.mark.parametrize(("policy", "expected"), [("run_once", 1), ("skip", 0)])
def test_missed_runs_during_downtime(world: World, policy: str, expected: int) -> None:
    add(world, "nightly", "every 1h", missed=policy)
    clock = FakeClock(START + timedelta(hours=5, minutes=10))  # down for five runs

    async def scenario() -> None:
        sched = scheduler(world, clock)
        tick = await sched.tick()
        await sched.wait_idle()
        assert len(tick.started) == expected
        if not expected:
            assert "missed and skipped" in tick.skipped["nightly"]

    asyncio.run(scenario())
    assert len(jobs(world.store)) == expected  # five missed runs never pile up
    view = get_schedule(world.store, "nightly")
    assert view.last_note is not None
    assert ("running once now" if expected else "missed and skipped") in view.last_note
    assert view.next_run_at is not None
    assert view.next_run_at.replace(tzinfo=UTC) == START + timedelta(hours=6)


def test_disabled_schedules_do_not_run_and_enabling_plans_from_now(world: World) -> None:
    add(world, "off", "every 1m", enabled=False)
    clock = FakeClock(START + timedelta(hours=1))
    asyncio.run(scheduler(world, clock).tick())
    assert jobs(world.store) == []
    view = set_enabled(world.store, "off", True, now=clock.now())
    assert view.next_run_at is not None
    assert view.next_run_at.replace(tzinfo=UTC) == START + timedelta(hours=1, minutes=1)


def test_backup_handler_runs_a_generated_play_and_stores_backups(world: World) -> None:
    add(world, "cfg", "daily 03:00", handler="backup", limit="r2")

    async def scenario() -> None:
        await run_now(
            world.store, "cfg", direct_launch(world.store, connections=world.network.registry())
        )

    asyncio.run(scenario())
    job = queries.get_job(world.store, 1)
    assert job is not None and job.playbook == "schedule:cfg:backup" and job.status == "succeeded"
    assert json.loads(job.options)["limit"] == "r2"
    stored = queries.backups(world.store, job_id=1)
    assert [b.host for b in stored] == ["r2"]
    assert "hostname r2" in stored[0].text


def test_run_now_is_refused_while_the_schedule_is_claimed(world: World) -> None:
    add(world, "busy", "every 1h")
    row = rows.get_schedule(world.store, "busy")
    assert row is not None and row.id is not None
    assert rows.claim(world.store, row.id, "1@another-machine", START)
    with pytest.raises(InputError, match="is running now"):
        asyncio.run(run_now(world.store, "busy", direct_launch(world.store)))
    assert jobs(world.store) == []


def test_a_handler_failing_before_its_job_is_recorded_as_an_error(world: World) -> None:
    add(world, "gone", "every 1m")
    (world.root / "ntp.yml").unlink()  # deleted after the schedule was added
    clock = FakeClock(START + timedelta(seconds=61))

    async def scenario() -> None:
        sched = scheduler(world, clock)
        await sched.tick()
        await sched.wait_idle()

    asyncio.run(scenario())
    view = get_schedule(world.store, "gone")
    assert view.last_status == "error" and view.last_job_id is None
    assert view.last_note is not None and "ntp.yml" in view.last_note
    assert not view.running  # the claim was released


def test_cancelling_the_scheduler_interrupts_runs_in_flight(world: World) -> None:
    add(world, "long", "every 1m")
    clock = FakeClock(START + timedelta(seconds=61))

    async def scenario() -> None:
        gate = asyncio.Event()
        world.network.device("r1").gate = gate
        sched = scheduler(world, clock)
        task = asyncio.create_task(sched.run())
        for _ in range(200):  # until the job is recorded and r1 waits at the gate
            await asyncio.sleep(0.02)
            if jobs(world.store) and world.network.device("r1").commands:
                break
        assert jobs(world.store) == [(1, "schedule:long", "running")]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert jobs(world.store) == [(1, "schedule:long", "interrupted")]
    assert not get_schedule(world.store, "long").running


def test_a_claim_left_by_a_killed_process_does_not_block_the_schedule(world: World) -> None:
    import socket
    import subprocess
    import sys

    add(world, "orphan", "every 1m")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    row = rows.get_schedule(world.store, "orphan")
    assert row is not None and row.id is not None
    # The service holding it was SIGKILLed mid-run: its pid is gone on this machine.
    assert rows.claim(world.store, row.id, f"{dead.stdout.strip()}@{socket.gethostname()}", START)
    assert not get_schedule(world.store, "orphan").running
    clock = FakeClock(START + timedelta(seconds=61))

    async def scenario() -> None:
        sched = scheduler(world, clock)
        assert (await sched.tick()).started == ["orphan"]
        await sched.wait_idle()

    asyncio.run(scenario())
    assert jobs(world.store) == [(1, "schedule:orphan", "succeeded")]
