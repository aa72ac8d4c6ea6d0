"""Serial rollouts, order, throttle and batch rollbacks: the real engine against fake devices."""

from __future__ import annotations

import asyncio
from typing import Any

from netraven.app.jobs import show_job
from netraven.connections.base import Connection
from netraven.domain import HostStatus, JobOutcome, TaskStatus
from netraven.engine import execute
from netraven.errors import ConnectionFailed
from netraven.store import queries
from tests.inprocess.conftest import World

SIX = {f"s{i}": {"groups": ["site"], "platform": "cisco_ios"} for i in range(1, 7)}
NTP = "ntp server 192.0.2.50"


class Meter:
    """Counts each command in flight across all devices, and the order hosts connect in."""

    def __init__(self) -> None:
        self.now: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.connected: list[str] = []

    def wrap(self, conn: Connection) -> Connection:
        meter = self

        class Metered:
            async def open(self) -> None:
                await conn.open()
                meter.connected.append(conn.params.name)  # type: ignore[attr-defined]

            async def send_command(self, command: str) -> str:
                meter.now[command] = meter.now.get(command, 0) + 1
                meter.peak[command] = max(meter.peak.get(command, 0), meter.now[command])
                try:
                    return await conn.send_command(command)
                finally:
                    meter.now[command] -= 1

            async def send_config(self, lines: list[str]) -> str:
                return await conn.send_config(lines)

            async def close(self) -> None:
                await conn.close()

        return Metered()


def _run(world: World, playbook: str, meter: Meter, **options: Any) -> JobOutcome:
    spec = world.spec(playbook, SIX, **options)
    return asyncio.run(
        execute(spec, store=world.store, connections=world.network.registry(meter.wrap))
    )


def _statuses(world: World, outcome: JobOutcome) -> dict[str, list[str]]:
    """Every recorded host row's status, by host, in the order they were written."""
    rows: dict[str, list[str]] = {}
    for row in queries.host_results(world.store, outcome.job_id):
        rows.setdefault(row.host, []).append(row.status)
    return rows


def _devices(world: World) -> None:
    for name in SIX:
        device = world.network.device(name)
        device.outputs.update({"show version": "Version 17.9", "show clock": "12:00"})
        device.config["logging host 192.0.2.1"] = []


def test_a_failing_batch_stops_the_rollout_and_later_batches_are_skipped(world: World) -> None:
    _devices(world)
    world.network.device("s3").reject.add(NTP)
    outcome = _run(
        world,
        f"""
        - hosts: all
          serial: [1, 2, 3]
          max_fail_percentage: 0
          tasks:
            - config: {{lines: ["{NTP}"]}}
        - hosts: all
          tasks:
            - command: show clock
        """,
        Meter(),
    )
    assert outcome.exit_code == 8
    assert outcome.aborted == "batch 2/3: 1 of 2 hosts failed, more than max_fail_percentage 0%"
    rows = _statuses(world, outcome)
    assert rows == {
        "s1": ["ok"],
        "s2": ["ok"],
        "s3": ["failed"],
        "s4": ["skipped"],
        "s5": ["skipped"],
        "s6": ["skipped"],
    }
    skipped = [r for r in queries.host_results(world.store, outcome.job_id) if r.host == "s6"]
    assert skipped[0].error == f"rollout stopped: {outcome.aborted}"
    for name in ("s1", "s2"):
        assert world.network.device(name).has(NTP)  # on_failure continue: no rollback
    for name in ("s4", "s5", "s6"):
        device = world.network.device(name)
        assert device.logins == 0 and device.commands == [] and not device.has(NTP)
    # The later play did not run at all, and each batch is in the job log.
    assert not any(t.play_index == 1 for t in outcome.tasks)
    messages = [e.message for e in queries.logs(world.store, outcome.job_id) if e.host is None]
    assert any(m.endswith("batch 1/3: 1 host(s): s1") for m in messages)
    assert any(m.endswith("batch 2/3: 2 host(s): s2, s3") for m in messages)
    assert not any("batch 3/3" in m for m in messages)
    job = queries.get_job(world.store, outcome.job_id)
    assert job is not None and (job.exit_code, job.aborted) == (8, outcome.aborted)


