"""``execute``: run one job on the caller's event loop and record everything it did.

The engine owns no process: no signal handlers, no ``asyncio.run``, no CWD, no OS user.
The front door (CLI, service, worker) hands in the spec, the store, its listeners and a
cancellation event, so that several jobs can run side by side in one loop. All plays of a
job run on that one loop and share one session per host.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from nornir.core.inventory import Host
from sqlalchemy.engine import Engine

from netraven import exit_codes
from netraven.connections.base import ConnectionRegistry, HostParams, default_registry
from netraven.domain import (
    HostOutcome,
    HostStatus,
    JobOutcome,
    JobStatus,
    TaskOutcome,
    exit_code_for,
    natural_key,
)
from netraven.engine.breaker_store import StoreBreakerRecorder
from netraven.engine.breakers import HALF_OPEN, OPEN, BreakerBoard, BreakerState
from netraven.engine.context import JobContext
from netraven.engine.events import Fanout, NullListener, RunListener
from netraven.engine.features import connection_gate
from netraven.engine.host import run_host_play
from netraven.engine.limits import JobLimits, read_limits
from netraven.engine.linear import LinearGate
from netraven.engine.plan import PlanItem, plan_job
from netraven.engine.policy import PlayGuard
from netraven.engine.pool import ConnectionPool
from netraven.engine.remote import BatchExecutor, BatchReport
from netraven.engine.rollout import plan_rollout
from netraven.engine.scope import PlayVars
from netraven.engine.sessions import SessionPool
from netraven.engine.spec import JobSpec
from netraven.engine.start_at import find_start
from netraven.errors import InputError, StoreError
from netraven.inventory import host_tags
from netraven.playbook.tree import CompiledPlay
from netraven.secrets import Redactor, secret_values
from netraven.store.listener import StoreListener
from netraven.store.models import Job, epoch
from netraven.store.queries import (
    create_job,
    finish_job,
    latest_backup_hashes,
    load_breakers,
    start_queued_job,
)
from netraven.store.templates import record_job_templates
from netraven.store.writer import BatchWriter

__all__ = ["build_redactor", "execute"]


def build_redactor(spec: JobSpec) -> Redactor:
    """Known secrets plus secret-looking play vars and extra vars."""
    return Redactor(
        [
            *spec.secrets,
            *secret_values(spec.options.extra_vars),
            *(v for p in spec.playbook.compiled for v in secret_values(p.vars)),
        ]
    )


class _Collector(NullListener):
    """Keeps outcomes in memory for the job's result."""

    def __init__(self) -> None:
        self.outcome_hosts: list[HostOutcome] = []
        self.tasks: list[TaskOutcome] = []
        self.warnings: list[str] = []

    def task_finished(self, outcome: TaskOutcome) -> None:
        self.tasks.append(outcome)

    def host_finished(self, outcome: HostOutcome) -> None:
        self.outcome_hosts.append(outcome)

    def log(self, host: str | None, level: str, message: str) -> None:
        if host is None and level == "warning":
            self.warnings.append(message)


