"""What a due schedule does now: run, or skip with a reason. Pure, so it is tested alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["GRACE", "MISSED_POLICIES", "Decision", "decide"]

MISSED_POLICIES = ("run_once", "skip")
# A run this late was missed (the service was down or the machine asleep) rather than
# merely picked up on the next tick.
GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class Decision:
    run: bool
    note: str | None = None


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def decide(
    due: datetime | None,
    now: datetime,
    missed: str,
    *,
    running: bool,
    grace: timedelta = GRACE,
) -> Decision | None:
    """None when not due yet. However many runs were missed, at most one runs now."""
    if due is None or due > now:
        return None
    if running:
        return Decision(False, f"run due {_stamp(due)} skipped: the previous run is still going")
    if now - due <= grace:
        return Decision(True)
    if missed == "skip":
        return Decision(False, f"run due {_stamp(due)} was missed and skipped (missed: skip)")
    return Decision(True, f"run due {_stamp(due)} was missed; running once now (missed: run_once)")
