"""Serial rollouts: a play's hosts in order, in batches, each batch with its own failure budget.

A canary rollout is one play: ``serial: [1, "10%", "100%"]`` changes one host, then a tenth
of the play's hosts, then the rest, and a batch that fails stops the rollout before the
next one starts. What "fails" means, as in Ansible: more than ``max_fail_percentage`` of the
*batch's* hosts failed (or ``any_errors_fatal``/``on_failure: abort`` tripped), or every host
of the batch failed while batches remain. The hosts of later batches are recorded
``skipped`` and the job ends aborted (exit 8).

With ``on_failure: rollback``, ``rollback_scope`` says what a failed batch takes back:
``host`` (the default) only the failing hosts, as they roll themselves back; ``batch`` also
every other host of the failing batch that this job changed; ``play`` every host this job
changed in the play so far, earlier batches included. A scope wider than a host makes any
failure a failed batch unless ``max_fail_percentage`` is given: rolling back a batch while
the rollout carries on would make no sense. Each host is put back to its configuration from
before this job changed it and verified against it, as for a single host; its result is
recorded as a ``rollback`` task and a second outcome for the play, ``rolled_back`` or
``rollback_failed``.
"""

from __future__ import annotations

import asyncio
import random
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nornir.core.inventory import Host, Inventory

from netraven.connections.base import HostParams
from netraven.credentials import candidates, credential_sets
from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.engine.context import JobContext
from netraven.engine.policy import PlayGuard
from netraven.errors import NetRavenError
from netraven.playbook.rollout_keys import PLAY_LEVEL_RECOVERY_KEYS, SerialStep
from netraven.playbook.schema import Play, Recovery

__all__ = ["Rollout", "batch_sizes", "order_hosts", "plan_rollout", "play_policy"]


