"""Engine behaviour against fake devices: statuses, variables, sessions, recovery, cancel."""

from __future__ import annotations

import asyncio

import pytest
from nornir.core.inventory import Host

from netraven.connections.base import HostParams
from netraven.domain import HostStatus, JobStatus, TaskStatus
from netraven.engine import execute
from netraven.errors import ConnectionFailed
from netraven.store import queries
from tests.inprocess.conftest import World

THREE_PLAYS = """
- hosts: all
  tasks:
    - command: show version
- hosts: site_a
  tasks:
    - command: show clock
- hosts: all
  tasks:
    - config: {lines: ["ntp server 192.0.2.1"]}
"""


def _outputs(world: World) -> None:
    for name in ("r1", "r2", "r3", "r4"):
        device = world.network.device(name)
        device.outputs.update({"show version": "Version 17.9", "show clock": "12:00"})


def test_one_login_per_host_for_the_whole_job_and_sessions_closed(world: World) -> None:
    _outputs(world)
    outcome = world.run(THREE_PLAYS)
    assert outcome.exit_code == 0
    for name in ("r1", "r2", "r3", "r4"):
        device = world.network.device(name)
        assert device.logins == 1
        assert device.open_sessions == 0
        assert device.has("ntp server 192.0.2.1")
    again = world.run(THREE_PLAYS)
    assert again.exit_code == 0
    assert all(t.status != TaskStatus.CHANGED for t in again.tasks)
    assert not any(t.changed for t in again.tasks)


def test_statuses_and_recap(world: World) -> None:
    _outputs(world)
    outcome = world.run(
        """
        - hosts: r1
          vars: {skip_me: false}
          tasks:
            - command: show version
            - command: show clock
              when: skip_me
            - config: {lines: ["logging host 192.0.2.9"]}
            - command: show nothing
              ignore_errors: true
            - assert: {that: ["1 == 1"]}
        """
    )
    assert [t.status for t in outcome.tasks] == [
        TaskStatus.OK,
        TaskStatus.SKIPPED,
        TaskStatus.CHANGED,
        TaskStatus.FAILED,
        TaskStatus.OK,
    ]
    assert outcome.tasks[3].ignored
    stats = outcome.stats()["r1"]
    assert (stats.ok, stats.changed, stats.skipped, stats.ignored, stats.failed) == (3, 1, 1, 1, 0)
    assert outcome.exit_code == 0
    rows = queries.task_results(world.store, outcome.job_id)
    assert [r.ignored for r in rows] == [False, False, False, True, False]


def test_variable_precedence_and_registered_results(world: World) -> None:
    _outputs(world)
    world.run(
        """
        - hosts: r1
          vars: {server: 192.0.2.5, site_word: play}
          tasks:
            - command: show version
              register: ver
            - config:
                lines:
                  - "ntp server {{ server }}"
                  - "snmp-server location {{ site_word }}-{{ inventory_hostname }}"
              when: "'17.9' in ver.output"
        """,
        extra_vars={"server": "192.0.2.99"},
    )
    device = world.network.device("r1")
    assert device.has("ntp server 192.0.2.99")
    assert device.has("snmp-server location play-r1")


