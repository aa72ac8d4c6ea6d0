"""Reachability check: a TCP connect and, over SSH, the server's banner — no login.

Recorded as a job like any other (a host result and one task result per device), so
``jobs show`` and the API show which devices answered and what they said. SSH servers
send their identification string first (RFC 4253 §4.2, ``SSH-2.0-…``), so reading one
line proves an SSH daemon is answering, not merely a port forwarder or a dead listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus, exit_code_for
from netraven.errors import InputError

if TYPE_CHECKING:
    from netraven.scheduler.handlers import HandlerEnv, Target

__all__ = ["Probe", "ReachabilityHandler", "probe"]

PLAY = "reachability"
TASK = "tcp connect + ssh banner"


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str  # the banner, or why the host is unreachable
    duration_ms: int


async def probe(host: str, port: int, *, ssh: bool, timeout: float) -> Probe:
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        return Probe(False, f"TCP connect to {host}:{port} timed out after {timeout:g}s", took())
    except OSError as exc:
        return Probe(False, f"TCP connect to {host}:{port}: {exc.strerror or exc}", took())
    try:
        if not ssh:
            return Probe(True, f"TCP {host}:{port} open", took())
        return await _banner(reader, host, port, timeout - (time.perf_counter() - started), took)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _banner(
    reader: asyncio.StreamReader, host: str, port: int, left: float, took: Callable[[], int]
) -> Probe:
    # A server may send other lines before its identification string (RFC 4253 §4.2).
    try:
        async with asyncio.timeout(max(left, 0.01)):
            for _ in range(20):
                line = await reader.readline()
                if not line:
                    return Probe(False, f"{host}:{port} closed without an SSH banner", took())
                text = line.decode("utf-8", "replace").strip()
                if text.startswith("SSH-"):
                    return Probe(True, text, took())
    except TimeoutError:
        return Probe(False, f"{host}:{port} accepted TCP but sent no SSH banner in time", took())
    except OSError as exc:
        return Probe(False, f"{host}:{port}: {exc.strerror or exc}", took())
    return Probe(False, f"{host}:{port} sent no SSH banner", took())


class ReachabilityHandler:
    def check(self, target: Target, vault_password: bytes | None) -> None:
        if target.playbook is not None:
            raise InputError("playbook: the reachability handler runs no playbook; drop --playbook")
        if not target.inventory.is_dir():
            raise InputError(f"inventory: not a directory: {target.inventory}")

    async def run(self, target: Target, env: HandlerEnv) -> int:
        from netraven.connections.base import HostParams
        from netraven.inventory import load_inventory
        from netraven.playbook.patterns import select

        inventory, _ = await asyncio.to_thread(load_inventory, target.inventory, env.vault_password)
        names = select(inventory, target.limit).hosts if target.limit else list(inventory.hosts)
        params = [HostParams.from_host(inventory.hosts[n]) for n in names]
        job_id = await asyncio.to_thread(_start_job, env, target)
        gate = asyncio.Semaphore(env.probe_concurrency)

        async def one(p: HostParams) -> tuple[HostOutcome, TaskOutcome]:
            async with gate:
                started = datetime.now(UTC)
                result = await probe(
                    p.hostname, p.port, ssh=p.transport == "ssh", timeout=env.probe_timeout
                )
            return _outcomes(p.name, started, result)

        try:
            pairs = await asyncio.gather(*(one(p) for p in params))
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(_interrupt_job, env, job_id))
            raise
        await asyncio.to_thread(_finish_job, env, job_id, pairs)
        return job_id


def _outcomes(name: str, started: datetime, result: Probe) -> tuple[HostOutcome, TaskOutcome]:
    status = HostStatus.OK if result.ok else HostStatus.UNREACHABLE
    host = HostOutcome(
        name,
        0,
        PLAY,
        status,
        error=None if result.ok else result.detail,
        started_at=started,
        finished_at=datetime.now(UTC),
        duration_ms=result.duration_ms,
    )
    task = TaskOutcome(
        name,
        0,
        PLAY,
        1,
        TASK,
        "reachability",
        TaskStatus.OK if result.ok else TaskStatus.UNREACHABLE,
        failed=not result.ok,
        output=result.detail if result.ok else None,
        error=None if result.ok else result.detail,
        started_at=started,
        duration_ms=result.duration_ms,
    )
    return host, task


def _start_job(env: HandlerEnv, target: Target) -> int:
    from netraven.secrets import Redactor
    from netraven.store.models import Job
    from netraven.store.queries import create_job

    now = datetime.now(UTC)
    job = Job(
        playbook=f"schedule:{target.name}:reachability",
        playbook_sha256=hashlib.sha256(b"reachability").hexdigest(),
        inventory=str(target.inventory),
        user=env.owner.started_by,
        options=json.dumps({"limit": target.limit, "handler": "reachability"}),
        status="running",
        pid=env.owner.pid,
        machine=env.owner.machine,
        created_at=now,
        started_at=now,
    )
    created = create_job(env.store, job, Redactor([]))
    assert created.id is not None
    return created.id


def _finish_job(env: HandlerEnv, job_id: int, pairs: list[tuple[HostOutcome, TaskOutcome]]) -> None:
    from sqlmodel import Session

    from netraven.store.models import HostResult, TaskResult
    from netraven.store.queries import finish_job

    with Session(env.store) as session:
        for host, task in pairs:
            session.add(
                HostResult(
                    job_id=job_id,
                    host=host.host,
                    play_index=0,
                    play=PLAY,
                    status=host.status,
                    error=host.error,
                    started_at=host.started_at,
                    finished_at=host.finished_at,
                    duration_ms=host.duration_ms,
                )
            )
            session.add(
                TaskResult(
                    job_id=job_id,
                    host=task.host,
                    play_index=0,
                    play=PLAY,
                    task_index=1,
                    name=TASK,
                    action="reachability",
                    status=task.status,
                    failed=task.failed,
                    output=task.output,
                    error=task.error,
                    started_at=task.started_at,
                    duration_ms=task.duration_ms,
                )
            )
        session.commit()
    status, code = exit_code_for([h for h, _ in pairs], interrupted=False)
    finish_job(env.store, job_id, status, code)


def _interrupt_job(env: HandlerEnv, job_id: int) -> None:
    from netraven import exit_codes
    from netraven.store.queries import finish_job

    finish_job(env.store, job_id, "interrupted", exit_codes.INTERRUPTED)
