"""``netraven``: the typer application and its entry point."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated, NoReturn

import typer

try:  # typer ≥ 0.20 vendors click; older releases use click itself
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import NoArgsIsHelpError, UsageError  # type: ignore[no-redef,assignment,unused-ignore]

from netraven import __version__
from netraven.cli.backups_cmd import backups_app
from netraven.cli.breakers_cmd import breakers_app
from netraven.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from netraven.cli.config_cmd import config_app
from netraven.cli.db_cmd import db_app
from netraven.cli.flags_cmd import flags_app
from netraven.cli.jobs_cmd import jobs_app
from netraven.cli.lab_cmd import lab_app
from netraven.cli.run_cmd import run, validate
from netraven.cli.schedules_cmd import schedules_app
from netraven.cli.serve_cmd import serve
from netraven.cli.templates_cmd import templates_app
from netraven.cli.tokens_cmd import tokens_app
from netraven.cli.worker_cmd import worker

app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich alone costs --help ~0.2 s of imports
    name="netraven",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Declarative network automation: YAML playbooks, Nornir inventories, a job store.",
)
app.command()(run)
app.command()(validate)
app.add_typer(jobs_app, name="jobs")
app.add_typer(lab_app, name="lab")
app.add_typer(breakers_app, name="breakers")
app.add_typer(backups_app, name="backups")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(schedules_app, name="schedules")
app.add_typer(templates_app, name="templates")
app.command()(serve)
app.command()(worker)
app.add_typer(tokens_app, name="tokens")
app.add_typer(flags_app, name="flags")


def _print_version(value: bool) -> None:
    if value:
        print(f"netraven {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Declarative network automation: YAML playbooks, Nornir inventories, a job store."""


def main() -> None:
    """Entry point: usage errors exit 5 (invalid input), never click's 2 (which means failed)."""
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(0)
    except UsageError as exc:
        exc.show()
        sys.exit(EXIT_INPUT)
    except typer.Exit as exc:
        _leave(exc.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("error: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if os.environ.get("NETRAVEN_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc} (set NETRAVEN_DEBUG=1 for a traceback)\n"
        )
        sys.exit(EXIT_INTERNAL)
    _leave(code if isinstance(code, int) else 0)


def _leave(code: int) -> NoReturn:
    """Exit without the interpreter's teardown once the command has done everything.

    By then the job is recorded and the store closed; what is left is collecting the
    objects of a thousand SSH sessions, which takes about a second after a large run.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)
