"""``netraven jobs list|show|logs``: read the job store."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from netraven.cli.breakers_cmd import breaker_dict
from netraven.cli.common import EXIT_INPUT, fail, handle_errors
from netraven.cli.output import natural_key
from netraven.store import queries
from netraven.store.engine import open_engine
from netraven.store.models import Job, iso_utc

jobs_app = typer.Typer(help="Inspect recorded jobs.", no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _job_dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "exit_code": job.exit_code,
        "playbook": job.playbook,
        "playbook_sha256": job.playbook_sha256,
        "git_commit": job.git_commit,
        "user": job.user,
        "options": json.loads(job.options),
        "created_at": iso_utc(job.created_at),
        "started_at": iso_utc(job.started_at),
        "finished_at": iso_utc(job.finished_at),
    }


def _duration(job: Job) -> str:
    if job.started_at and job.finished_at:
        return f"{(job.finished_at - job.started_at).total_seconds():.1f}s"
    return "-"


@jobs_app.command("list")
@handle_errors
def list_jobs(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
) -> None:
    """Recorded jobs, newest first."""
    engine = open_engine(db)
    jobs = queries.list_jobs(engine, limit)
    if as_json:
        print(json.dumps([_job_dict(j) for j in jobs], indent=2))
        return
    table = Table("id", "status", "exit", "playbook", "started", "duration", "user")
    for j in jobs:
        table.add_row(
            str(j.id),
            j.status,
            str(j.exit_code if j.exit_code is not None else "-"),
            j.playbook,
            str(j.started_at or "-")[:19],
            _duration(j),
            j.user,
        )
    Console().print(table)


@jobs_app.command("show")
@handle_errors
def show_job(
    job_ref: Annotated[str, typer.Argument(metavar="ID", help="A job id, or 'last'.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One job: its hosts and each task's result."""
    engine = open_engine(db)
    job = _resolve(engine, job_ref)
    assert job.id is not None
    job_id = job.id
    hosts = queries.host_results(engine, job_id)
    tasks = queries.task_results(engine, job_id)
    backups = queries.backups(engine, job_id=job_id)
    breakers = [
        b for b in queries.load_breakers(engine) if b.job_id == job_id and b.state != "closed"
    ]
    if as_json:
        document = _job_dict(job)
        document["hosts"] = [
            {
                "host": h.host,
                "play": h.play,
                "status": h.status,
                "changed": h.changed,
                "error": h.error,
                "duration_ms": h.duration_ms,
                "tasks": [
                    {
                        "name": t.name,
                        "action": t.action,
                        "status": t.status,
                        "changed": t.changed,
                        "failed": t.failed,
                        "skipped": t.skipped,
                        "output": t.output,
                        "diff": t.diff,
                        "error": t.error,
                        "attempts": t.attempts,
                        "duration_ms": t.duration_ms,
                    }
                    for t in tasks
                    if t.host == h.host and t.play_index == h.play_index
                ],
            }
            for h in hosts
        ]
        document["open_breakers"] = [breaker_dict(b) for b in breakers]
        document["backups"] = [{"id": b.id, "host": b.host, "sha256": b.sha256} for b in backups]
        print(json.dumps(document, indent=2))
        return
    console = Console(highlight=False)
    console.print(
        f"[bold]job {job.id}[/bold] {job.status} (exit {job.exit_code}) "
        f"{job.playbook} by {job.user} at {str(job.started_at)[:19]} "
        f"in {_duration(job)}" + (f" commit {job.git_commit}" if job.git_commit else "")
    )
    table = Table("host", "play", "status", "changed", "ms", "error")
    for h in sorted(hosts, key=lambda h: (natural_key(h.host), h.play_index)):
        table.add_row(
            h.host,
            h.play,
            h.status,
            "yes" if h.changed else "",
            str(h.duration_ms or ""),
            h.error or "",
        )
    console.print(table)
    task_table = Table("host", "task", "status", "ms", "error")
    for t in sorted(tasks, key=lambda t: (natural_key(t.host), t.play_index, t.task_index)):
        task_table.add_row(t.host, t.name, t.status, str(t.duration_ms or ""), t.error or "")
    console.print(task_table)
    if backups:
        console.print(f"{len(backups)} config backup(s) stored")
    for b in breakers:
        console.print(
            f"[red]breaker {b.scope_key} {b.state}[/red] after {b.failures} "
            f"failure(s); trial after {b.reset_after:g}s "
            f"(netraven breakers reset {b.scope_key})"
        )


def _resolve(engine: Engine, ref: str) -> Job:
    """A job by id, or the newest one for ``last``."""
    if ref in ("last", "latest"):
        newest = queries.list_jobs(engine, 1)
        job = newest[0] if newest else None
    elif ref.isdigit():
        job = queries.get_job(engine, int(ref))
    else:
        fail(f"job id must be a number or 'last', got '{ref}'", EXIT_INPUT)
    if job is None:
        fail(f"no job {ref}", EXIT_INPUT)
    assert job is not None
    return job


@jobs_app.command("logs")
@handle_errors
def job_logs(
    job_id: int,
    host: Annotated[str | None, typer.Option("--host")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A job's log entries, optionally for one host."""
    engine = open_engine(db)
    if queries.get_job(engine, job_id) is None:
        fail(f"no job {job_id}", EXIT_INPUT)
    entries = queries.logs(engine, job_id, host)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "time": iso_utc(e.created_at),
                        "host": e.host,
                        "level": e.level,
                        "message": e.message,
                    }
                    for e in entries
                ],
                indent=2,
            )
        )
        return
    for e in entries:
        print(f"{str(e.created_at)[:23]} {e.level:<7} [{e.host or '-'}] {e.message}")