def test_the_failure_budget_is_per_batch(world: World) -> None:
    _devices(world)
    world.network.device("s2").fail_open.append(ConnectionFailed("refused"))
    playbook = """
        - hosts: all
          serial: [2, 4]
          max_fail_percentage: 40
          tasks:
            - command: show version
        """
    # 1 of the first batch's 2 hosts is 50%, more than 40% — though 1 of 6 would not be.
    outcome = _run(world, playbook, Meter())
    assert outcome.exit_code == 8
    assert outcome.aborted is not None and outcome.aborted.startswith("batch 1/2: 1 of 2")
    status = outcome.host_status()
    assert [status[h] for h in SIX] == ["ok", "unreachable"] + ["skipped"] * 4
    # The same failure in the 4-host batch is 25%: within budget, the rollout completes.
    world.network.device("s4").fail_open.append(ConnectionFailed("refused"))
    outcome = _run(world, playbook, Meter())
    assert outcome.exit_code == 4 and outcome.aborted is None
    assert outcome.host_status()["s4"] == HostStatus.UNREACHABLE
    assert all(outcome.host_status()[h] == HostStatus.OK for h in SIX if h != "s4")


def test_a_batch_whose_every_host_failed_stops_the_rollout(world: World) -> None:
    _devices(world)
    world.network.device("s1").fail_open.append(ConnectionFailed("refused"))
    outcome = _run(
        world, "- hosts: all\n  serial: 1\n  tasks:\n    - command: show version\n", Meter()
    )
    assert outcome.exit_code == 8
    assert outcome.aborted == "batch 1/6: all 1 host(s) of the batch failed"
    assert [outcome.host_status()[h] for h in SIX] == ["unreachable"] + ["skipped"] * 5
    # Without serial the play is one batch: all failing is a plain failure (4), as before.
    world.network.device("s1").fail_open.append(ConnectionFailed("refused"))
    outcome = _run(world, "- hosts: s1\n  tasks:\n    - command: show version\n", Meter())
    assert (outcome.exit_code, outcome.aborted) == (4, None)


def test_order_decides_who_goes_first(world: World) -> None:
    _devices(world)
    meter = Meter()
    outcome = _run(
        world,
        """
        - hosts: all
          order: reverse_inventory
          serial: 4
          tasks:
            - command: show version
        """,
        meter,
        forks=1,
    )
    assert outcome.exit_code == 0
    assert meter.connected == ["s6", "s5", "s4", "s3", "s2", "s1"]


def test_throttle_bounds_the_hosts_running_one_task(world: World) -> None:
    _devices(world)
    for name in SIX:
        world.network.device(name).delay = 0.02
    meter = Meter()
    outcome = _run(
        world,
        """
        - hosts: all
          tasks:
            - command: show clock
            - command: show version
              throttle: 2
        """,
        meter,
        forks=10,
    )
    assert outcome.exit_code == 0
    assert len([t for t in outcome.tasks if t.status == TaskStatus.OK]) == 12
    assert meter.peak["show version"] == 2
    assert meter.peak["show clock"] == 6  # the meter does see more when nothing throttles


def _canary(world: World, scope: str) -> tuple[JobOutcome, dict[str, str]]:
    """Six hosts in batches of 1, 2, 3; s3 (second batch) rejects the NTP line."""
    _devices(world)
    before = {name: world.network.device(name).running_config() for name in SIX}
    world.network.device("s3").reject.add(NTP)
    outcome = _run(
        world,
        f"""
        - hosts: all
          serial: [1, 2, 3]
          recovery: {{on_failure: rollback, rollback_scope: {scope}}}
          tasks:
            - config: {{lines: ["interface Loopback9", " description canary"]}}
            - config: {{lines: ["{NTP}"]}}
        """,
        Meter(),
    )
    return outcome, before


