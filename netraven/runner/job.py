"""A job: select hosts per play, run them through Nornir, record everything, end cleanly.

Ctrl-C or SIGTERM at any point ends the job as ``interrupted`` with every finished
result kept; the store is flushed before the process exits.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from nornir.core import Nornir
from nornir.core.inventory import Inventory
from sqlalchemy.engine import Engine

from netraven import exit_codes
from netraven.connections.base import ConnectionRegistry, default_registry
from netraven.errors import Interrupted
from netraven.playbook.loader import Playbook
from netraven.playbook.patterns import select
from netraven.runner.breakers import HALF_OPEN, OPEN, BreakerBoard, BreakerState
from netraven.runner.context import RunContext
from netraven.runner.events import Listeners, RunListener
from netraven.runner.host_play import run_host_play
from netraven.runner.nornir_runner import AsyncioRunner
from netraven.runner.policy import PlayGuard
from netraven.runner.results import HostOutcome, RunSummary, TaskOutcome, exit_code_for
from netraven.secrets import Redactor, secret_values
from netraven.store.listener import StoreListener
from netraven.store.models import Job, epoch
from netraven.store.queries import (
    create_job,
    finish_job,
    latest_backup_hashes,
    load_breakers,
    save_breaker,
)
from netraven.store.writer import BatchWriter
from netraven.system import raise_fd_limit


@dataclass
class RunOptions:
    limit: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = frozenset()
    check: bool = False
    diff: bool = False
    forks: int = 100

    def as_record(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "extra_vars": self.extra_vars,
            "tags": sorted(self.tags),
            "skip_tags": sorted(self.skip_tags),
            "check": self.check,
            "diff": self.diff,
            "forks": self.forks,
        }


@dataclass
class PlanItem:
    index: int
    hosts: list[str]


def plan(
    playbook: Playbook, inventory: Inventory, limit: str | None
) -> tuple[list[PlanItem], list[str]]:
    """Hosts of every play (pattern ∩ --limit); raises InputError before anything runs."""
    warnings: list[str] = []
    limited: set[str] | None = None
    if limit:
        selection = select(inventory, limit)
        warnings += [f"--limit: {w}" for w in selection.warnings]
        limited = set(selection.hosts)
    items = []
    for index, play in enumerate(playbook.plays):
        selection = select(inventory, play.hosts)
        warnings += [f"play '{play.title}': {w}" for w in selection.warnings]
        hosts = [h for h in selection.hosts if limited is None or h in limited]
        if not hosts:
            warnings.append(f"play '{play.title}': no hosts matched, skipping")
        items.append(PlanItem(index, hosts))
    return items, warnings


def git_commit(path: Path) -> str | None:
    """The commit the playbook file is at, with ``-dirty`` if it has local edits."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-C", str(path.parent.resolve()), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )

    try:
        if git("ls-files", "--error-unmatch", path.name).returncode != 0:
            return None
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return None
        dirty = git("diff", "--quiet", "HEAD", "--", path.name).returncode != 0
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty else "")


class _Collector:
    """Keeps outcomes in memory for the final report."""

    def __init__(self) -> None:
        self.tasks: list[TaskOutcome] = []
        self.hosts: list[HostOutcome] = []

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        pass

    def task_finished(self, outcome: TaskOutcome) -> None:
        self.tasks.append(outcome)

    def host_finished(self, outcome: HostOutcome) -> None:
        self.hosts.append(outcome)

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        pass

    def log(self, host: str | None, level: str, message: str) -> None:
        pass


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted("terminated")


def build_redactor(playbook: Playbook, secrets: list[str], options: RunOptions) -> Redactor:
    """Inventory secrets plus secret-looking play vars and extra vars."""
    return Redactor(
        [
            *secrets,
            *secret_values(options.extra_vars),
            *(v for p in playbook.plays for v in secret_values(p.vars)),
        ]
    )


