"""``<state_dir>/last-failed.txt``: the hosts to hand to ``--limit @FILE`` after a failed run.

It names the failed hosts of the newest run that had any; a clean run removes it, so a
stale list never re-targets hosts that have since succeeded.
"""

from __future__ import annotations

from pathlib import Path

from netraven.domain import JobOutcome


def write_last_failed(outcome: JobOutcome, path: Path) -> Path | None:
    failed = outcome.failed_hosts()
    if not failed:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(failed) + "\n")
    return path


def forget_last_failed(path: Path) -> None:
    path.unlink(missing_ok=True)
