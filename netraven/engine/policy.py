"""Play-wide failure policies: abort on first failure, and failure budgets.

``max_fail_percentage: P`` aborts the play as soon as failed + unreachable hosts are
*more than* P percent of the play's hosts: 0 aborts on the first failure, 100 never
aborts, 50 of 4 hosts aborts at the third failure. Hosts skipped by a circuit breaker
are not failures. After an abort, hosts not yet started are skipped and hosts in
flight stop before their next task.
"""

from __future__ import annotations

from dataclasses import dataclass

from netraven.playbook.schema import Recovery


@dataclass
class PlayGuard:
    total_hosts: int
    policy: Recovery
    failed: int = 0
    reason: str | None = None
    ended: bool = False  # meta: end_play — the play stops for every host, without failing

    def end_play(self, reason: str) -> None:
        self.ended = True

    @property
    def aborted(self) -> bool:
        return self.reason is not None

    def abort(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    def host_failed(self, host: str, fatal: bool) -> None:
        """Count a failed host; ``fatal`` is on_failure: abort / any_errors_fatal."""
        self.failed += 1
        if fatal or self.policy.any_errors_fatal:
            self.abort(f"{host} failed and the play's failure policy is abort")
            return
        limit = self.policy.max_fail_percentage
        if limit is not None and self.failed * 100 > limit * self.total_hosts:
            self.abort(
                f"{self.failed} of {self.total_hosts} hosts failed, more than "
                f"max_fail_percentage {limit:g}%"
            )
