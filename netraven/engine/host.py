"""One play on one host: admission, tasks in order, recovery — inside a failure boundary.

Order of business: the circuit breaker admits the host (or it is skipped without a
connection attempt); each task runs with its retry policy; on a failure the host is
rolled back if the policy says so; the play's guard hears of every failed host and
may abort the play.

Nothing that goes wrong here is ever reported as ``ok``: an exception from an action, a
connection, a template, hier-config or a listener fails that task and host, with the
error text in the result and the traceback in the job's debug log.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import traceback
from datetime import UTC, datetime

from nornir.core.inventory import Host

from netraven.connections.base import HostParams
from netraven.credentials import candidates, credential_sets
from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.engine.actions import ActionResult, Step, action_for
from netraven.engine.breakers import Admission, scope_key
from netraven.engine.config_diff import clean_running
from netraven.engine.context import HostChanges, JobContext
from netraven.engine.limits import WorkSlot
from netraven.engine.linear import LinearGate
from netraven.engine.offload import off_loop
from netraven.engine.plan import rolls_back
from netraven.engine.retry import with_retries
from netraven.engine.scope import PlayVars
from netraven.engine.sessions import HostSession
from netraven.engine.walk import Flow, HostRun
from netraven.errors import NetRavenError
from netraven.playbook.schema import Recovery
from netraven.playbook.tree import CompiledPlay, TaskNode
from netraven.playbook.variables import VarScope

__all__ = ["run_host_play"]


def _now() -> datetime:
    return datetime.now(UTC)


def _internal(ctx: JobContext, host: str, exc: BaseException) -> str:
    """The one-line error for an unexpected exception; the traceback goes to the debug log."""
    ctx.log(host, "debug", "".join(traceback.format_exception(exc)))
    return f"internal error: {type(exc).__name__}: {exc}"


async def run_host_play(
    ctx: JobContext,
    host: Host,
    play: PlayVars,
    *,
    gate: LinearGate | None = None,
    forks: WorkSlot | None = None,
) -> HostOutcome:
    """The host's outcome for this play; never raises (cancellation records ``interrupted``).

    ``gate`` and ``forks`` are given under ``strategy: linear``: the host then waits for the
    others at each step and holds a fork only while it works.
    """
    compiled = play.play
    play_index = compiled.index
    started, t0 = _now(), time.perf_counter()
    outcome = HostOutcome(host.name, play_index, compiled.title, HostStatus.OK, started_at=started)
    guard = ctx.guards.get(play_index)
    breaker = compiled.play.recovery.circuit_breaker
    key = scope_key(breaker, host, compiled.title) if breaker else ""
    admission: Admission | None = None
    try:
        if guard is not None and guard.aborted:
            outcome.status, outcome.error = HostStatus.SKIPPED, f"play aborted: {guard.reason}"
            return outcome
        if breaker is not None and ctx.breakers is not None:
            admission = await ctx.breakers.admit(key, breaker)
            if not admission.admitted:
                outcome.status, outcome.error = HostStatus.SKIPPED, admission.reason
                return outcome
            if admission.trial:
                ctx.log(host.name, "warning", f"half-open {key}: trial host")
        params = ctx.host_params.get(host.name) or HostParams.from_host(host)
        logins = candidates(host, credential_sets(ctx.inventory))
        session = ctx.sessions.session(params, host.get("connection", None), logins)
        run = _host_run(ctx, host, play, outcome, session, gate, forks)
        flow = await run.run_play()
        if flow is Flow.FAILED and guard is not None:
            guard.host_failed(host.name, fatal=run.fatal)
    except asyncio.CancelledError:
        outcome.status, outcome.error = HostStatus.INTERRUPTED, "run interrupted"
    except Exception as exc:
        outcome.status = HostStatus.FAILED
        outcome.error = (
            str(exc) if isinstance(exc, NetRavenError) else _internal(ctx, host.name, exc)
        )
        if guard is not None:
            guard.host_failed(host.name, fatal=False)
    finally:
        if gate is not None:
            gate.leave()
        await _finish(ctx, host, outcome, t0, admission, key, compiled)
    return outcome


def _host_run(
    ctx: JobContext,
    host: Host,
    play: PlayVars,
    outcome: HostOutcome,
    session: HostSession,
    gate: LinearGate | None,
    forks: WorkSlot | None,
) -> HostRun:
    name = host.name
    params = session.params

    async def store_backup(text: str) -> tuple[str, bool]:
        return await _store_backup(ctx, name, text)

    async def before_change(running: str) -> None:
        await _before_change(ctx, name, running)

    def make_step(node: TaskNode, scope: VarScope) -> Step:
        return Step(
            name,
            params.platform,
            scope,
            ctx.templates,
            session.get,
            store_backup,
            before_change,
            lambda rollback: _changed_with(ctx, name, rollback),
            check=ctx.check,
            search_dirs=node.scope.search_dirs,
            verbosity=ctx.verbosity,
            safety_net=rolls_back(play.play.play, node),
            committed=lambda points: _committed(ctx, name, points),
        )

    async def run_action(
        run: HostRun, node: TaskNode, step: Step, result: TaskOutcome, policy: Recovery
    ) -> ActionResult:
        """A device action, retried by the recovery policy when the error is transient."""

        async def attempt(number: int) -> ActionResult:
            result.attempts = number
            if number > 1:
                await session.close()  # the session may be dead: reconnect
            # ``throttle:`` holds a slot per attempt, not during the back-off between them.
            async with ctx.throttles.slot(play.play.index, node.id, node.scope.throttle):
                return await action_for(node.task)(step, node.task)  # built-in or plugin

        def on_retry(number: int, error: BaseException, delay: float) -> None:
            ctx.log(
                name,
                "warning",
                f"task '{result.name}' attempt {number} failed: {error}; retrying in {delay:.1f}s",
            )

        done, result.attempts = await with_retries(
            attempt, policy.retries, policy.backoff, on_retry
        )
        return done

    async def roll_back(result: TaskOutcome) -> None:
        await _roll_back(ctx, name, params, session, result)

    return HostRun(ctx, host, play, outcome, session, make_step, run_action, roll_back, gate, forks)


async def _finish(
    ctx: JobContext,
    host: Host,
    outcome: HostOutcome,
    t0: float,
    admission: Admission | None,
    key: str,
    play: CompiledPlay,
) -> None:
    failures = ctx.events.take_errors(host.name)
    if failures and outcome.status not in (HostStatus.INTERRUPTED,):
        outcome.status = HostStatus.FAILED
        outcome.error = "; ".join(filter(None, [outcome.error, *failures]))
    outcome.credential = ctx.sessions.credential(host.name)  # the set's name, never its secret
    if outcome.failed or ctx.last_play.get(host.name) == outcome.play_index:
        # It sits out the rest of the job, or has no play left: close now, not at the end,
        # so closing overlaps the other hosts' work (and the device frees its vty line).
        # Only a clean end may keep the session for a later job (a pool, if any).
        await ctx.sessions.release(host.name, healthy=outcome.status == HostStatus.OK)
    if outcome.failed:
        ctx.failed_hosts.add(host.name)
    breaker = play.play.recovery.circuit_breaker
    if admission is not None and admission.admitted and ctx.breakers and breaker:
        # An interrupted host says nothing about the device: neither success nor failure.
        verdict = (
            None
            if outcome.status == HostStatus.INTERRUPTED
            else outcome.status in (HostStatus.OK, HostStatus.ABORTED)
        )
        await asyncio.shield(ctx.breakers.release(key, breaker, admission, verdict))
    outcome.finished_at = _now()
    outcome.duration_ms = int((time.perf_counter() - t0) * 1000)
    outcome.error = ctx.redactor.text(outcome.error)
    ctx.events.host_finished(outcome)


async def _roll_back(
    ctx: JobContext, host: str, params: HostParams, session: HostSession, result: TaskOutcome
) -> None:
    changes = ctx.changes.get(host)
    if changes is None or not changes.pushed or changes.pre_change is None:
        return
    from netraven.engine.rollback import roll_back  # hier-config loads only when needed

    ctx.log(host, "warning", "rolling back to the pre-change configuration")
    try:
        if result.status == TaskStatus.UNREACHABLE:
            await session.close()
        restored = await roll_back(
            await session.get(),
            params.platform,
            changes.pre_change,
            changes.explicit,
            commits=changes.commits,
        )
    except Exception as exc:
        detail = str(exc) if isinstance(exc, NetRavenError) else _internal(ctx, host, exc)
        result.status = TaskStatus.ROLLBACK_FAILED
        result.error = f"{result.error}; rollback failed: {detail}"
        ctx.log(host, "error", f"rollback failed: {detail}")
        return
    if restored.restored:
        result.status = TaskStatus.ROLLED_BACK
        result.error = f"{result.error}; rolled back ({len(restored.commands)} command(s))"
        changes.pushed = False
        ctx.log(host, "warning", "rolled back; running config equals pre-change")
    else:
        result.status = TaskStatus.ROLLBACK_FAILED
        result.error = f"{result.error}; rollback did not restore the pre-change config"
        result.diff = restored.diff
        ctx.log(host, "error", "rollback did not restore the pre-change config")


async def _store_backup(ctx: JobContext, host: str, text: str) -> tuple[str, bool]:
    """Store a cleaned running config unless it equals the host's newest backup."""
    sha = hashlib.sha256(text.encode()).hexdigest()
    if ctx.backup_hashes.get(host) == sha:
        return sha, False
    ctx.backup_hashes[host] = sha
    ctx.events.backup_taken(host, sha, await ctx.redact(text) or "")
    return sha, True


async def _before_change(ctx: JobContext, host: str, running: str) -> None:
    """Keep the running config from before this job's first change (and back it up)."""
    changes = ctx.changes.setdefault(host, HostChanges())
    if changes.pre_change is None:
        changes.pre_change = running
        await _store_backup(ctx, host, await off_loop(clean_running, running, size=len(running)))


def _committed(ctx: JobContext, host: str, points: int) -> None:
    ctx.changes.setdefault(host, HostChanges()).commits += points


def _changed_with(ctx: JobContext, host: str, rollback: list[str] | None) -> None:
    changes = ctx.changes.setdefault(host, HostChanges())
    changes.pushed = True
    if rollback:
        changes.explicit.append(rollback)
