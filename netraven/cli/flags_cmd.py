"""``netraven flags list|enable|disable|rollout|reset``: feature flags (docs/flags.md).

Flags are declared in ``netraven.toml``; these commands change their setting in the job
store, which new jobs read when they start — no restart, no commit needed to switch a
flag off in a hurry.
"""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING, Annotated

import typer

from netraven.cli.common import handle_errors, open_store

if TYPE_CHECKING:
    from netraven.app.read_models import FlagView
    from netraven.flags.model import FlagDefinition

flags_app = typer.Typer(
    rich_markup_mode=None, help="Feature flags for gradual rollout.", no_args_is_help=True
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]
NameArg = Annotated[str, typer.Argument(help="A flag declared in netraven.toml.")]


def _declared() -> list[FlagDefinition]:
    from netraven.settings import load_settings

    return list(load_settings().flags)


def _print(views: list[FlagView], as_json: bool) -> None:
    if as_json:
        print(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    if not views:
        print("no feature flags are declared in netraven.toml")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("flag", "setting", "description", "changed by", "changed at")
    for v in views:
        table.add_row(v.name, v.summary, v.description, v.updated_by or "-", v.updated_at or "-")
    Console().print(table)


def _changed(view: FlagView) -> None:
    print(f"{view.name}: {view.summary} (new jobs see it from now on)")


@flags_app.command("list")
@handle_errors
def list_flags(
    db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Every declared flag with its default and its current setting."""
    from pathlib import Path

    from netraven.app import flags
    from netraven.settings import load_settings
    from netraven.store.sqlite import sqlite_path

    path = sqlite_path(load_settings(db_url=db).db_url)
    missing = path is not None and path not in ("", ":memory:") and not Path(path).is_file()
    store = None if missing else open_store(db, write=False)  # no store yet: all defaults
    _print(flags.list_flags(_declared(), store), as_json)


@flags_app.command("enable")
@handle_errors
def enable(name: NameArg, db: DbOpt = None) -> None:
    """On for every host, from the next job."""
    from netraven.app import flags

    _changed(flags.switch_flag(_declared(), open_store(db), name, True, getpass.getuser()))


@flags_app.command("disable")
@handle_errors
def disable(name: NameArg, db: DbOpt = None) -> None:
    """Off for every host, from the next job."""
    from netraven.app import flags

    _changed(flags.switch_flag(_declared(), open_store(db), name, False, getpass.getuser()))


@flags_app.command("rollout")
@handle_errors
def rollout(
    name: NameArg,
    percent: Annotated[
        float | None, typer.Option("--percent", help="On for this share of hosts (0-100).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="On for hosts with this tag (repeatable).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """On for a stable share of hosts and/or hosts with given tags.

    A host's place in the order is a hash of the flag and host names, so raising the
    percentage only ever adds hosts.
    """
    from netraven.app import flags

    view = flags.rollout_flag(
        _declared(), open_store(db), name, getpass.getuser(), percent=percent, tags=tag or []
    )
    _changed(view)


@flags_app.command("reset")
@handle_errors
def reset(name: NameArg, db: DbOpt = None) -> None:
    """Forget the setting: back to the default declared in netraven.toml."""
    from netraven.app import flags

    _changed(flags.reset_flag(_declared(), open_store(db), name))