def test_undefined_variable_fails_the_task_and_sends_nothing(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - config: {lines: ["ntp server {{ missing }}"]}
        """
    )
    assert outcome.exit_code == 2
    assert "undefined" in (outcome.tasks[0].error or "")
    assert world.network.device("r1").config_batches == []


def test_retries_reconnect_and_record_attempts(world: World) -> None:
    _outputs(world)
    device = world.network.device("r1")
    device.fail_open += [ConnectionFailed("connection refused")] * 2
    outcome = world.run(
        """
        - hosts: r1
          recovery: {retries: 3, backoff: {initial: 0, max: 0, jitter: false}}
          tasks:
            - command: show version
        """
    )
    assert outcome.exit_code == 0
    assert outcome.tasks[0].attempts == 3
    assert device.logins == 1


def test_unreachable_and_failure_budget_abort(world: World) -> None:
    _outputs(world)
    for name in ("r1", "r2"):
        world.network.device(name).fail_open.append(ConnectionFailed("refused"))
    outcome = world.run(
        """
        - hosts: all
          recovery: {max_fail_percentage: 0}
          tasks:
            - command: show version
        """,
        forks=1,
    )
    assert outcome.exit_code == 8
    assert outcome.aborted and "max_fail_percentage" in outcome.aborted
    status = outcome.host_status()
    assert status["r1"] == HostStatus.UNREACHABLE
    assert [status.get(h) for h in ("r3", "r4")] == [HostStatus.SKIPPED, HostStatus.SKIPPED]
    job = queries.get_job(world.store, outcome.job_id)
    assert job is not None and job.aborted == outcome.aborted and job.exit_code == 8


def test_rollback_restores_the_pre_change_config(world: World) -> None:
    device = world.network.device("r1")
    device.reject.add("ntp server 192.0.2.66")
    outcome = world.run(
        """
        - hosts: r1
          recovery: {on_failure: rollback}
          tasks:
            - config: {lines: ["logging host 192.0.2.9"]}
            - config: {lines: ["ntp server 192.0.2.66"]}
        """
    )
    assert outcome.exit_code == 2
    assert outcome.host_status()["r1"] == HostStatus.ROLLED_BACK
    assert not device.has("logging host 192.0.2.9")


def test_cancel_interrupts_in_flight_hosts_and_keeps_finished_ones(world: World) -> None:
    _outputs(world)
    gate = asyncio.Event()
    for name in ("r2", "r3", "r4"):
        world.network.device(name).gate = gate  # these never answer until cancelled
    spec = world.spec(
        """
        - hosts: all
          tasks:
            - command: show version
        """
    )

    async def scenario() -> tuple[int, JobStatus]:
        cancel = asyncio.Event()
        job = asyncio.create_task(
            execute(spec, store=world.store, cancel=cancel, connections=world.network.registry())
        )
        while len(world.network.device("r1").commands) < 1 or world.network.device(
            "r4"
        ).commands == []:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        cancel.set()
        outcome = await job
        return outcome.exit_code, outcome.status

    code, status = asyncio.run(scenario())
    assert (code, status) == (99, JobStatus.INTERRUPTED)
    rows = {h.host: h.status for h in queries.host_results(world.store, 1)}
    assert rows["r1"] == "ok"
    assert {rows[h] for h in ("r2", "r3", "r4")} == {"interrupted"}
    assert all(world.network.device(h).open_sessions == 0 for h in ("r1", "r2", "r3", "r4"))


def test_cancelling_the_awaiting_task_records_the_job_then_reraises(world: World) -> None:
    _outputs(world)
    world.network.device("r2").gate = asyncio.Event()  # r2 never answers
    spec = world.spec("- hosts: all\n  tasks:\n    - command: show version\n")

    async def scenario() -> bool:
        job = asyncio.create_task(
            execute(spec, store=world.store, connections=world.network.registry())
        )
        while not world.network.device("r2").commands:
            await asyncio.sleep(0.01)
        job.cancel()
        try:
            await job
        except asyncio.CancelledError:
            return True
        return False

    assert asyncio.run(scenario())
    job = queries.get_job(world.store, 1)
    assert job is not None and job.status == "interrupted" and job.exit_code == 99
    rows = {h.host: h.status for h in queries.host_results(world.store, 1)}
    assert rows["r2"] == "interrupted"


def test_config_warnings_reach_the_job_log(world: World) -> None:
    world.network.device("r1").config["interface GigabitEthernet1/0/1"] = [
        "spanning-tree portfast"
    ]
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - name: half-typed
              config:
                lines: ["interface GigabitEthernet1/0/1", " spanning-tree port"]
        """
    )
    warnings = [
        e.message
        for e in queries.logs(world.store, outcome.job_id, "r1")
        if e.level == "warning"
    ]
    assert any("task 'half-typed'" in w and "abbreviation" in w for w in warnings)


def test_run_document_comes_from_the_store_or_else_from_memory(world: World) -> None:
    from sqlalchemy import text

    from netraven.app.jobs import run_document, show_job

    _outputs(world)
    spec = world.spec("- hosts: r1\n  tasks:\n    - command: show version\n")
    outcome = asyncio.run(
        execute(spec, store=world.store, connections=world.network.registry())
    )
    recorded = run_document(world.store, outcome, spec)
    assert recorded == show_job(world.store, outcome.job_id)
    with world.store.begin() as connection:
        connection.execute(text("DROP TABLE task_result"))  # the store can no longer answer
    remembered = run_document(world.store, outcome, spec)
    assert remembered.job.id == outcome.job_id and remembered.job.status == "succeeded"
    assert [t.output for t in remembered.hosts["r1"].tasks] == ["Version 17.9"]
    assert remembered.stats["r1"].ok == 1


def test_each_hosts_connection_parameters_are_resolved_once_per_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolving a host walks Nornir's group inheritance; planning already did it, and
    the run reuses the plan's (a host in three plays is still resolved once)."""
    _outputs(world)
    resolved: list[str] = []
    original = HostParams.from_host.__func__  # type: ignore[attr-defined]

    def counting(cls: type[HostParams], host: Host) -> HostParams:
        resolved.append(host.name)
        return original(cls, host)  # type: ignore[no-any-return]

    monkeypatch.setattr(HostParams, "from_host", classmethod(counting))
    outcome = world.run(THREE_PLAYS)
    assert outcome.exit_code == 0
    assert len(outcome.hosts) == 4 + 2 + 4  # host-plays, each connected with its params
    assert sorted(resolved) == ["r1", "r2", "r3", "r4"]
