"""A due schedule runs, is skipped while its last run goes on, and a missed run runs once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from netraven.scheduler.policy import Decision, decide

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_not_due_is_no_decision() -> None:
    assert decide(None, NOW, "run_once", running=False) is None
    assert decide(NOW + timedelta(seconds=1), NOW, "run_once", running=False) is None


def test_due_within_grace_runs_without_a_note() -> None:
    assert decide(NOW - timedelta(seconds=30), NOW, "skip", running=False) == Decision(True)


def test_a_run_still_going_skips_the_tick_whatever_the_policy() -> None:
    for policy in ("run_once", "skip"):
        decision = decide(NOW, NOW, policy, running=True)
        assert decision is not None and not decision.run
        assert (
            decision.note == "run due 2026-06-01T12:00:00Z skipped: the previous run is still going"
        )


def test_missed_run_policy() -> None:
    due = NOW - timedelta(hours=5)  # the service was down for five hours
    once = decide(due, NOW, "run_once", running=False)
    assert once is not None and once.run and "running once now" in (once.note or "")
    skipped = decide(due, NOW, "skip", running=False)
    assert skipped is not None and not skipped.run
    assert skipped.note == "run due 2026-06-01T07:00:00Z was missed and skipped (missed: skip)"
