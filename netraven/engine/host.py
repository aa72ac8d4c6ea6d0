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
from typing import Any

from nornir.core.inventory import Host

from netraven.connections.base import HostParams
from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.engine.actions import ACTIONS, ActionResult, Step
from netraven.engine.breakers import Admission, scope_key
from netraven.engine.config_diff import clean_running
from netraven.engine.context import HostChanges, JobContext
from netraven.engine.offload import off_loop
from netraven.engine.retry import with_retries
from netraven.engine.sessions import HostSession
from netraven.errors import ConnectionFailed, DeviceError, NetRavenError, TaskFailed
from netraven.playbook.schema import Play, Recovery, Task

__all__ = ["run_host_play"]


def _now() -> datetime:
    return datetime.now(UTC)


def _internal(ctx: JobContext, host: str, exc: BaseException) -> str:
    """The one-line error for an unexpected exception; the traceback goes to the debug log."""
    ctx.log(host, "debug", "".join(traceback.format_exception(exc)))
    return f"internal error: {type(exc).__name__}: {exc}"


def _variables(ctx: JobContext, host: Host, play: Play, params: HostParams) -> dict[str, Any]:
    variables: dict[str, Any] = dict(host.items())
    variables.update(play.vars)
    variables.update(ctx.extra_vars)
    variables["inventory_hostname"] = host.name
    variables["platform"] = params.platform
    return variables


async def run_host_play(ctx: JobContext, host: Host, play_index: int, play: Play) -> HostOutcome:
    """The host's outcome for this play; never raises (cancellation records ``interrupted``)."""
    started, t0 = _now(), time.perf_counter()
    outcome = HostOutcome(host.name, play_index, play.title, HostStatus.OK, started_at=started)
    guard = ctx.guards.get(play_index)
    breaker = play.recovery.circuit_breaker
    key = scope_key(breaker, host, play.title) if breaker else ""
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
        await _run_tasks(ctx, host, play_index, play, outcome)
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
        await _finish(ctx, host, outcome, t0, admission, key, play)
    return outcome


async def _run_tasks(
    ctx: JobContext, host: Host, play_index: int, play: Play, outcome: HostOutcome
) -> None:
    guard = ctx.guards.get(play_index)
    params = HostParams.from_host(host)
    session = ctx.sessions.session(params, host.get("connection", None))
    base = _variables(ctx, host, play, params)
    for index, spec in enumerate(play.tasks):
        if not ctx.selected(spec):
            continue
        if guard is not None and guard.aborted:
            outcome.status, outcome.error = HostStatus.ABORTED, f"play aborted: {guard.reason}"
            return
        policy = play.recovery.merged(spec.recovery)
        result = await _run_task(ctx, host, session, base, play_index, play, index, spec, policy)
        if result.failed and not result.ignored and policy.on_failure == "rollback":
            await _roll_back(ctx, host.name, params, session, result)
        await _emit_task(ctx, result)
        outcome.changed |= result.changed
        if result.failed and not result.ignored:
            outcome.status = _host_status(result)
            outcome.error = result.error
            if guard is not None:
                guard.host_failed(host.name, fatal=policy.on_failure == "abort")
            return


async def _emit_task(ctx: JobContext, result: TaskOutcome) -> None:
    result.output = await ctx.redact(result.output)
    result.diff = await ctx.redact(result.diff)
    result.error = ctx.redactor.text(result.error)
    result.name = ctx.redactor.text(result.name) or ""  # an unnamed task is titled by its command
    ctx.events.task_finished(result)  # a failing listener marks the result failed


async def _finish(
    ctx: JobContext,
    host: Host,
    outcome: HostOutcome,
    t0: float,
    admission: Admission | None,
    key: str,
    play: Play,
) -> None:
    failures = ctx.events.take_errors(host.name)
    if failures and outcome.status not in (HostStatus.INTERRUPTED,):
        outcome.status = HostStatus.FAILED
        outcome.error = "; ".join(filter(None, [outcome.error, *failures]))
    if outcome.failed or ctx.last_play.get(host.name) == outcome.play_index:
        # It sits out the rest of the job, or has no play left: close now, not at the end,
        # so closing overlaps the other hosts' work (and the device frees its vty line).
        await ctx.sessions.release(host.name)
    breaker = play.recovery.circuit_breaker
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