async def execute(
    spec: JobSpec,
    *,
    store: Engine,
    listeners: Sequence[RunListener] = (),
    cancel: asyncio.Event | None = None,
    connections: ConnectionRegistry | None = None,
    clock: Callable[[], float] = time.time,
    pool: ConnectionPool | None = None,
    job_id: int | None = None,
    remote: BatchExecutor | None = None,
) -> JobOutcome:
    """Run the job to its end and return its outcome; raise only for input errors.

    ``InputError`` (a bad pattern, host, connection kind…) is raised before any device is
    contacted or any row written. Anything that goes wrong later is recorded: a host's
    failure in its results, a failure outside any host as a failed job (exit 1).
    Setting ``cancel`` ends the job as ``interrupted`` with every finished result kept.
    ``pool`` (a long-lived process's ``ConnectionPool``) keeps healthy sessions logged in
    for the next job; without it every session closes when its host is done.
    ``job_id``: a row the caller already recorded as ``queued`` (the job service), which
    this run fills in and starts, keeping its id and creation time; otherwise a new row.
    ``remote``: run each batch's hosts on workers (``netraven.executor``); this process then
    keeps the plays, batches and verdicts, and records only what the workers could not.
    """
    # A registry given by the caller (tests, FakeNetwork) is used as is; otherwise the
    # built-in kinds plus the playbook's connection plugins.
    registry = connections or spec.playbook.plugins.register_connections(default_registry())
    params: dict[str, HostParams] = {}  # each host's, resolved once for plan and run
    items, warnings = plan_job(
        spec.playbook, spec.inventory, spec.options.limit, registry, params=params
    )
    limits = JobLimits(read_limits(spec.inventory))  # max_concurrency, logins_per_second
    start_at = None
    if spec.options.start_at_task is not None:
        start_at = find_start(
            spec.playbook.compiled, [i.hosts for i in items], spec.options.start_at_task
        )
    if remote is not None:
        for item in items:
            reason = remote.check_play(spec.playbook.compiled[item.index])
            if reason is not None:
                raise InputError(reason, path=str(spec.playbook.path))
    redactor = build_redactor(spec)
    row = _job_row(spec, sorted({h for item in items for h in item.hosts}, key=natural_key))
    if job_id is None:
        job = await asyncio.to_thread(create_job, store, row, redactor)
    else:
        job = await asyncio.to_thread(start_queued_job, store, job_id, row, redactor)
    assert job.id is not None
    writer = BatchWriter(store, redactor)
    collector = _Collector()
    recorder = StoreListener(writer, job.id, spec.log_level, outcomes_redacted=True)
    events = Fanout(listeners, [recorder, collector])
    run = _JobRun(
        spec, items, job.id, events, redactor, registry, writer, store, clock, limits, pool
    )
    if remote is not None:
        run.remote = remote
        run.watched = Fanout(listeners, [collector])  # workers recorded what they report
    run.ctx.start_at = start_at
    run.ctx.host_params = params
    events.job_started(job.id)
    for warning in [*spec.warnings, *warnings]:
        run.ctx.log(None, "warning", warning)
    if start_at is not None:
        run.ctx.log(None, "info", f"--start-at-task: starting at '{start_at.title}'")
    watcher = asyncio.create_task(_watch(cancel, run)) if cancel is not None else None
    error: str | None = None
    cancelled = False
    try:
        await run.prepare()
        await run.plays()
    except asyncio.CancelledError:
        cancelled = True
        run.interrupted = True
    except Exception as exc:  # a bug outside any host: the job failed, loudly
        error = redactor.text(f"internal error: {type(exc).__name__}: {exc}")
        run.ctx.log(None, "error", error or "")
        run.ctx.log(None, "debug", "".join(traceback.format_exception(exc)))
    finally:
        if watcher is not None:
            watcher.cancel()
        await run.sessions.close_all()
        if remote is not None:
            with contextlib.suppress(Exception):  # the job's result does not depend on it
                await remote.job_finished(job.id)
    status, code = exit_code_for(collector.outcome_hosts, run.interrupted, run.aborted is not None)
    job_errors = events.take_errors(None)  # a listener failed on an event about no host
    if job_errors and error is None:
        error = redactor.text("; ".join(job_errors))
    if error is not None:
        status, code = JobStatus.FAILED, exit_codes.INTERNAL
    try:
        await asyncio.to_thread(writer.close)
    except StoreError as exc:
        error = redactor.text(str(exc))
        status, code = JobStatus.FAILED, exit_codes.INTERNAL
    rendered = sorted(
        {(v.name, v.version, v.sha256) for v in spec.playbook.templates.repo.rendered()}
        | run.remote_templates
    )
    if rendered:  # which template repository versions this job rendered
        await asyncio.to_thread(record_job_templates, store, job.id, rendered)
    await asyncio.to_thread(finish_job, store, job.id, status, code, error, run.aborted)
    outcome = JobOutcome(
        job.id,
        status,
        code,
        collector.tasks,
        collector.outcome_hosts,
        collector.warnings,
        job.started_at,
        datetime.now(UTC),
        run.aborted,
        error,
    )
    events.job_finished(outcome)
    if cancelled:
        raise asyncio.CancelledError
    return outcome


def _flags_seen(spec: JobSpec, hosts: list[str]) -> str | None:
    """The flags as this job saw them, and the hosts of the job each was on for."""
    if not spec.flags:
        return None
    inventory = spec.inventory.hosts
    seen = {
        name: {
            **state.as_record(),
            "on": [h for h in hosts if state.on_for(h, host_tags(inventory[h]))],
        }
        for name, state in spec.flags.items()
    }
    return json.dumps(seen)