def batch_sizes(serial: Sequence[SerialStep] | None, total: int) -> list[int]:
    """Ansible's batching: each step in turn, the last one repeating until no host is left.

    A percentage is of the play's hosts, rounded down, at least 1 (``"10%"`` of 6 is 1).
    """
    if not serial:
        return [total] if total else []
    sizes: list[int] = []
    left, step = total, 0
    while left > 0:
        value = serial[min(step, len(serial) - 1)]
        size = max(1, total * int(value[:-1]) // 100) if isinstance(value, str) else value
        sizes.append(min(size, left))
        left -= sizes[-1]
        step += 1
    return sizes


def order_hosts(hosts: Sequence[str], order: str, rng: random.Random | None = None) -> list[str]:
    """Ansible's ``order``: the order hosts are started in, and batched."""
    if order == "reverse_inventory":
        return list(reversed(hosts))
    if order == "sorted":
        return sorted(hosts)
    if order == "reverse_sorted":
        return sorted(hosts, reverse=True)
    if order == "shuffle":
        return (rng or random.Random()).sample(list(hosts), len(hosts))
    return list(hosts)


def play_policy(play: Play) -> tuple[Recovery, bool]:
    """The play's failure policy with its play-level keys folded in, and whether the
    budget of 0 is implied by a rollback scope wider than a host."""
    given = {k: getattr(play, k) for k in PLAY_LEVEL_RECOVERY_KEYS if getattr(play, k) is not None}
    policy = play.recovery.model_copy(update=given)
    implied = policy.rollback_scope != "host" and policy.max_fail_percentage is None
    if implied:
        policy = policy.model_copy(update={"max_fail_percentage": 0.0})
    return policy, implied


def plan_rollout(
    play_index: int, play: Play, hosts: Sequence[str], rng: random.Random | None = None
) -> Rollout:
    ordered = order_hosts(hosts, play.order, rng)
    batches: list[list[str]] = []
    start = 0
    for size in batch_sizes(play.serial, len(ordered)):
        batches.append(ordered[start : start + size])
        start += size
    policy, implied = play_policy(play)
    return Rollout(play_index, play, ordered, batches, policy, implied)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Rollout:
    """One play's batches and what happened to them so far."""

    play_index: int
    play: Play
    hosts: list[str]
    batches: list[list[str]]
    policy: Recovery
    implied_budget: bool = False
    outcomes: dict[str, HostOutcome] = field(default_factory=dict)
    rollback_index: int = 1_000_000  # recorded task index of a batch rollback row (set by job)

    def label(self, number: int) -> str:
        return f"batch {number}/{len(self.batches)}"

    def start(self, ctx: JobContext, number: int) -> PlayGuard:
        """Log the batch (when there are several) and give it a fresh failure budget."""
        batch = self.batches[number - 1]
        if len(self.batches) > 1:
            ctx.log(
                None,
                "info",
                f"play '{self.play.title}' {self.label(number)}: {len(batch)} host(s): "
                + ", ".join(batch),
            )
        guard = ctx.guards[self.play_index] = PlayGuard(len(batch), self.policy)
        return guard

    def verdict(self, number: int, guard: PlayGuard, outcomes: Sequence[HostOutcome]) -> str | None:
        """Why this batch stops the rollout, or None when the next batch may start."""
        for outcome in outcomes:
            self.outcomes[outcome.host] = outcome
        if guard.reason is not None:
            reason = guard.reason
            if self.implied_budget and "max_fail_percentage" in reason:
                reason += f" (implied by rollback_scope: {self.policy.rollback_scope})"
        elif number < len(self.batches) and outcomes and all(o.failed for o in outcomes):
            reason = f"all {len(outcomes)} host(s) of the batch failed"
        else:
            return None
        return f"{self.label(number)}: {reason}" if len(self.batches) > 1 else reason

    async def stop(
        self,
        ctx: JobContext,
        inventory: Inventory,
        number: int,
        reason: str,
        forks: asyncio.Semaphore,
    ) -> None:
        """Roll back what the scope says, then record the later batches' hosts skipped."""
        await self._roll_back(ctx, inventory, number, reason, forks)
        for name in (h for batch in self.batches[number:] for h in batch):
            when = _now()
            skipped = HostOutcome(
                name,
                self.play_index,
                self.play.title,
                HostStatus.SKIPPED,
                error=ctx.redactor.text(f"rollout stopped: {reason}"),
                started_at=when,
                finished_at=when,
            )
            ctx.events.host_finished(skipped)

    def rollback_targets(self, ctx: JobContext, number: int) -> list[str]:
        """Hosts in scope that this job changed and that are not already rolled back.

        A host whose own rollback failed is left as it is: it is already ``rollback_failed``,
        loudly, and a second attempt would hide the first one's diff.
        """
        scope = self.policy.rollback_scope
        if self.policy.on_failure != "rollback" or scope == "host":
            return []
        batches = self.batches[number - 1 : number] if scope == "batch" else self.batches[:number]
        targets = []
        for name in (h for batch in batches for h in batch):
            changes = ctx.changes.get(name)
            outcome = self.outcomes.get(name)
            if changes is None or not changes.pushed or changes.pre_change is None:
                continue
            if outcome is not None and outcome.status == HostStatus.ROLLBACK_FAILED:
                continue
            targets.append(name)
        return targets

    async def _roll_back(
        self,
        ctx: JobContext,
        inventory: Inventory,
        number: int,
        reason: str,
        forks: asyncio.Semaphore,
    ) -> None:
        targets = self.rollback_targets(ctx, number)
        if not targets:
            return
        ctx.log(
            None,
            "warning",
            f"rollback_scope {self.policy.rollback_scope}: rolling back {len(targets)} "
            f"host(s): {', '.join(targets)}",
        )
        await asyncio.gather(
            *(self._roll_back_host(ctx, inventory.hosts[h], reason, forks) for h in targets)
        )

    async def _roll_back_host(
        self, ctx: JobContext, host: Host, reason: str, forks: asyncio.Semaphore
    ) -> None:
        """Put one host back to its pre-change config and record the result; never raises
        but for cancellation, which is recorded first."""
        from netraven.engine.rollback import roll_back  # hier-config loads only when needed

        changes = ctx.changes[host.name]
        assert changes.pre_change is not None
        started, t0 = _now(), time.perf_counter()
        task = TaskOutcome(
            host.name,
            self.play_index,
            self.play.title,
            self.rollback_index,  # after the play's last task
            f"rollback ({self.policy.rollback_scope})",
            "rollback",
            TaskStatus.ROLLBACK_FAILED,
            failed=True,
            started_at=started,
        )
        cancelled = False
        try:
            async with ctx.limits.slot(host.name, forks):
                params = HostParams.from_host(host)
                # The host's session may be closed (its last play, or it failed): reopen.
                logins = candidates(host, credential_sets(ctx.inventory))
                session = ctx.sessions.session(params, host.get("connection", None), logins)
                ctx.log(
                    host.name, "warning", f"rolling back to the pre-change configuration: {reason}"
                )
                restored = await roll_back(
                    await session.get(),
                    params.platform,
                    changes.pre_change,
                    changes.explicit,
                    commits=changes.commits,
                )
        except asyncio.CancelledError:
            cancelled = True
            task.error = f"{reason}; rollback interrupted"
        except Exception as exc:
            if not isinstance(exc, NetRavenError):
                ctx.log(host.name, "debug", "".join(traceback.format_exception(exc)))
            detail = (
                str(exc)
                if isinstance(exc, NetRavenError)
                else f"internal error: {type(exc).__name__}: {exc}"
            )
            task.error = f"{reason}; rollback failed: {detail}"
            ctx.log(host.name, "error", f"rollback failed: {detail}")
        else:
            task.changed = bool(restored.commands)
            if restored.restored:
                task.status = TaskStatus.ROLLED_BACK
                task.error = f"{reason}; rolled back ({len(restored.commands)} command(s))"
                changes.pushed = False
                ctx.log(host.name, "warning", "rolled back; running config equals pre-change")
            else:
                task.error = f"{reason}; rollback did not restore the pre-change config"
                task.diff = restored.diff
                ctx.log(host.name, "error", "rollback did not restore the pre-change config")
        finally:
            await ctx.sessions.release(host.name)
        await self._record(ctx, task, t0)
        if cancelled:
            raise asyncio.CancelledError

    async def _record(self, ctx: JobContext, task: TaskOutcome, t0: float) -> None:
        task.duration_ms = int((time.perf_counter() - t0) * 1000)
        task.diff = await ctx.redact(task.diff)
        task.error = ctx.redactor.text(task.error)
        status = (
            HostStatus.ROLLED_BACK
            if task.status == TaskStatus.ROLLED_BACK
            else HostStatus.ROLLBACK_FAILED
        )
        ctx.events.task_finished(task)  # a failing listener marks the task failed, not restored
        outcome = HostOutcome(
            task.host,
            self.play_index,
            self.play.title,
            status,
            changed=task.changed,
            error=task.error,
            started_at=task.started_at,
            finished_at=_now(),
            duration_ms=task.duration_ms,
            credential=ctx.sessions.credential(task.host),
        )
        ctx.events.host_finished(outcome)
        self.outcomes[task.host] = outcome