def run_job(
    playbook: Playbook,
    inventory: Inventory,
    redactor: Redactor,
    options: RunOptions,
    engine: Engine,
    listener: RunListener,
    registry: ConnectionRegistry | None = None,
) -> RunSummary:
    items, warnings = plan(playbook, inventory, options.limit)
    raise_fd_limit()
    job = create_job(
        engine,
        Job(
            playbook=str(playbook.path),
            playbook_sha256=playbook.sha256,
            git_commit=git_commit(playbook.path),
            user=getpass.getuser(),
            options=json.dumps(options.as_record(), default=str),
            status="running",
            pid=os.getpid(),
            machine=socket.gethostname(),
            started_at=datetime.now(UTC),
        ),
        redactor,
    )
    assert job.id is not None
    writer = BatchWriter(engine, redactor)
    collector = _Collector()
    store = StoreListener(writer, job.id)
    listeners = Listeners(store, collector, listener)
    for warning in warnings:
        listeners.log(None, "warning", warning)
    needs_backups = any(t.action in ("backup", "config") for p in playbook.plays for t in p.tasks)
    all_hosts = sorted({h for item in items for h in item.hosts})
    ctx = RunContext(
        job_id=job.id,
        templates=playbook.templates,
        registry=registry or default_registry(),
        listener=listeners,
        extra_vars=options.extra_vars,
        check=options.check,
        tags=options.tags,
        skip_tags=options.skip_tags,
        backup_hashes=latest_backup_hashes(engine, all_hosts) if needs_backups else {},
        breakers=_breaker_board(engine, writer, job.id, playbook),
    )
    runner = AsyncioRunner(options.forks)
    nornir = Nornir(inventory=inventory, runner=runner)
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    interrupted = crashed = False
    abort_reason: str | None = None
    try:
        for item in items:
            play = playbook.plays[item.index]
            hosts = [h for h in item.hosts if h not in nornir.data.failed_hosts]
            listeners.play_started(item.index, play.title, hosts)
            if not hosts:
                continue
            runner.num_workers = play.forks or options.forks
            guard = ctx.guards[item.index] = PlayGuard(len(hosts), play.recovery)
            wanted = set(hosts)
            nornir.filter(filter_func=lambda h, wanted=wanted: h.name in wanted).run(
                task=run_host_play, name=play.title, ctx=ctx, play_index=item.index, play=play
            )
            if runner.interrupted:
                interrupted = True
                break
            if guard.aborted:
                abort_reason = guard.reason
                listeners.log(None, "error", f"play '{play.title}' aborted: {guard.reason}")
                break
    except (KeyboardInterrupt, Interrupted):
        interrupted = True
    except BaseException:
        crashed = True
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        status, code = exit_code_for(collector.hosts, interrupted, abort_reason is not None)
        if crashed:  # never record a job that died of a bug as succeeded
            status, code = "failed", exit_codes.INTERNAL
        try:
            writer.close()
        finally:
            finish_job(engine, job.id, status, code)
    return RunSummary(
        job.id,
        status,
        code,
        collector.tasks,
        collector.hosts,
        warnings,
        job.started_at,
        datetime.now(UTC),
        abort_reason,
    )


def _breaker_board(
    engine: Engine, writer: BatchWriter, job_id: int, playbook: Playbook
) -> BreakerBoard | None:
    """Breakers start from the store's state and write every change back through the writer."""
    if not any(p.recovery.circuit_breaker for p in playbook.plays):
        return None
    initial = [
        BreakerState(
            b.scope_key,
            b.state if b.state != HALF_OPEN else OPEN,
            b.failures,
            opened_at=epoch(b.opened_at),
        )
        for b in load_breakers(engine)
    ]

    def persist(state: BreakerState, reset_after: float) -> None:
        values = {
            "scope_key": state.key,
            "state": state.state,
            "failures": state.failures,
            "opened_at": _from_epoch(state.opened_at),
            "reset_after": reset_after,
            "job_id": job_id,
            "updated_at": datetime.now(UTC),
        }
        writer.call(lambda connection: save_breaker(connection, values))

    return BreakerBoard(initial, persist)


def _from_epoch(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None
