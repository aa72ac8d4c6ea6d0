"""``netraven schedules list|show|add|enable|disable|run-now|remove`` on the store (``--db``).

The CLI works on the store directly; a running ``netraven serve`` picks changes up on its
next tick. ``run-now`` runs the schedule in this process, to its end, as one job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netraven.cli.common import handle_errors, open_store
from netraven.errors import InputError

if TYPE_CHECKING:
    from netraven.app.schedules import ScheduleView

schedules_app = typer.Typer(
    rich_markup_mode=None,
    help="Schedules the service runs: playbooks, backups, reachability checks.",
    no_args_is_help=True,
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NameArg = Annotated[str, typer.Argument(help="The schedule's name.")]


def _stamp(value: object) -> str:
    if value is None:
        return "-"
    from netraven.store.models import iso_utc

    return (iso_utc(value) or "-")[:19] + "Z"  # type: ignore[arg-type]


def _print(view: ScheduleView) -> None:
    print(json.dumps(view.model_dump(mode="json"), indent=2))


@schedules_app.command("list")
@handle_errors
def list_cmd(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every schedule: timing, next run, last run and how it went."""
    from netraven.app.schedules import list_schedules

    views = list_schedules(open_store(db, write=False))
    if as_json:
        print(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    if not views:
        print("no schedules")
        return
    header = ("NAME", "HANDLER", "TIMING", "TZ", "ENABLED", "NEXT RUN", "LAST RUN", "LAST")
    table = [header]
    for v in views:
        last = f"{v.last_status} (job {v.last_job_id})" if v.last_job_id else (v.last_status or "-")
        if v.running:
            last = "running"
        table.append(
            (
                v.name,
                v.handler,
                v.timing,
                v.timezone,
                "yes" if v.enabled else "no",
                _stamp(v.next_run_at),
                _stamp(v.last_run_at),
                last,
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@schedules_app.command("show")
@handle_errors
def show_cmd(name: NameArg, db: DbOpt = None) -> None:
    """One schedule as JSON (the API's shape)."""
    from netraven.app.schedules import get_schedule

    _print(get_schedule(open_store(db, write=False), name))


@schedules_app.command("add")
@handle_errors
def add_cmd(
    name: NameArg,
    handler: Annotated[
        str, typer.Option("--handler", help="playbook | backup | reachability.")
    ] = "playbook",
    inventory: Annotated[
        Path, typer.Option("-i", "--inventory", help="Inventory directory.")
    ] = Path("inventory"),
    playbook: Annotated[
        Path | None, typer.Option("--playbook", help="The playbook (playbook handler).")
    ] = None,
    limit: Annotated[str | None, typer.Option("-l", "--limit", help="Host pattern.")] = None,
    extra_vars: Annotated[
        list[str] | None, typer.Option("-e", "--extra-vars", help="k=v, YAML/JSON or @file.")
    ] = None,
    every: Annotated[str | None, typer.Option("--every", help="Interval: 15m, 1h30m, 1d.")] = None,
    daily: Annotated[str | None, typer.Option("--daily", help="HH:MM every day.")] = None,
    weekly: Annotated[
        str | None,
        typer.Option("--weekly", help="'DAYS HH:MM', e.g. 'sun 02:30', 'mon,thu 06:00'."),
    ] = None,
    cron: Annotated[str | None, typer.Option("--cron", help="'MIN HOUR DOM MON DOW'.")] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA zone for daily/weekly/cron.")
    ] = "UTC",
    missed: Annotated[
        str, typer.Option("--missed", help="A run missed while down: run_once (on start) | skip.")
    ] = "run_once",
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a schedule (checked now: handler inputs, timing, zone)."""
    import getpass

    from netraven.app.schedules import ScheduleRequest, add_schedule
    from netraven.cli.extra_vars import parse_extra_vars

    given = [
        (kind, value)
        for kind, value in (("every", every), ("daily", daily), ("weekly", weekly), ("cron", cron))
        if value is not None
    ]
    if len(given) != 1:
        raise InputError("give exactly one of --every, --daily, --weekly, --cron")
    kind, value = given[0]
    request = ScheduleRequest(
        name=name,
        handler=handler,
        inventory=str(inventory),
        playbook=str(playbook) if playbook else None,
        limit=limit,
        extra_vars=parse_extra_vars(extra_vars or []),
        timing=f"{kind} {value}",
        timezone=timezone,
        missed=missed,
        enabled=not disabled,
    )
    view = add_schedule(open_store(db), request, created_by=getpass.getuser())
    if as_json:
        _print(view)
        return
    print(
        f"schedule '{view.name}' added: {view.timing} ({view.timezone}), "
        f"next run {_stamp(view.next_run_at)}"
    )


def _switch(name: str, enabled: bool, db: str | None) -> None:
    from netraven.app.schedules import set_enabled

    view = set_enabled(open_store(db), name, enabled)
    state = f"enabled, next run {_stamp(view.next_run_at)}" if enabled else "disabled"
    print(f"schedule '{name}' {state}")


@schedules_app.command("enable")
@handle_errors
def enable_cmd(name: NameArg, db: DbOpt = None) -> None:
    """Switch a schedule on; its next run is planned from now."""
    _switch(name, True, db)


@schedules_app.command("disable")
@handle_errors
def disable_cmd(name: NameArg, db: DbOpt = None) -> None:
    """Switch a schedule off (a run in flight finishes)."""
    _switch(name, False, db)


@schedules_app.command("remove")
@handle_errors
def remove_cmd(name: NameArg, db: DbOpt = None) -> None:
    """Delete a schedule (its jobs stay recorded)."""
    from netraven.app.schedules import remove_schedule

    remove_schedule(open_store(db), name)
    print(f"schedule '{name}' removed")


@schedules_app.command("run-now")
@handle_errors
def run_now_cmd(
    name: NameArg,
    db: DbOpt = None,
    vault_password_file: Annotated[
        Path | None, typer.Option("--vault-password-file", help="For vaulted inventory values.")
    ] = None,
) -> None:
    """Run the schedule once now, in this process; exits with the job's exit code."""
    import asyncio

    from netraven.app.schedules import run_now
    from netraven.scheduler.handlers import direct_launch
    from netraven.settings import load_settings
    from netraven.store import queries

    settings = load_settings(db_url=db, vault_password_file=vault_password_file)
    vault = None
    if settings.vault_password_file is not None:
        from netraven.vault import load_vault_password

        vault = load_vault_password(settings.vault_password_file)
    store = open_store(db)
    result = asyncio.run(run_now(store, name, direct_launch(store), vault_password=vault))
    if result.job_id is None:
        raise InputError(f"schedule '{name}': {result.note}")
    job = queries.get_job(store, result.job_id)
    print(f"schedule '{name}': job {result.job_id} {result.status}")
    raise typer.Exit(job.exit_code or 0 if job is not None else 1)
