"""The worker side: lanes of hosts run on one long-lived event loop per worker process.

Celery calls ``run_lane`` on one of its pool threads; the lane itself runs on the process'
single asyncio loop, so everything a job keeps between its lanes on this worker — sessions
to its hosts, registered variables, what it changed (for rollback), breaker states — lives
on that loop for the job's whole run, exactly as in the local executor. A job's state is
dropped when its coordinator says the job is over, or after an hour without a lane.

The job is rebuilt here from its files, with this worker's own vault password and
environment: no secret ever travels through the broker. A lane whose job cannot be built
(wrong vault password, a playbook that differs from the coordinator's) fails loudly: its
hosts are recorded failed with the worker's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import redis
from nornir.core.inventory import Host
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine

from netraven.connections.base import HostParams, default_registry
from netraven.domain import HostOutcome, HostStatus, TaskOutcome
from netraven.engine.events import Fanout, NullListener
from netraven.engine.job import _JobRun, build_redactor
from netraven.engine.limits import JobLimits, read_limits
from netraven.engine.linear import LinearGate
from netraven.engine.plan import plan_job
from netraven.engine.rollout import play_policy
from netraven.engine.scope import PlayVars
from netraven.engine.spec import JobSpec, Owner
from netraven.engine.start_at import find_start
from netraven.errors import NetRavenError
from netraven.executor.keys import RUN_TTL, WORKER_TTL, RunKeys, worker_key
from netraven.executor.shared import RedisOnce, SharedGuard
from netraven.executor.wire import WIRE_VERSION, flags_from_wire, host_to_wire, task_to_wire
from netraven.store.listener import StoreListener
from netraven.store.writer import BatchWriter

__all__ = ["Heartbeat", "WorkerRuntime", "install", "runtime"]

log = logging.getLogger("netraven.worker")
IDLE_JOB_SECONDS = 3600.0
REPORT_PATIENCE_SECONDS = 120.0

_RUNTIME: WorkerRuntime | None = None


def install(instance: WorkerRuntime) -> None:
    global _RUNTIME
    _RUNTIME = instance


def runtime() -> WorkerRuntime:
    if _RUNTIME is None:
        raise RuntimeError("netraven worker runtime not started (use `netraven worker`)")
    return _RUNTIME


class Heartbeat:
    """Tells coordinators this worker is alive: a key that expires ``WORKER_TTL`` s after
    the last beat. A worker killed with SIGKILL stops beating; that is how it is noticed."""

    def __init__(self, broker_url: str, name: str, interval: float = 2.0) -> None:
        self._client = redis.Redis.from_url(broker_url)
        self._name = name
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="netraven-heartbeat", daemon=True)

    def start(self) -> None:
        self._client.set(worker_key(self._name), str(time.time()), ex=WORKER_TTL)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with contextlib.suppress(redis.RedisError):  # else the key expires by itself
            self._client.delete(worker_key(self._name))

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._client.set(worker_key(self._name), str(time.time()), ex=WORKER_TTL)
            except redis.RedisError as exc:  # the broker restarting: beat again when it is back
                log.warning("heartbeat: %s", exc)


class _LaneCollector(NullListener):
    """What this worker's hosts did, handed back lane by lane."""

    def __init__(self) -> None:
        self.tasks: list[TaskOutcome] = []
        self.hosts: list[HostOutcome] = []
        self.warnings: list[str] = []

    def task_finished(self, outcome: TaskOutcome) -> None:
        self.tasks.append(outcome)

    def host_finished(self, outcome: HostOutcome) -> None:
        self.hosts.append(outcome)

    def log(self, host: str | None, level: str, message: str) -> None:
        if host is None and level == "warning":
            self.warnings.append(message)

    def take(self, play: int, hosts: set[str]) -> tuple[list[TaskOutcome], list[HostOutcome]]:
        mine = [t for t in self.tasks if t.play_index == play and t.host in hosts]
        done = [h for h in self.hosts if h.play_index == play and h.host in hosts]
        self.tasks = [t for t in self.tasks if not (t.play_index == play and t.host in hosts)]
        self.hosts = [h for h in self.hosts if not (h.play_index == play and h.host in hosts)]
        return mine, done