def _host_status(result: TaskOutcome) -> HostStatus:
    keep = {
        TaskStatus.UNREACHABLE: HostStatus.UNREACHABLE,
        TaskStatus.ROLLED_BACK: HostStatus.ROLLED_BACK,
        TaskStatus.ROLLBACK_FAILED: HostStatus.ROLLBACK_FAILED,
    }
    return keep.get(result.status, HostStatus.FAILED)


async def _run_task(
    ctx: JobContext,
    host: Host,
    session: HostSession,
    base: dict[str, Any],
    play_index: int,
    play: Play,
    index: int,
    spec: Task,
    policy: Recovery,
) -> TaskOutcome:
    registered = ctx.registered.setdefault(host.name, {})
    variables = {**base, **registered, **ctx.extra_vars}
    result = TaskOutcome(
        host.name,
        play_index,
        play.title,
        index,
        spec.title,
        spec.action,
        TaskStatus.OK,
        started_at=_now(),
    )
    t0 = time.perf_counter()
    action_result: ActionResult | None = None

    async def store_backup(text: str) -> tuple[str, bool]:
        return await _store_backup(ctx, host.name, text)

    async def before_change(running: str) -> None:
        await _before_change(ctx, host.name, running)

    step = Step(
        host.name,
        session.params.platform,
        variables,
        ctx.templates,
        session.get,
        store_backup,
        before_change,
        lambda rollback: _changed_with(ctx, host.name, rollback),
    )

    async def attempt(number: int) -> ActionResult:
        result.attempts = number
        if number > 1:
            await session.close()  # the session may be dead: reconnect
        async with ctx.throttles.slot(play_index, index, spec.throttle):
            return await ACTIONS[spec.action](step, spec)

    def on_retry(number: int, error: BaseException, delay: float) -> None:
        ctx.log(
            host.name,
            "warning",
            f"task '{spec.title}' attempt {number} failed: {error}; retrying in {delay:.1f}s",
        )

    try:
        if not all(ctx.templates.evaluate(cond, variables) for cond in spec.when):
            result.status, result.skipped = TaskStatus.SKIPPED, True
            result.output = "conditional result was False"
        else:
            done, result.attempts = await with_retries(
                attempt, policy.retries, policy.backoff, on_retry
            )
            action_result = done
            for warning in done.warnings:
                ctx.log(host.name, "warning", f"task '{spec.title}': {warning}")
            result.output = done.output
            result.diff = done.diff
            result.changed = done.changed
            if done.skipped:
                result.status, result.skipped = TaskStatus.SKIPPED, True
            elif done.changed:
                result.status = TaskStatus.CHANGED
    except ConnectionFailed as exc:
        result.status, result.failed, result.error = TaskStatus.UNREACHABLE, True, str(exc)
        ctx.log(host.name, "error", f"unreachable: {exc}")
    except (DeviceError, NetRavenError) as exc:
        result.status, result.failed, result.error = TaskStatus.FAILED, True, str(exc)
        result.output = exc.output if isinstance(exc, TaskFailed) else None
        result.ignored = spec.ignore_errors
        ctx.log(host.name, "error", f"task '{spec.title}' failed: {exc}")
    except Exception as exc:  # a bug is a failure, never ignorable, never "ok"
        result.status, result.failed = TaskStatus.FAILED, True
        result.error = _internal(ctx, host.name, exc)
        ctx.log(host.name, "error", f"task '{spec.title}' failed: {result.error}")
    result.duration_ms = int((time.perf_counter() - t0) * 1000)
    if spec.register_as:
        registered[spec.register_as] = _registered(result, action_result)
    return result


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
            await session.get(), params.platform, changes.pre_change, changes.explicit
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


def _registered(result: TaskOutcome, action: ActionResult | None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "output": result.output or "",
        "stdout": result.output or "",
        "changed": result.changed,
        "failed": result.failed,
        "skipped": result.skipped,
        "error": result.error,
        "diff": result.diff,
        "attempts": result.attempts,
    }
    if action is not None:
        value.update(action.extra)
    return value


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


def _changed_with(ctx: JobContext, host: str, rollback: list[str] | None) -> None:
    changes = ctx.changes.setdefault(host, HostChanges())
    changes.pushed = True
    if rollback:
        changes.explicit.append(rollback)
