"""``netraven jobs list|show|logs``: read the job store."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from netraven.cli.common import handle_errors, open_store

if TYPE_CHECKING:
    from netraven.cli.remote import RemoteService

jobs_app = typer.Typer(rich_markup_mode=None, help="Inspect recorded jobs.", no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
JobRef = Annotated[str, typer.Argument(metavar="ID", help="A job id, or 'last'.")]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server", envvar="NETRAVEN_SERVER", help="Ask a job service (netraven serve) instead."
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="NETRAVEN_TOKEN", help="API token for --server."),
]


def _remote(server: str, token: str | None) -> RemoteService:
    from netraven.cli.remote import RemoteService

    return RemoteService(server, token)


def _duration(seconds: float | None) -> str:
    return f"{seconds:.1f}s" if seconds is not None else "-"


@jobs_app.command("list")
@handle_errors
def list_jobs(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Recorded jobs, newest first."""
    from rich.console import Console
    from rich.table import Table

    from netraven.app import jobs

    if server:
        views = _remote(server, token).list_jobs(limit)
    else:
        views = jobs.list_jobs(open_store(db, write=False), limit)
    if as_json:
        print(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    table = Table("id", "status", "exit", "playbook", "started", "duration", "user")
    for v in views:
        table.add_row(
            str(v.id),
            v.status,
            str(v.exit_code if v.exit_code is not None else "-"),
            v.playbook,
            str(v.started_at or "-")[:19],
            _duration(v.duration_s),
            v.user,
        )
    Console().print(table)


@jobs_app.command("show")
@handle_errors
def show_job(
    job_ref: JobRef,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """One job: its hosts and each task's result."""
    from rich.console import Console
    from rich.table import Table

    from netraven.app import jobs

    if server:
        detail = _remote(server, token).show_job(job_ref)
    else:
        detail = jobs.show_job(open_store(db, write=False), job_ref)
    if as_json:
        print(detail.model_dump_json(indent=2))
        return
    job = detail.job
    console = Console(highlight=False)
    console.print(
        f"[bold]job {job.id}[/bold] {job.status} (exit {job.exit_code}) "
        f"{job.playbook} by {job.user} at {str(job.started_at)[:19]} "
        f"in {_duration(job.duration_s)}" + (f" commit {job.git_commit}" if job.git_commit else "")
    )
    for line in (job.aborted, job.error):
        if line:
            console.print(f"[red]{line}[/red]")
    table = Table("host", "play", "status", "changed", "ms", "credential", "error")
    task_table = Table("host", "task", "status", "ms", "error")
    for name, host in detail.hosts.items():
        for play in host.plays:
            table.add_row(
                name,
                play.play,
                play.status,
                "yes" if play.changed else "",
                str(play.duration_ms or ""),
                play.credential or "",
                play.error or "",
            )
        for t in host.tasks:
            task_table.add_row(name, t.name, t.status, str(t.duration_ms or ""), t.error or "")
    console.print(table)
    console.print(task_table)
    if detail.backups:
        console.print(f"{len(detail.backups)} config backup(s) stored")
    if detail.templates:  # template repository versions the job rendered
        used = ", ".join(f"repo:{t.name}@{t.version} ({t.sha256[:12]})" for t in detail.templates)
        console.print(f"templates rendered: {used}", highlight=False)
    for b in detail.open_breakers:
        console.print(
            f"[red]breaker {b.scope_key} {b.state}[/red] after {b.failures} "
            f"failure(s); trial after {b.reset_after:g}s "
            f"(netraven breakers reset {b.scope_key})"
        )


@jobs_app.command("logs")
@handle_errors
def job_logs(
    job_ref: JobRef,
    host: Annotated[str | None, typer.Option("--host")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """A job's log entries, optionally for one host."""
    from netraven.app import jobs

    if server:
        entries = _remote(server, token).job_logs(job_ref, host)
    else:
        entries = jobs.job_logs(open_store(db, write=False), job_ref, host)
    if as_json:
        print(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    for e in entries:
        print(f"{str(e.time)[:23]} {e.level:<7} [{e.host or '-'}] {e.message}")