class _LaneRun(_JobRun):
    """The engine's job run, but each host first proves the lane is still this worker's and
    notes that it began, so a coordinator that lost this worker knows what it touched."""

    fences: dict[str, Callable[[str], Awaitable[bool]]]

    async def _host(
        self, forks: asyncio.Semaphore, host: Host, play: PlayVars, gate: LinearGate | None
    ) -> HostOutcome:
        fence = self.fences.get(host.name)
        if fence is not None and not await fence(host.name):
            # The coordinator gave this lane to another worker: leave the host to it.
            return HostOutcome(host.name, play.play.index, play.play.title, HostStatus.SKIPPED)
        return await super()._host(forks, host, play, gate)


class _WorkerJob:
    """One job's state on this worker, kept between its lanes."""

    def __init__(
        self, spec: JobSpec, job_id: int, keys: RunKeys, store: Engine, client: Redis
    ) -> None:
        self.spec = spec
        self.keys = keys
        self.client = client
        registry = spec.playbook.plugins.register_connections(default_registry())
        params: dict[str, HostParams] = {}  # each host's, resolved once (as execute does)
        items, _ = plan_job(
            spec.playbook, spec.inventory, spec.options.limit, registry, params=params
        )
        redactor = build_redactor(spec)
        self.writer = BatchWriter(store, redactor)
        self.collector = _LaneCollector()
        recorder = StoreListener(self.writer, job_id, spec.log_level, outcomes_redacted=True)
        events = Fanout([], [recorder, self.collector])
        limits = JobLimits(read_limits(spec.inventory))
        self.run = _LaneRun(
            spec, items, job_id, events, redactor, registry, self.writer, store, time.time, limits
        )
        self.run.fences = {}  # host → its lane's check that the lane is still this worker's
        self.run.ctx.shared_once = RedisOnce(client, keys, redactor)
        self.run.ctx.host_params = params
        if spec.options.start_at_task is not None:
            self.run.ctx.start_at = find_start(
                spec.playbook.compiled, [i.hosts for i in items], spec.options.start_at_task
            )
        self.prepared = False
        self.used = time.monotonic()
        self.lock = asyncio.Lock()
        self.active = 0  # lanes running now: the job is closed only once none is
        self.idle = asyncio.Event()
        self.idle.set()

    async def lane(self, message: dict[str, Any], name: str) -> dict[str, Any]:
        self.active += 1
        self.idle.clear()
        try:
            return await self._lane(message, name)
        finally:
            self.active -= 1
            self.used = time.monotonic()
            if self.active == 0:
                self.idle.set()

    async def _lane(self, message: dict[str, Any], name: str) -> dict[str, Any]:
        self.used = time.monotonic()
        async with self.lock:
            if not self.prepared:
                await self.run.prepare()
                self.prepared = True
        dispatch = message["dispatch"]
        play_index, number = int(message["play"]), int(message["batch"])
        hosts: list[str] = list(message["hosts"])
        play = self.spec.playbook.compiled[play_index]
        policy, _ = play_policy(play.play)
        guard = SharedGuard(
            int(message["batch_hosts"]), policy, self.client, self.keys, play_index, number
        )
        self.run.ctx.guards[play_index] = guard
        self.run.ctx.log(
            None,
            "info",
            f"play {play_index + 1} batch {number}: {len(hosts)} host(s) on worker {name}",
        )
        for host in message.get("retried", []):
            self.run.ctx.log(
                host,
                "warning",
                f"run again on worker {name}: the worker that had it was lost while it ran; "
                "tasks it finished there may run a second time",
            )
        claim, started = self.keys.claim(dispatch), self.keys.started(dispatch)

        async def fence(host: str) -> bool:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(claim)
            pipe.sadd(started, host)
            pipe.expire(started, RUN_TTL)
            try:
                owner, *_ = await pipe.execute()
            except RedisError:
                return True  # the broker restarting: the lane is still ours as far as we know
            # None: a restarted broker forgot the claim; only "lost:…" means taken over.
            return owner is None or not owner.decode().startswith("lost:")

        self.run.fences.update(dict.fromkeys(hosts, fence))  # per host: lanes may overlap
        syncing = asyncio.create_task(guard.keep_synced())
        try:
            await self.run._batch(asyncio.Semaphore(int(message["forks"])), play, hosts)
        finally:
            syncing.cancel()
            for host in hosts:
                self.run.fences.pop(host, None)
        with contextlib.suppress(RedisError):  # a broker restarting: the verdict is ours alone
            await guard.sync()
        await asyncio.to_thread(self.writer.flush)  # the rows are in the store before we report
        if self.writer.error is not None:
            raise NetRavenError(f"job store write failed on worker {name}: {self.writer.error}")
        tasks, outcomes = self.collector.take(play_index, set(hosts))
        warnings, self.collector.warnings = self.collector.warnings, []
        return {
            "dispatch": dispatch,
            "worker": name,
            "tasks": [task_to_wire(t) for t in tasks],
            "hosts": [host_to_wire(h) for h in outcomes],
            "abort": guard.reason,
            "ended": guard.ended,
            "warnings": warnings,
            "templates": [
                [v.name, v.version, v.sha256] for v in self.spec.playbook.templates.repo.rendered()
            ],
        }

    async def close(self) -> None:
        """After the job's last lane here: a coordinator that was interrupted says the job
        is over while lanes still finish their hosts' current tasks and record them."""
        await self.idle.wait()
        await self.run.sessions.close_all()
        await asyncio.to_thread(self.writer.close)


