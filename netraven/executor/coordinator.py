"""The coordinating side of ``--executor celery``: a play's batch split into lanes, one per
worker, and waited for.

The engine keeps the plays, the serial batches and their verdicts (``engine/remote.py``);
this module only decides which worker runs which hosts and makes sure every host of the
batch ends with exactly one outcome:

- A host stays on the worker that ran it in earlier plays (its sessions, registered
  variables and pre-change configuration live there); new hosts are spread evenly over the
  workers alive at that moment (their heartbeat keys). ``strategy: linear`` batches go to one
  worker whole, since their hosts advance in lock-step.
- A worker whose heartbeat stops while it holds a lane is lost. Its lane is given up
  (its claim overwritten, so it cannot start another host even if it was only slow), the
  hosts it had finished are read back from the store, hosts it had not begun go to another
  worker, and hosts it had begun are run once more on another worker — said in the job's
  log — or, the second time, recorded ``interrupted``.
- A lane nobody has claimed is published again every ``REPUBLISH_SECONDS`` (a broker that
  restarted without persistence lost it); a duplicate is dropped by the claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.utils import worker_direct
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine

from netraven.domain import HostOutcome, HostStatus, TaskOutcome
from netraven.engine.remote import BatchReport, RemoteRecord
from netraven.engine.rollout import play_policy
from netraven.engine.spec import JobSpec
from netraven.errors import ExecutorError
from netraven.executor.app import LANE_TASK, PREPARE_TASK, RELEASE_TASK, make_app
from netraven.executor.keys import WORKER_PATTERN, WORKER_TTL, RunKeys
from netraven.executor.wire import WIRE_VERSION, host_from_wire, spec_to_wire, task_from_wire
from netraven.playbook.tree import CompiledPlay
from netraven.secrets import secret_values
from netraven.store import queries
from netraven.store.outcomes import host_outcome, task_outcome

__all__ = ["CeleryExecutor", "NoWorkersError", "assign_lanes", "live_workers"]

POLL_SECONDS = 0.5
REPUBLISH_SECONDS = 10.0
BROKER_OUTAGE_SECONDS = 120.0
MAX_RUNS_PER_HOST = 2  # a host begun on a lost worker is run once more, not again after that


class NoWorkersError(ExecutorError):
    """No ``netraven worker`` is alive on the broker."""


async def live_workers(client: Redis) -> list[str]:
    names = [
        key.decode().removeprefix("netraven:worker:")
        async for key in client.scan_iter(match=WORKER_PATTERN, count=1000)
    ]
    return sorted(names)


@dataclass
class _Lane:
    dispatch: str
    worker: str
    hosts: list[str]
    message: dict[str, Any]
    sent: float
    claimed_by: str | None = None


@dataclass
class _Batch:
    job_id: int
    play: CompiledPlay
    number: int
    forks: int
    total: int
    report: BatchReport = field(default_factory=BatchReport)
    pending: dict[str, _Lane] = field(default_factory=dict)


class CeleryExecutor:
    """``BatchExecutor`` over Celery + Redis; one instance per job run."""

    def __init__(
        self, spec: JobSpec, broker_url: str, store: Engine, app: Celery | None = None
    ) -> None:
        if secret_values(spec.options.extra_vars):
            raise ExecutorError(
                "secret extra vars (secret-looking names) would travel through the broker; "
                "give them to the workers (vault, inventory, environment) instead"
            )
        self.run = uuid.uuid4().hex[:16]
        self.keys = RunKeys(self.run)
        self._spec = spec
        self._wire = spec_to_wire(spec)
        self._broker_url = broker_url
        self._store = store
        self._app = app or make_app(broker_url)
        self._client: Redis | None = None
        self._home: dict[str, str] = {}  # host → the worker that keeps its state
        self._runs: dict[str, int] = {}  # host → times it was begun on a worker
        self._used: set[str] = set()
        self._missing: dict[str, float] = {}  # worker → when its heartbeat was first missed

    @property
    def client(self) -> Redis:
        if self._client is None:
            self._client = Redis.from_url(self._broker_url)
        return self._client

    def check_play(self, play: CompiledPlay) -> str | None:
        policy, _ = play_policy(play.play)
        if policy.on_failure == "rollback" and policy.rollback_scope != "host":
            return (
                f"play '{play.title}': rollback_scope {policy.rollback_scope} is not supported "
                "with --executor celery (each worker rolls back its own hosts: use "
                "rollback_scope: host, or the local executor)"
            )
        return None

    async def workers(self, *, patient: bool = False) -> list[str]:
        """The live workers. ``patient``: mid-job, wait out a broker that is restarting
        (up to ``BROKER_OUTAGE_SECONDS``); before a job, an unreachable broker is an error
        at once (a wrong URL should not take two minutes to say so)."""
        outage = time.monotonic()
        while True:
            try:
                workers = await live_workers(self.client)
                break
            except RedisError as exc:
                if not patient or time.monotonic() - outage > BROKER_OUTAGE_SECONDS:
                    raise ExecutorError(
                        f"broker {_safe(self._broker_url)} unreachable: {exc}"
                    ) from exc
                await asyncio.sleep(POLL_SECONDS)
        if not workers:
            raise NoWorkersError(
                "no netraven worker is running on the broker "
                f"({_safe(self._broker_url)}): start one with `netraven worker`"
            )
        return workers

    async def announce(self, workers: list[str]) -> None:
        """Tell the workers the job is coming, so they load it while this process records
        it (a lane then finds the job loaded; a failure to announce costs only that)."""

        def send() -> None:
            for worker in workers:
                self._app.send_task(
                    PREPARE_TASK, args=[self.run, self._wire], queue=worker_direct(worker)
                )

        with contextlib.suppress(Exception):  # noqa: BLE001 - the lane loads it anyway
            await asyncio.to_thread(send)

    async def run_batch(
        self, job_id: int, play: CompiledPlay, number: int, hosts: list[str], forks: int
    ) -> BatchReport:
        batch = _Batch(job_id, play, number, forks, len(hosts))
        workers = await self.workers(patient=True)
        try:
            for worker, lane_hosts in self._assign(play, hosts, workers).items():
                await self._dispatch(batch, worker, lane_hosts, retried=[])
            await self._wait(batch)
        except asyncio.CancelledError:
            await self._give_up(batch, "job interrupted")
            raise
        abort = await self.client.get(self.keys.abort(play.index, number))
        if abort is not None and batch.report.abort is None:
            batch.report.abort = _text(abort)
        return batch.report

    async def job_finished(self, job_id: int) -> None:
        for worker in sorted(self._used):
            self._app.send_task(RELEASE_TASK, args=[self.run], queue=worker_direct(worker))
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- assignment -------------------------------------------------------------------

    def _assign(
        self, play: CompiledPlay, hosts: list[str], workers: list[str]
    ) -> dict[str, list[str]]:
        lanes = assign_lanes(hosts, workers, self._home, linear=play.play.strategy == "linear")
        for worker, assigned in lanes.items():
            for host in assigned:
                self._home[host] = worker
        return lanes

    # -- dispatch and wait --------------------------------------------------------------

    async def _dispatch(
        self, batch: _Batch, worker: str, hosts: list[str], retried: list[str]
    ) -> None:
        dispatch = uuid.uuid4().hex
        message = {
            "v": WIRE_VERSION,
            "run": self.run,
            "job_id": batch.job_id,
            "dispatch": dispatch,
            "play": batch.play.index,
            "batch": batch.number,
            "batch_hosts": batch.total,
            "forks": batch.forks,
            "hosts": hosts,
            "retried": retried,
            "spec": self._wire,
        }
        lane = _Lane(dispatch, worker, hosts, message, time.monotonic())
        batch.pending[dispatch] = lane
        self._used.add(worker)
        for host in hosts:
            self._home[host] = worker
        await asyncio.to_thread(self._publish, lane)

    def _publish(self, lane: _Lane) -> None:
        """Send the lane; if the broker is away, ``_check`` publishes it again later."""
        try:
            self._app.send_task(LANE_TASK, args=[lane.message], queue=worker_direct(lane.worker))
        except Exception:  # noqa: BLE001 - kombu's OperationalError and friends; retried
            lane.sent = time.monotonic() - REPUBLISH_SECONDS

    async def _wait(self, batch: _Batch) -> None:
        results = self.keys.results()
        last_check = 0.0
        outage: float | None = None
        while batch.pending:
            try:
                popped = await self.client.blpop([results], timeout=POLL_SECONDS)
                if popped is not None:
                    await self._take(batch, json.loads(popped[1]))
                if time.monotonic() - last_check >= POLL_SECONDS:
                    last_check = time.monotonic()
                    await self._check(batch)
                outage = None
            except RedisError as exc:  # the broker restarting: wait for it, within reason
                outage = outage or time.monotonic()
                if time.monotonic() - outage > BROKER_OUTAGE_SECONDS:
                    raise ExecutorError(
                        f"broker {_safe(self._broker_url)} unreachable for more than "
                        f"{BROKER_OUTAGE_SECONDS:g} s: {exc}"
                    ) from exc
                await asyncio.sleep(POLL_SECONDS)

    async def _take(self, batch: _Batch, report: dict[str, Any]) -> None:
        lane = batch.pending.pop(report["dispatch"], None)
        if lane is None:
            return  # a lane given up on, or of an earlier batch: its hosts were re-decided
        target = batch.report
        if "error" in report:
            reason = f"worker {report['worker']}: {report['error']}"
            warning = f"lane of {len(lane.hosts)} host(s) failed: {reason}"
            self._record(batch).logs.append((None, "warning", warning))  # recorded here
            self._decide(batch, lane.hosts, HostStatus.FAILED, reason)
            return
        target.tasks.extend(task_from_wire(t) for t in report["tasks"])
        target.hosts.extend(host_from_wire(h) for h in report["hosts"])
        target.warnings.extend(report["warnings"])
        if report["abort"] is not None and target.abort is None:
            target.abort = report["abort"]
        target.ended = target.ended or bool(report["ended"])
        target.templates.update((n, int(v), sha) for n, v, sha in report.get("templates", []))

    async def _check(self, batch: _Batch) -> None:
        """Find lanes whose worker is gone, and republish lanes nobody took."""
        now = time.monotonic()
        alive = set(await live_workers(self.client))
        for name in alive:
            self._missing.pop(name, None)
        for lane in list(batch.pending.values()):
            owner = await self.client.get(self.keys.claim(lane.dispatch))
            if owner is not None:  # remembered: a restarted broker forgets its claims
                lane.claimed_by = _text(owner)
            holder = lane.claimed_by or lane.worker
            if holder not in alive:
                # Lost only after a whole TTL without a heartbeat: not a blip, nor a broker
                # that restarted and forgot the key until the next beat.
                if now - self._missing.setdefault(holder, now) >= WORKER_TTL:
                    await self._lost(batch, lane, holder, alive)
                continue
            if lane.claimed_by is None and time.monotonic() - lane.sent > REPUBLISH_SECONDS:
                lane.sent = time.monotonic()
                await asyncio.to_thread(self._publish, lane)

    async def _lost(self, batch: _Batch, lane: _Lane, worker: str, alive: set[str]) -> None:
        claim = self.keys.claim(lane.dispatch)
        await self.client.set(claim, f"lost:{worker}")  # it may not begin another host
        batch.pending.pop(lane.dispatch, None)
        record = self._record(batch)
        record.logs.append(
            (None, "error", f"worker {worker} lost with {len(lane.hosts)} host(s) of its lane")
        )
        started = {_text(m) for m in await self.client.smembers(self.keys.started(lane.dispatch))}
        done = await asyncio.to_thread(self._recorded, batch, lane.hosts)
        for outcome in done[0]:
            batch.report.hosts.append(outcome)
        batch.report.tasks.extend(done[1])
        finished = {o.host for o in done[0]}
        again = [h for h in lane.hosts if h in started and h not in finished]
        fresh = [h for h in lane.hosts if h not in started and h not in finished]
        for host in again:
            self._runs[host] = self._runs.get(host, 1) + 1
        over = [h for h in again if self._runs[h] > MAX_RUNS_PER_HOST]
        again = [h for h in again if h not in over]
        for host in [*again, *fresh]:
            self._home.pop(host, None)  # its state went with the worker
        self._decide(
            batch, over, HostStatus.INTERRUPTED, f"worker {worker} lost while running it, twice"
        )
        workers = sorted(alive)
        if not workers:
            self._decide(
                batch,
                [*again, *fresh],
                HostStatus.INTERRUPTED,
                f"worker {worker} lost; no worker left to run it",
            )
            return
        for target, hosts in self._assign(batch.play, [*again, *fresh], workers).items():
            await self._dispatch(batch, target, hosts, retried=[h for h in hosts if h in again])

    def _recorded(
        self, batch: _Batch, hosts: Iterable[str]
    ) -> tuple[list[HostOutcome], list[TaskOutcome]]:
        """What a lost worker's hosts had finished and recorded before it went."""
        wanted = set(hosts)
        rows = [
            r
            for r in queries.host_results(self._store, batch.job_id)
            if r.host in wanted and r.play_index == batch.play.index
        ]
        outcomes = [host_outcome(r) for r in rows]
        tasks = [
            task_outcome(t)
            for r in rows
            for t in queries.task_results(self._store, batch.job_id, r.host)
            if t.play_index == batch.play.index
        ]
        return outcomes, tasks

    def _record(self, batch: _Batch) -> RemoteRecord:
        if batch.report.decided is None:
            batch.report.decided = RemoteRecord()
        return batch.report.decided

    def _decide(self, batch: _Batch, hosts: list[str], status: HostStatus, reason: str) -> None:
        """Outcomes no worker recorded: the engine records them with the job."""
        if not hosts:
            return
        record = self._record(batch)
        now = datetime.now(UTC)
        for host in hosts:
            record.hosts.append(
                HostOutcome(
                    host,
                    batch.play.index,
                    batch.play.title,
                    status,
                    error=reason,
                    started_at=now,
                    finished_at=now,
                )
            )
            record.logs.append((host, "error", reason))

    async def _give_up(self, batch: _Batch, reason: str) -> None:
        """Stop the batch's remaining hosts on every worker before their next task."""
        try:
            await self.client.set(self.keys.abort(batch.play.index, batch.number), reason, nx=True)
        except Exception:  # noqa: BLE001 - interrupting must not fail on an unreachable broker
            return


def assign_lanes(
    hosts: list[str], workers: list[str], homes: dict[str, str], *, linear: bool = False
) -> dict[str, list[str]]:
    """Which worker runs which of a batch's hosts (only workers that get some are named).

    A host stays with the live worker that ran its earlier plays (``homes``); the others go,
    in host order, to the worker with the fewest so far. ``linear`` batches go whole to the
    worker that already holds most of their hosts, since lock-step needs one process.
    """
    lanes: dict[str, list[str]] = {w: [] for w in workers}
    if linear:
        held = [homes.get(h) for h in hosts]
        target = max(workers, key=lambda w: (held.count(w), -workers.index(w)))
        lanes[target] = list(hosts)
    else:
        fresh = []
        for host in hosts:
            home = homes.get(host)
            if home in lanes:
                lanes[home].append(host)
            else:
                fresh.append(host)
        for host in fresh:
            target = min(workers, key=lambda w: (len(lanes[w]), workers.index(w)))
            lanes[target].append(host)
    return {w: hs for w, hs in lanes.items() if hs}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _safe(url: str) -> str:
    from netraven.settings import mask_url

    return mask_url(url)
