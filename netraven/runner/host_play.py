"""One play on one host: admission, lazy connection, tasks in order, recovery.

Order of business: the circuit breaker admits the host (or it is skipped without a
connection attempt); each task runs with its retry policy; on a failure the host is
rolled back if the policy says so; the play's guard hears of every failed host and
may abort the play.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from nornir.core.inventory import Host
from nornir.core.task import Task as NornirTask

from netraven.connections.base import Connection, HostParams
from netraven.connections.guard import CheckModeGuard
from netraven.errors import ConnectionFailed, DeviceError, InputError, TaskFailed
from netraven.playbook.schema import Play, Recovery, Task
from netraven.runner.actions import ACTIONS, ActionResult, Step
from netraven.runner.breakers import Admission, scope_key
from netraven.runner.config_diff import clean_running
from netraven.runner.context import HostChanges, RunContext
from netraven.runner.results import HostOutcome, TaskOutcome
from netraven.runner.retry import with_retries
from netraven.runner.rollback import roll_back


def _now() -> datetime:
    return datetime.now(UTC)


class _Session:
    """Opens the host's connection on first use; ``close`` drops it so a retry reconnects."""

    def __init__(self, ctx: RunContext, host: Host, params: HostParams) -> None:
        self._ctx = ctx
        self._host = host
        self._params = params
        self.conn: Connection | None = None

    async def get(self) -> Connection:
        if self.conn is None:
            requested = self._host.get("connection", None)
            conn = self._ctx.registry.create(self._params, requested)
            if self._ctx.check:
                conn = CheckModeGuard(conn)
            started = time.perf_counter()
            self._ctx.listener.log(
                self._host.name,
                "debug",
                f"connecting to {self._params.hostname}:{self._params.port}",
            )
            await conn.open()
            self._ctx.listener.log(
                self._host.name,
                "info",
                f"connected in {(time.perf_counter() - started) * 1000:.0f} ms",
            )
            self.conn = conn
        return self.conn

    async def close(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            await asyncio.shield(conn.close())  # each connection bounds its own close


def _variables(ctx: RunContext, host: Host, play: Play, params: HostParams) -> dict[str, Any]:
    variables: dict[str, Any] = dict(host.items())
    variables.update(play.vars)
    variables.update(ctx.extra_vars)
    variables["inventory_hostname"] = host.name
    variables["platform"] = params.platform
    return variables


async def run_host_play(
    task: NornirTask, ctx: RunContext, play_index: int, play: Play
) -> HostOutcome:
    """The Nornir task body: returns the host's outcome for this play; never raises."""
    host = task.host
    started, t0 = _now(), time.perf_counter()
    outcome = HostOutcome(host.name, play_index, play.title, "ok", started_at=started)
    guard = ctx.guards.get(play_index)
    breaker = play.recovery.circuit_breaker
    key = scope_key(breaker, host, play.title) if breaker else ""
    admission: Admission | None = None
    session: _Session | None = None
    try:
        if guard is not None and guard.aborted:
            outcome.status, outcome.error = "skipped", f"play aborted: {guard.reason}"
            return outcome
        if breaker is not None and ctx.breakers is not None:
            admission = await ctx.breakers.admit(key, breaker)
            if not admission.admitted:
                outcome.status, outcome.error = "skipped", admission.reason
                return outcome
            if admission.trial:
                ctx.listener.log(host.name, "warning", f"half-open {key}: trial host")
        params = HostParams.from_host(host)
        session = _Session(ctx, host, params)
        base = _variables(ctx, host, play, params)
        for index, spec in enumerate(play.tasks):
            if not ctx.selected(spec):
                continue
            if guard is not None and guard.aborted:
                outcome.status, outcome.error = "aborted", f"play aborted: {guard.reason}"
                break
            policy = play.recovery.merged(spec.recovery)
            result = await _run_task(
                ctx, host, params, session, base, play_index, play, index, spec, policy
            )
            outcome.changed |= result.changed
            failed = result.failed and not result.ignored
            if failed and policy.on_failure == "rollback":
                await _roll_back(ctx, host.name, params, session, result)
            ctx.listener.task_finished(result)
            if failed:
                outcome.status = _host_status(result)
                outcome.error = result.error
                if guard is not None:
                    guard.host_failed(host.name, fatal=policy.on_failure == "abort")
                break
    except asyncio.CancelledError:
        outcome.status, outcome.error = "interrupted", "run interrupted"
    except (InputError, ValueError) as exc:
        outcome.status, outcome.error = "failed", str(exc)
        if guard is not None:
            guard.host_failed(host.name, fatal=False)
    finally:
        if session is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await session.close()
        if admission is not None and admission.admitted and ctx.breakers and breaker:
            # An interrupted host says nothing about the device: neither success nor failure.
            verdict = (
                None if outcome.status == "interrupted" else outcome.status in ("ok", "aborted")
            )
            await asyncio.shield(ctx.breakers.release(key, breaker, admission, verdict))
        outcome.finished_at = _now()
        outcome.duration_ms = int((time.perf_counter() - t0) * 1000)
        ctx.listener.host_finished(outcome)
    return outcome


def _host_status(result: TaskOutcome) -> str:
    keep = ("unreachable", "rolled_back", "rollback_failed")
    return result.status if result.status in keep else "failed"


async def _run_task(
    ctx: RunContext,
    host: Host,
    params: HostParams,
    session: _Session,
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
        host.name, play_index, play.title, index, spec.title, spec.action, "ok", started_at=_now()
    )
    t0 = time.perf_counter()
    action_result: ActionResult | None = None
    step = Step(
        host.name,
        params.platform,
        variables,
        ctx.templates,
        session.get,
        lambda text: _store_backup(ctx, host.name, text),
        lambda running: _before_change(ctx, host.name, running),
        lambda rollback: _changed_with(ctx, host.name, rollback),
    )

    async def attempt(number: int) -> ActionResult:
        result.attempts = number
        if number > 1:
            await session.close()  # the session may be dead: reconnect
        return await ACTIONS[spec.action](step, spec)

    def on_retry(number: int, error: BaseException, delay: float) -> None:
        ctx.listener.log(
            host.name,
            "warning",
            f"task '{spec.title}' attempt {number} failed: {error}; retrying in {delay:.1f}s",
        )

    try:
        if not all(ctx.templates.evaluate(cond, variables) for cond in spec.when):
            result.status, result.skipped = "skipped", True
            result.output = "conditional result was False"
        else:
            done, result.attempts = await with_retries(
                attempt, policy.retries, policy.backoff, on_retry
            )
            action_result = done
            result.output = done.output
            result.diff = done.diff
            result.changed = done.changed
            if done.skipped:
                result.status, result.skipped = "skipped", True
            elif done.changed:
                result.status = "changed"
    except ConnectionFailed as exc:
        result.status, result.failed, result.error = "unreachable", True, str(exc)
        ctx.listener.log(host.name, "error", f"unreachable: {exc}")
    except TaskFailed as exc:
        result.status, result.failed, result.error = "failed", True, str(exc)
        result.output = exc.output
        result.ignored = spec.ignore_errors
        ctx.listener.log(host.name, "error", f"task '{spec.title}' failed: {exc}")
    result.duration_ms = int((time.perf_counter() - t0) * 1000)
    if spec.register_as:
        registered[spec.register_as] = _registered(result, action_result)
    return result


async def _roll_back(
    ctx: RunContext, host: str, params: HostParams, session: _Session, result: TaskOutcome
) -> None:
    changes = ctx.changes.get(host)
    if changes is None or not changes.pushed or changes.pre_change is None:
        return
    ctx.listener.log(host, "warning", "rolling back to the pre-change configuration")
    try:
        if result.status == "unreachable":
            await session.close()
        restored = await roll_back(
            await session.get(), params.platform, changes.pre_change, changes.explicit
        )
    except DeviceError as exc:
        result.status = "rollback_failed"
        result.error = f"{result.error}; rollback failed: {exc}"
        ctx.listener.log(host, "error", f"rollback failed: {exc}")
        return
    if restored.restored:
        result.status = "rolled_back"
        result.error = f"{result.error}; rolled back ({len(restored.commands)} command(s))"
        changes.pushed = False
        ctx.listener.log(host, "warning", "rolled back; running config equals pre-change")
    else:
        result.status = "rollback_failed"
        result.error = f"{result.error}; rollback did not restore the pre-change config"
        result.diff = restored.diff
        ctx.listener.log(host, "error", "rollback did not restore the pre-change config")


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


def _store_backup(ctx: RunContext, host: str, text: str) -> tuple[str, bool]:
    """Store a cleaned running config unless it equals the host's newest backup."""
    sha = hashlib.sha256(text.encode()).hexdigest()
    if ctx.backup_hashes.get(host) == sha:
        return sha, False
    ctx.backup_hashes[host] = sha
    ctx.listener.backup_taken(host, sha, text)
    return sha, True


def _before_change(ctx: RunContext, host: str, running: str) -> None:
    """Keep the running config from before this job's first change (and back it up)."""
    changes = ctx.changes.setdefault(host, HostChanges())
    if changes.pre_change is None:
        changes.pre_change = running
        _store_backup(ctx, host, clean_running(running))


def _changed_with(ctx: RunContext, host: str, rollback: list[str] | None) -> None:
    changes = ctx.changes.setdefault(host, HostChanges())
    changes.pushed = True
    if rollback:
        changes.explicit.append(rollback)