class WorkerRuntime:
    """One per worker process: the event loop, the store, Redis, and the jobs in progress."""

    def __init__(
        self,
        name: str,
        broker_url: str,
        store: Engine,
        vault_password: bytes | None,
    ) -> None:
        self.name = name
        self.broker_url = broker_url
        self.store = store
        self.vault_password = vault_password
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="netraven-loop", daemon=True)
        self._thread.start()
        self._client: Redis | None = None
        self._jobs: dict[str, _WorkerJob] = {}
        self._building: dict[str, asyncio.Future[_WorkerJob]] = {}
        # Jobs announced by their coordinator (``prepare``) before their first lane: loading
        # the playbook and inventory overlaps the coordinator recording the job.
        self._specs: dict[str, tuple[asyncio.Future[JobSpec], float]] = {}

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def _submit(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run_lane(self, message: dict[str, Any]) -> None:
        self._submit(self._lane(message)).result()

    def prepare(self, run: str, wire: dict[str, Any]) -> None:
        """Start loading a job that lanes will follow; its errors surface in those lanes."""
        self._submit(self._warm(run, wire))

    async def _warm(self, run: str, wire: dict[str, Any]) -> None:
        self._spec(run, wire)

    def _spec(self, run: str, wire: dict[str, Any]) -> asyncio.Future[JobSpec]:
        known = self._specs.get(run)
        if known is None:
            future = asyncio.ensure_future(asyncio.to_thread(self._load_spec, wire))
            known = self._specs[run] = (future, time.monotonic())
        return known[0]

    def release(self, run: str) -> None:
        self._submit(self._release(run)).result()

    def stop(self) -> None:
        async def close_all() -> None:
            for run in list(self._jobs):
                await self._release(run)

        self._submit(close_all()).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)

    @property
    def client(self) -> Redis:
        if self._client is None:
            self._client = Redis.from_url(self.broker_url)
        return self._client

    async def _release(self, run: str) -> None:
        job = self._jobs.pop(run, None)
        if job is not None:
            await job.close()

    async def _lane(self, message: dict[str, Any]) -> None:
        keys = RunKeys(message["run"])
        dispatch = message["dispatch"]
        if not await self.client.set(keys.claim(dispatch), self.name, nx=True, ex=RUN_TTL):
            log.info("lane %s already taken or given up: dropped", dispatch)
            return
        await self._evict_idle()
        try:
            if message.get("v") != WIRE_VERSION:
                raise NetRavenError(f"lane message version {message.get('v')} not understood")
            job = await self._job(message, keys)
            report = await job.lane(message, self.name)
        except Exception as exc:  # the lane's hosts fail with the worker's reason
            reason = str(exc) if isinstance(exc, NetRavenError) else f"{type(exc).__name__}: {exc}"
            log.error("lane %s failed: %s", dispatch, reason)
            report = {"dispatch": dispatch, "worker": self.name, "error": reason}
        await self._report(keys, report)

    async def _report(self, keys: RunKeys, report: dict[str, Any]) -> None:
        """Hand the lane's report back; a broker restarting is waited for, within reason."""
        deadline = time.monotonic() + REPORT_PATIENCE_SECONDS
        while True:
            try:
                await self.client.rpush(keys.results(), json.dumps(report))
                await self.client.expire(keys.results(), RUN_TTL)
                return
            except RedisError as exc:
                if time.monotonic() > deadline:
                    log.error(
                        "lane %s: report lost, broker unreachable: %s", report["dispatch"], exc
                    )
                    return
                await asyncio.sleep(1.0)

    async def _job(self, message: dict[str, Any], keys: RunKeys) -> _WorkerJob:
        run = message["run"]
        job = self._jobs.get(run)
        if job is not None:
            return job
        building = self._building.get(run)
        if building is None:
            building = self._building[run] = asyncio.ensure_future(self._build(message, keys))
        try:
            job = await asyncio.shield(building)
        finally:
            self._building.pop(run, None)
        self._jobs[run] = job
        return job

    async def _build(self, message: dict[str, Any], keys: RunKeys) -> _WorkerJob:
        run, wire, job_id = message["run"], message["spec"], int(message["job_id"])
        try:
            spec = await asyncio.shield(self._spec(run, wire))
        finally:
            self._specs.pop(run, None)
        await asyncio.to_thread(self._check_store, wire, job_id)
        return _WorkerJob(spec, job_id, keys, self.store, self.client)

    def _check_store(self, wire: dict[str, Any], job_id: int) -> None:
        from netraven.store.queries import get_job

        row = get_job(self.store, job_id)
        if row is None or row.playbook_sha256 != wire["playbook_sha256"]:
            raise NetRavenError(
                f"its job store has no job {job_id} of this playbook: "
                "give workers the coordinator's store (NETRAVEN_DB_URL / --db)"
            )

    def _load_spec(self, wire: dict[str, Any]) -> JobSpec:
        from netraven.app.runs import prepare_run

        options = wire["options"]
        prepared = prepare_run(
            Path(wire["playbook"]),
            Path(wire["inventory"]),
            owner=Owner(**wire["owner"]),
            store=lambda: self.store,
            limit=options["limit"],
            extra_vars=options["extra_vars"],
            tags=frozenset(options["tags"]),
            skip_tags=frozenset(options["skip_tags"]),
            check=options["check"],
            diff=options["diff"],
            forks=options["forks"],
            log_level=wire["log_level"],
            verbosity=wire["verbosity"],
            vault_password=self.vault_password,
            start_at_task=options["start_at_task"],
        )
        spec = prepared.spec
        if spec is None:
            raise NetRavenError("the job has no hosts on this worker")
        if spec.playbook.sha256 != wire["playbook_sha256"]:
            raise NetRavenError(
                f"{wire['playbook']} differs from the coordinator's "
                "(sha256 mismatch): every worker must run the same checkout"
            )
        spec.playbook.templates.repo.pin(wire.get("templates", {}))  # the coordinator's
        return dataclasses.replace(
            spec, flags=flags_from_wire(wire["flags"]), git_commit=wire["git_commit"]
        )

    async def _evict_idle(self) -> None:
        now = time.monotonic()
        for run, (_future, since) in list(self._specs.items()):
            if now - since > IDLE_JOB_SECONDS:  # announced, and no lane ever came
                self._specs.pop(run, None)
        for run, job in list(self._jobs.items()):
            if now - job.used > IDLE_JOB_SECONDS and job.active == 0:
                await self._release(run)
