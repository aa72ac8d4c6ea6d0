"""Every failure is a failure: nothing unexpected is ever recorded as ok."""

from __future__ import annotations

import pytest

from netraven.domain import HostStatus, JobStatus, TaskStatus
from netraven.engine import NullListener
from netraven.store import queries
from tests.inprocess.conftest import World

SHOW = """
- hosts: all
  tasks:
    - command: show version
"""


def _give_version(world: World) -> None:
    for name in ("r1", "r2", "r3", "r4"):
        world.network.device(name).outputs["show version"] = "Version 17.9"


def test_a_bug_in_a_connection_fails_the_host_not_the_job(world: World) -> None:
    _give_version(world)
    world.network.device("r2").fail_open.append(TypeError("unexpected keyword 'auth_username'"))
    outcome = world.run(SHOW)
    assert outcome.exit_code == 2
    assert outcome.status == JobStatus.FAILED
    status = outcome.host_status()
    assert status["r2"] == HostStatus.FAILED
    assert {status[h] for h in ("r1", "r3", "r4")} == {HostStatus.OK}
    hosts = {h.host: h for h in queries.host_results(world.store, outcome.job_id)}
    assert hosts["r2"].status == "failed"
    assert "internal error: TypeError" in (hosts["r2"].error or "")
    tasks = queries.task_results(world.store, outcome.job_id, "r2")
    assert [t.status for t in tasks] == ["failed"] and tasks[0].failed
    debug = [e.message for e in queries.logs(world.store, outcome.job_id, "r2")]
    assert any("Traceback" in m and "TypeError" in m for m in debug)


def test_a_bug_in_config_diffing_fails_the_task(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("hier-config exploded")

    monkeypatch.setattr("netraven.engine.actions.plan_config", broken)
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - config: {lines: ["ntp server 192.0.2.1"]}
        """
    )
    assert outcome.exit_code == 2
    assert outcome.tasks[0].status == TaskStatus.FAILED
    assert "RuntimeError: hier-config exploded" in (outcome.tasks[0].error or "")
    assert world.network.device("r1").config_batches == []


def test_internal_errors_are_not_ignorable(world: World) -> None:
    _give_version(world)
    world.network.device("r1").fail_commands["show version"] = KeyError("boom")
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show version
              ignore_errors: true
            - command: show version
        """
    )
    assert outcome.exit_code == 2
    assert len(outcome.tasks) == 1 and not outcome.tasks[0].ignored


class _Broken(NullListener):
    def __init__(self, on: str) -> None:
        self.on = on
        self.calls = 0

    def task_finished(self, outcome: object) -> None:  # type: ignore[override]
        if self.on == "task":
            self.calls += 1
            raise BrokenPipeError("stdout closed")

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        if self.on == "play":
            self.calls += 1
            raise BrokenPipeError("stdout closed")


def test_a_listener_that_raises_fails_that_host_and_is_detached(world: World) -> None:
    _give_version(world)
    broken = _Broken("task")
    outcome = world.run(SHOW, listeners=[broken], forks=1)
    assert broken.calls == 1  # detached after its first failure
    failed = [h for h, s in outcome.host_status().items() if s == HostStatus.FAILED]
    assert len(failed) == 1
    assert outcome.exit_code == 2
    rows = {h.host: h for h in queries.host_results(world.store, outcome.job_id)}
    assert "listener _Broken failed: BrokenPipeError" in (rows[failed[0]].error or "")
    tasks = {t.host: t for t in queries.task_results(world.store, outcome.job_id)}
    assert tasks[failed[0]].status == "failed"


def test_a_listener_failing_outside_any_host_fails_the_job_with_exit_1(world: World) -> None:
    _give_version(world)
    outcome = world.run(SHOW, listeners=[_Broken("play")])
    assert outcome.exit_code == 1
    assert outcome.status == JobStatus.FAILED
    job = queries.get_job(world.store, outcome.job_id)
    assert job is not None and job.status == "failed" and job.exit_code == 1
    assert "BrokenPipeError" in (job.error or "")


def test_a_failed_host_counts_for_the_breaker(world: World) -> None:
    for name in ("r1", "r2"):
        world.network.device(name).fail_open.append(TypeError("bug"))
    outcome = world.run(
        """
        - hosts: site_a
          recovery:
            circuit_breaker: {scope: group, threshold: 2}
          tasks:
            - command: show version
        """,
        forks=1,
    )
    assert outcome.exit_code == 2
    breakers = {b.scope_key: b for b in queries.load_breakers(world.store)}
    assert breakers["group:site_a"].state == "open"
    assert breakers["group:site_a"].failures == 2


def test_a_store_that_stops_accepting_writes_fails_the_job_exit_1(world: World) -> None:
    from sqlalchemy import text

    _give_version(world)
    with world.store.begin() as connection:
        connection.execute(text("DROP TABLE log_entry"))  # every log row now fails to insert
    outcome = world.run(SHOW)
    assert outcome.exit_code == 1
    assert outcome.status == JobStatus.FAILED
    assert outcome.error is not None and "job store write failed" in outcome.error
    assert "log_entry" in outcome.error  # the first error is the one reported
    job = queries.get_job(world.store, outcome.job_id)
    assert job is not None and job.status == "failed" and job.exit_code == 1
    assert job.error == outcome.error
