from __future__ import annotations

import pytest

from netraven.domain import HostOutcome, HostStats, TaskOutcome, exit_code_for


@pytest.mark.parametrize(
    ("statuses", "interrupted", "expected"),
    [
        (["ok", "ok"], False, ("succeeded", 0)),
        (["ok", "unreachable"], False, ("failed", 4)),
        (["failed", "unreachable"], False, ("failed", 2)),
        (["failed"], True, ("interrupted", 99)),
        ([], False, ("succeeded", 0)),
    ],
)
def test_exit_code_precedence(
    statuses: list[str], interrupted: bool, expected: tuple[str, int]
) -> None:
    hosts = [HostOutcome(f"h{i}", 0, "p", s) for i, s in enumerate(statuses)]
    assert exit_code_for(hosts, interrupted) == expected


def test_stats_count_like_ansible() -> None:
    stats = HostStats()
    base = {
        "host": "h",
        "play_index": 0,
        "play": "p",
        "task_index": 0,
        "name": "t",
        "action": "command",
    }
    stats.add(TaskOutcome(**base, status="ok"))
    stats.add(TaskOutcome(**base, status="changed", changed=True))
    stats.add(TaskOutcome(**base, status="skipped", skipped=True))
    stats.add(TaskOutcome(**base, status="failed", failed=True, ignored=True))
    stats.add(TaskOutcome(**base, status="failed", failed=True))
    stats.add(TaskOutcome(**base, status="failed", failed=True, rescued=True))
    assert stats.as_dict() == {
        "ok": 2,
        "changed": 1,
        "failed": 1,
        "skipped": 1,
        "unreachable": 0,
        "ignored": 1,
        "rescued": 1,
    }
