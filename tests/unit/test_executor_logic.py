"""The Celery executor's pure parts: lane assignment and what travels on the wire."""

from __future__ import annotations

from datetime import UTC, datetime

from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.executor.coordinator import assign_lanes
from netraven.executor.wire import host_from_wire, host_to_wire, task_from_wire, task_to_wire


def test_new_hosts_are_spread_evenly_in_host_order() -> None:
    lanes = assign_lanes([f"h{i}" for i in range(1, 6)], ["w1", "w2"], {})
    assert lanes == {"w1": ["h1", "h3", "h5"], "w2": ["h2", "h4"]}


def test_a_host_stays_with_its_live_worker_and_the_rest_fill_in() -> None:
    homes = {"h1": "w2", "h2": "w2", "h3": "gone"}
    lanes = assign_lanes(["h1", "h2", "h3", "h4"], ["w1", "w2"], homes)
    assert lanes == {"w1": ["h3", "h4"], "w2": ["h1", "h2"]}  # h3's worker is not live


def test_a_linear_batch_goes_whole_to_the_worker_holding_most_of_it() -> None:
    homes = {"h1": "w1", "h2": "w2", "h3": "w2"}
    assert assign_lanes(["h1", "h2", "h3"], ["w1", "w2"], homes, linear=True) == {
        "w2": ["h1", "h2", "h3"]
    }
    assert assign_lanes(["h1", "h2"], ["w1", "w2"], {}, linear=True) == {"w1": ["h1", "h2"]}


def test_outcomes_cross_the_wire_unchanged() -> None:
    when = datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC)
    task = TaskOutcome("h1", 0, "p", 3, "cmd", "command", TaskStatus.CHANGED, changed=True,
                       output="out", diff="+x", attempts=2, started_at=when, duration_ms=7,
                       rescued=True)  # fmt: skip
    host = HostOutcome("h1", 0, "p", HostStatus.ROLLED_BACK, changed=True, error="e",
                       started_at=when, finished_at=when, duration_ms=9,
                       credential="lab")  # fmt: skip
    assert task_from_wire(task_to_wire(task)) == task
    assert host_from_wire(host_to_wire(host)) == host
    assert isinstance(task_to_wire(task)["status"], str)  # JSON: plain strings only