def _job_row(spec: JobSpec, hosts: list[str]) -> Job:
    now = datetime.now(UTC)
    return Job(
        flags=_flags_seen(spec, hosts),
        playbook=str(spec.playbook.path),
        playbook_sha256=spec.playbook.sha256,
        git_commit=spec.git_commit,
        inventory=spec.inventory_path,
        user=spec.owner.started_by,
        options=json.dumps(spec.options.as_record(), default=str),
        status=JobStatus.RUNNING,
        pid=spec.owner.pid,
        machine=spec.owner.machine,
        created_at=now,
        started_at=now,
    )


async def _watch(cancel: asyncio.Event | None, run: _JobRun) -> None:
    assert cancel is not None
    await cancel.wait()
    run.interrupt()


class _JobRun:
    """The plays of one job, in order, each host of a play concurrently up to ``forks``."""

    def __init__(
        self,
        spec: JobSpec,
        items: list[PlanItem],
        job_id: int,
        events: Fanout,
        redactor: Redactor,
        registry: ConnectionRegistry,
        writer: BatchWriter,
        store: Engine,
        clock: Callable[[], float],
        limits: JobLimits | None = None,
        pool: ConnectionPool | None = None,
    ) -> None:
        self.spec = spec
        self.limits = limits or JobLimits()
        self.items = items
        self.job_id = job_id
        self.events = events
        self.writer = writer
        self.store = store
        self.clock = clock
        self.sessions = SessionPool(
            registry,
            spec.options.check,
            self._log,
            before_login=self.limits.before_login,
            pool=pool,
            gate=connection_gate(spec.flags, spec.inventory),
        )
        self.ctx = JobContext(
            job_id=job_id,
            templates=spec.playbook.templates,
            events=events,
            sessions=self.sessions,
            redactor=redactor,
            extra_vars=spec.options.extra_vars,
            check=spec.options.check,
            tags=spec.options.tags,
            skip_tags=spec.options.skip_tags,
            inventory=spec.inventory,
            verbosity=spec.verbosity,
            flags=spec.flags,
            limits=self.limits,
        )
        for item in items:
            for host in item.hosts:
                self.ctx.last_play[host] = item.index
        self.interrupted = False
        self.aborted: str | None = None
        self._in_flight: set[asyncio.Task[HostOutcome]] = set()
        self.remote: BatchExecutor | None = None
        self._remote_task: asyncio.Task[list[HostOutcome]] | None = None
        self.watched: Fanout | None = None  # the caller's listeners + collector (remote runs)
        self.remote_templates: set[tuple[str, int, str]] = set()  # rendered on workers

    def _log(self, host: str | None, level: str, message: str) -> None:
        self.ctx.log(host, level, message)

    def interrupt(self) -> None:
        self.interrupted = True
        for task in list(self._in_flight):
            task.cancel()
        if self._remote_task is not None:
            self._remote_task.cancel()

    async def prepare(self) -> None:
        """Read what the job needs from the store: newest backup hashes, breaker states."""
        if self.remote is not None:
            return  # the workers read them for the hosts they run
        playbook = self.spec.playbook
        all_hosts = sorted({h for item in self.items for h in item.hosts})
        if any(t.action in ("backup", "config") for p in playbook.compiled for t in p.task_nodes()):
            self.ctx.backup_hashes = await asyncio.to_thread(
                latest_backup_hashes, self.store, all_hosts
            )
        if any(p.recovery.circuit_breaker for p in playbook.plays):
            rows = await asyncio.to_thread(load_breakers, self.store)
            initial = [
                BreakerState(
                    b.scope_key,
                    b.state if b.state != HALF_OPEN else OPEN,
                    b.failures,
                    opened_at=epoch(b.opened_at),
                )
                for b in rows
            ]
            recorder = StoreBreakerRecorder(self.store, self.job_id, self.clock)
            self.ctx.breakers = BreakerBoard(initial, recorder, self.clock)

    async def plays(self) -> None:
        failed: set[str] = set()
        for item in self.items:
            if self.interrupted or self.aborted is not None:
                return
            self._check_store()
            start = self.ctx.start_at
            if start is not None and item.index < start.play_index:
                continue  # --start-at-task: plays before its play do not run at all
            play = self.spec.playbook.compiled[item.index]
            rollout = plan_rollout(
                item.index, play.play, [h for h in item.hosts if h not in failed]
            )
            rollout.rollback_index = 1 + max((n.id for n in play.task_nodes()), default=0)
            self.events.play_started(item.index, play.title, rollout.hosts)
            forks_n = play.play.forks or self.spec.options.forks
            forks = asyncio.Semaphore(forks_n)
            for number, batch in enumerate(rollout.batches, 1):
                if self.interrupted:
                    return
                if number > 1:
                    self._check_store()
                guard = rollout.start(self.ctx, number)
                if self.remote is not None:
                    remote = self._remote_batch(play, number, batch, forks_n, guard)
                    self._remote_task = asyncio.create_task(remote)
                    try:
                        outcomes = await self._remote_task
                    except asyncio.CancelledError:
                        if not self.interrupted:
                            raise  # the caller cancelled the job's own task
                        return  # cancel: the workers stop the batch's hosts themselves
                    finally:
                        self._remote_task = None
                else:
                    outcomes = await self._batch(forks, play, batch)
                failed |= {o.host for o in outcomes if o.failed}
                if self.interrupted:
                    return
                reason = rollout.verdict(number, guard, outcomes)
                if reason is not None:
                    self.aborted = reason
                    self.ctx.log(None, "error", f"play '{play.title}' aborted: {reason}")
                    await rollout.stop(self.ctx, self.spec.inventory, number, reason, forks)
                    return
                if guard.ended and number < len(rollout.batches):
                    # meta: end_play ends the play, later serial batches included.
                    self._skip_later(rollout.batches[number:], item.index, play.title)
                    break

    def _skip_later(self, batches: list[list[str]], play_index: int, title: str) -> None:
        now = datetime.now(UTC)
        for name in (h for batch in batches for h in batch):
            self.events.host_finished(
                HostOutcome(
                    name,
                    play_index,
                    title,
                    HostStatus.SKIPPED,
                    error="meta: end_play ended the play",
                    started_at=now,
                    finished_at=now,
                )
            )

    def _check_store(self) -> None:
        if self.writer.error is not None:
            raise StoreError(f"job store write failed: {self.writer.error}")

    async def _remote_batch(
        self, play: CompiledPlay, number: int, hosts: list[str], forks: int, guard: PlayGuard
    ) -> list[HostOutcome]:
        """The batch on the workers: their outcomes shown and summed here, not re-recorded."""
        assert self.remote is not None and self.watched is not None
        report: BatchReport = await self.remote.run_batch(self.job_id, play, number, hosts, forks)
        for task in report.tasks:
            self.watched.task_finished(task)
        for outcome in report.hosts:
            self.watched.host_finished(outcome)
        for warning in report.warnings:
            self.watched.log(None, "warning", warning)
        decided = report.decided
        if decided is not None:  # not recorded by any worker: record them here
            for host, level, message in decided.logs:
                self.ctx.log(host, level, message)
            for task in decided.tasks:
                self.events.task_finished(task)
            for outcome in decided.hosts:
                self.events.host_finished(outcome)
        self.remote_templates |= report.templates
        if report.abort is not None:
            guard.abort(report.abort)
        if report.ended:
            guard.end_play("meta: end_play on a worker")
        # A watcher failing on a worker's outcome marks it failed here (Fanout), as locally.
        return [*report.hosts, *(decided.hosts if decided is not None else [])]

    async def _batch(
        self, forks: asyncio.Semaphore, play: CompiledPlay, hosts: list[str]
    ) -> list[HostOutcome]:
        """Run the play on these hosts, concurrently up to ``forks``; their outcomes."""
        inventory = self.spec.inventory
        shared = PlayVars(self.ctx, play, hosts)
        gate = LinearGate(len(hosts)) if play.play.strategy == "linear" else None
        tasks = [
            asyncio.create_task(self._host(forks, inventory.hosts[h], shared, gate)) for h in hosts
        ]
        self._in_flight = set(tasks)
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            self.interrupt()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait(tasks)
            raise
        finally:
            self._in_flight = set()
        return [t.result() for t in tasks if not t.cancelled()]

    async def _host(
        self, forks: asyncio.Semaphore, host: Host, play: PlayVars, gate: LinearGate | None
    ) -> HostOutcome:
        # The host's groups' max_concurrency slots are taken with its fork (limits.py).
        slot = self.limits.slot(host.name, forks)
        if gate is not None:  # linear: a fork per step, so waiting hosts hold none
            return await run_host_play(self.ctx, host, play, gate=gate, forks=slot)
        async with slot:
            return await run_host_play(self.ctx, host, play)
