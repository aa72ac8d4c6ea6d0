"""``netraven breakers list|reset``: circuit breakers kept in the job store."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from netraven.cli.common import handle_errors, open_store

if TYPE_CHECKING:  # the store pulls in SQLModel: imported only when a command runs
    pass

breakers_app = typer.Typer(
    rich_markup_mode=None, help="Circuit breakers that outlive a run.", no_args_is_help=True
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]


@breakers_app.command("list")
@handle_errors
def list_breakers(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    all_states: Annotated[bool, typer.Option("--all", help="Closed ones too.")] = False,
) -> None:
    """Breakers that are open (or half-open), with when they may let a trial host through."""
    from netraven.app import breakers

    views = breakers.list_breakers(open_store(db, write=False), include_closed=all_states)
    if as_json:
        print(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    if not views:
        print("no open breakers")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("scope", "state", "failures", "opened", "trial in", "job")
    for v in views:
        remaining = breakers.trial_in(v)
        table.add_row(
            v.scope_key,
            v.state,
            str(v.failures),
            v.model_dump(mode="json")["opened_at"] or "-",
            f"{remaining:.0f}s" if remaining is not None else "-",
            str(v.job_id or "-"),
        )
    Console().print(table)


@breakers_app.command("reset")
@handle_errors
def reset_breakers(
    scope_key: Annotated[str | None, typer.Argument(help="e.g. group:ams; omit with --all")] = None,
    all_keys: Annotated[bool, typer.Option("--all")] = False,
    db: DbOpt = None,
) -> None:
    """Close a breaker (or all of them) so the next run contacts its hosts again."""
    if not scope_key and not all_keys:
        raise typer.BadParameter("name a breaker (e.g. group:ams) or pass --all")
    from netraven.app import breakers

    count = breakers.reset_breakers(open_store(db), None if all_keys else scope_key)
    print(f"reset {count} breaker(s)")
