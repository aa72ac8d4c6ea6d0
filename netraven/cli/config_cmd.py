"""``netraven config show``: every setting, its effective value and where it came from."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from netraven.cli.common import handle_errors

config_app = typer.Typer(
    rich_markup_mode=None,
    help="Settings: netraven.toml, NETRAVEN_* and flags.",
    no_args_is_help=True,
)


@config_app.command("show")
@handle_errors
def show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Effective settings and their source (default, netraven.toml, env, cli); secrets masked."""
    from netraven.settings import load_settings

    settings = load_settings()
    rows = settings.report()
    config_file = str(settings.config_file) if settings.config_file else None
    if as_json:
        document = {
            "config_file": config_file,
            "settings": {r.name: {"value": r.value, "source": r.source} for r in rows},
        }
        print(json.dumps(document, indent=2))
        return
    print(f"config file: {config_file or 'none (no netraven.toml here or above)'}")
    width = max(len(r.name) for r in rows)
    value_width = max(len(str(r.value)) for r in rows)
    for r in rows:
        value = "-" if r.value is None else str(r.value)
        print(f"{r.name:<{width}}  {value:<{value_width}}  {r.source}")