def test_rollback_scope_batch_rolls_back_the_failing_batch_only(world: World) -> None:
    outcome, before = _canary(world, "batch")
    assert outcome.exit_code == 8
    assert outcome.aborted is not None
    assert outcome.aborted.startswith("batch 2/3: 1 of 2 hosts failed")
    assert outcome.aborted.endswith("(implied by rollback_scope: batch)")
    net = world.network
    # The canary stays changed; both hosts of batch 2 are back to their pre-change config.
    assert net.device("s1").has(NTP) and net.device("s1").has("interface Loopback9")
    for name in ("s2", "s3"):
        assert net.device(name).running_config() == before[name]
    for name in ("s4", "s5", "s6"):
        assert net.device(name).commands == [] and net.device(name).logins == 0
    rows = _statuses(world, outcome)
    assert rows["s1"] == ["ok"]
    assert rows["s2"] == ["ok", "rolled_back"]  # ok, then rolled back for its batch-mate
    assert rows["s3"] == ["rolled_back"]  # it rolled itself back
    assert rows["s4"] == rows["s5"] == rows["s6"] == ["skipped"]
    # s2's session was closed after its last play: the rollback logged in again.
    assert net.device("s2").logins == 2 and net.device("s2").open_sessions == 0
    rollback = [t for t in queries.task_results(world.store, outcome.job_id, "s2")][-1]
    assert (rollback.action, rollback.status, rollback.failed) == ("rollback", "rolled_back", True)
    assert rollback.error is not None and "rolled back (" in rollback.error
    doc = show_job(world.store, outcome.job_id)
    assert doc.hosts["s2"].status == "rolled_back"
    assert [p.status for p in doc.hosts["s2"].plays] == ["ok", "rolled_back"]
    assert outcome.failed_hosts() == ["s2", "s3"]


def test_rollback_scope_play_rolls_back_every_host_changed_so_far(world: World) -> None:
    outcome, before = _canary(world, "play")
    assert outcome.exit_code == 8
    for name in ("s1", "s2", "s3"):
        assert world.network.device(name).running_config() == before[name]
    rows = _statuses(world, outcome)
    assert rows["s1"] == ["ok", "rolled_back"]
    assert rows["s2"] == ["ok", "rolled_back"]
    assert rows["s3"] == ["rolled_back"]
    assert rows["s4"] == ["skipped"]
    assert sorted(outcome.failed_hosts()) == ["s1", "s2", "s3"]


def test_a_batch_rollback_that_does_not_restore_is_rollback_failed(world: World) -> None:
    _devices(world)
    world.network.device("s2").reject.add(NTP)
    outcome = _run(
        world,
        f"""
        - hosts: s1,s2
          serial: 2
          recovery: {{on_failure: rollback, rollback_scope: batch}}
          tasks:
            - config: {{lines: ["interface Loopback9", " description canary"]}}
              rollback: ["interface Loopback9", " description not what it was"]
            - config: {{lines: ["{NTP}"]}}
        """,
        Meter(),
        forks=1,
    )
    assert outcome.exit_code == 8
    rows = _statuses(world, outcome)
    assert rows["s1"] == ["ok", "rollback_failed"]
    task = queries.task_results(world.store, outcome.job_id, "s1")[-1]
    assert task.status == "rollback_failed" and task.diff and "not what it was" in task.diff
    # s2's own rollback failed the same way; it is not rolled back a second time.
    assert rows["s2"] == ["rollback_failed"]
    assert len([t for t in outcome.tasks if t.host == "s2" and t.action == "rollback"]) == 0


def test_check_mode_rollout_changes_and_rolls_back_nothing(world: World) -> None:
    _devices(world)
    world.network.device("s3").fail_commands["show running-config"] = ConnectionFailed("gone")
    outcome = _run(
        world,
        f"""
        - hosts: all
          serial: [1, 2, 3]
          recovery: {{on_failure: rollback, rollback_scope: play}}
          tasks:
            - config: {{lines: ["{NTP}"]}}
        """,
        Meter(),
        check=True,
    )
    assert outcome.exit_code == 8
    assert all(not world.network.device(h).config_batches for h in SIX)
    assert not any(t.action == "rollback" for t in outcome.tasks)
