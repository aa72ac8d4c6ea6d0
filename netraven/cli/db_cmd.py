"""``netraven db upgrade|current``: the job store's schema revision."""

from __future__ import annotations

from typing import Annotated

import typer

from netraven.cli.common import handle_errors
from netraven.store.engine import resolve_url, safe_url, schema_status, upgrade_store

db_app = typer.Typer(help="The job store's schema.", no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]


@db_app.command("upgrade")
@handle_errors
def upgrade(db: DbOpt = None) -> None:
    """Create the store or migrate it to this release's schema (any writing command does too)."""
    before, after = upgrade_store(db)
    where = safe_url(resolve_url(db))
    if before.current == after.current:
        print(f"job store {where} is at {after.current} (head); nothing to do")
    elif before.empty:
        print(f"created job store {where} at {after.current}")
    else:
        print(f"upgraded job store {where} from {before.current or '0.1.0'} to {after.current}")


@db_app.command("current")
@handle_errors
def current(db: DbOpt = None) -> None:
    """Show the store's schema revision and this release's head, without changing anything."""
    status = schema_status(db)
    print(f"{safe_url(resolve_url(db))}: {status.describe()}")
