"""One play on one host: lazy connection, tasks in order, results as they happen."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

from nornir.core.inventory import Host
from nornir.core.task import Task as NornirTask

from netraven.connections.base import Connection, HostParams
from netraven.connections.guard import CheckModeGuard
from netraven.errors import ConnectionFailed, InputError, TaskFailed
from netraven.playbook.schema import Play, Task
from netraven.runner.actions import ACTIONS, ActionResult, Step
from netraven.runner.context import RunContext
from netraven.runner.results import HostOutcome, TaskOutcome


def _now() -> datetime:
    return datetime.now(UTC)


class _Session:
    """Opens the host's connection on first use and remembers a failure to do so."""

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
    session: _Session | None = None
    try:
        params = HostParams.from_host(host)
        session = _Session(ctx, host, params)
        base = _variables(ctx, host, play, params)
        for index, spec in enumerate(play.tasks):
            if not ctx.selected(spec):
                continue
            result = await _run_task(
                ctx, host, params, session, base, play_index, play, index, spec
            )
            ctx.listener.task_finished(result)
            outcome.changed |= result.changed
            if result.status == "unreachable":
                outcome.status, outcome.error = "unreachable", result.error
                break
            if result.failed and not result.ignored:
                outcome.status, outcome.error = "failed", result.error
                break
    except asyncio.CancelledError:
        outcome.status, outcome.error = "interrupted", "run interrupted"
    except (InputError, ValueError) as exc:
        outcome.status, outcome.error = "failed", str(exc)
    finally:
        if session is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await session.close()
        outcome.finished_at = _now()
        outcome.duration_ms = int((time.perf_counter() - t0) * 1000)
        ctx.listener.host_finished(outcome)
    return outcome


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
) -> TaskOutcome:
    registered = ctx.registered.setdefault(host.name, {})
    variables = {**base, **registered, **ctx.extra_vars}
    result = TaskOutcome(
        host.name, play_index, play.title, index, spec.title, spec.action, "ok", started_at=_now()
    )
    t0 = time.perf_counter()
    action_result: ActionResult | None = None
    try:
        if not all(ctx.templates.evaluate(cond, variables) for cond in spec.when):
            result.status, result.skipped = "skipped", True
            result.output = "conditional result was False"
        else:
            step = Step(
                host.name,
                params.platform,
                variables,
                ctx.templates,
                session.get,
                lambda text, sha: _store_backup(ctx, host.name, text, sha),
            )
            action_result = await ACTIONS[spec.action](step, spec)
            result.output = action_result.output
            result.diff = action_result.diff
            result.changed = action_result.changed
            if action_result.skipped:
                result.status, result.skipped = "skipped", True
            elif action_result.changed:
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


def _registered(result: TaskOutcome, action: ActionResult | None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "output": result.output or "",
        "stdout": result.output or "",
        "changed": result.changed,
        "failed": result.failed,
        "skipped": result.skipped,
        "error": result.error,
        "diff": result.diff,
    }
    if action is not None:
        value.update(action.extra)
    return value


def _store_backup(ctx: RunContext, host: str, text: str, sha: str) -> bool:
    if ctx.backup_hashes.get(host) == sha:
        return False
    ctx.backup_hashes[host] = sha
    ctx.listener.backup_taken(host, sha, text)
    return True
