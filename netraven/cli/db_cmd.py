"""``netraven db upgrade|current``: the job store's schema revision."""

from __future__ import annotations

from typing import Annotated

import typer

from netraven.cli.common import handle_errors

db_app = typer.Typer(rich_markup_mode=None, help="The job store's schema.", no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]


def _url(db: str | None) -> str:
    """The store ``--db``, ``NETRAVEN_DB_URL`` or ``netraven.toml`` selects, like every command."""
    from netraven.settings import load_settings

    return load_settings(db_url=db).db_url


@db_app.command("upgrade")
@handle_errors
def upgrade(db: DbOpt = None) -> None:
    """Create the store or migrate it to this release's schema (any writing command does too)."""
    from netraven.store.engine import safe_url, upgrade_store

    url = _url(db)
    before, after = upgrade_store(url)
    where = safe_url(url)
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
    from netraven.store.engine import safe_url, schema_status

    url = _url(db)
    print(f"{safe_url(url)}: {schema_status(url).describe()}")
