"""``netraven backups list|show|diff``: parse the arguments, print what ``app.backups`` returns."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from netraven.app.backups import BackupVersion

from netraven.cli.common import handle_errors, open_store
from netraven.errors import InputError

backups_app = typer.Typer(
    rich_markup_mode=None,
    help="Stored config backups: versions per host, their text, diffs.",
    no_args_is_help=True,
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
# ``-1`` must reach the command as a version, not be taken for an unknown option.
NEGATIVE_OK = {"ignore_unknown_options": True}
VERSION_HELP = "N (1 = oldest), 'latest', or -N counted from the newest (-1 = latest)."


def parse_version(ref: str) -> int:
    """``latest`` is -1; anything else must be a (possibly negative) whole number."""
    if ref.lower() == "latest":
        return -1  # netraven.app.backups.LATEST: the newest
    try:
        return int(ref)
    except ValueError:
        raise InputError(f"backup version must be a number, 'latest' or -N, got '{ref}'") from None


def _print_json(document: object) -> None:
    print(json.dumps(document, indent=2))


def _stamp(version: BackupVersion) -> str:
    return version.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


@backups_app.command("list")
@handle_errors
def list_backups(
    host: Annotated[str | None, typer.Argument(help="Only this host.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stored backup versions per host, newest first."""
    from netraven.app import backups

    engine = open_store(db, write=False)
    versions = backups.list_versions(engine, host)
    if as_json:
        _print_json([v.model_dump(mode="json") for v in versions])
        return
    if not versions:
        print("no backups stored")
        return
    rows = [
        (v.host, str(v.version), str(v.job_id), v.sha256[:12], str(v.size), _stamp(v))
        for v in versions
    ]
    header = ("HOST", "VERSION", "JOB", "SHA256", "SIZE", "CREATED")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@backups_app.command("show", context_settings=NEGATIVE_OK)
@handle_errors
def show_backup(
    host: Annotated[str, typer.Argument(help="The host.")],
    version: Annotated[str, typer.Argument(help=VERSION_HELP)] = "latest",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One backup's config text (redacted as stored); the newest by default."""
    ref = parse_version(version)
    from netraven.app import backups

    engine = open_store(db, write=False)
    backup = backups.show_version(engine, host, ref)
    if as_json:
        _print_json(backup.model_dump(mode="json"))
        return
    sys.stderr.write(
        f"{backup.host} version {backup.version} (job {backup.job_id}, {_stamp(backup)}, "
        f"sha256 {backup.sha256[:12]})\n"
    )
    sys.stdout.write(backup.text if backup.text.endswith("\n") else backup.text + "\n")


@backups_app.command("diff", context_settings=NEGATIVE_OK)
@handle_errors
def diff_backups(
    host: Annotated[str, typer.Argument(help="The host.")],
    versions: Annotated[
        list[str] | None,
        typer.Argument(metavar="V1 V2", help=f"Two versions, old then new. {VERSION_HELP}"),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Unified diff between two versions (the newest two by default); exits 0 either way."""
    refs = [parse_version(v) for v in versions or []]
    if len(refs) not in (0, 2):
        raise InputError(
            f"give two versions to compare (or none for the newest two), not {len(refs)}"
        )
    from netraven.app import backups

    engine = open_store(db, write=False)
    result = backups.diff_versions(engine, host, *refs)
    if as_json:
        _print_json(result.model_dump(mode="json"))
        return
    if result.identical:
        sys.stderr.write(
            f"{host}: versions {result.old.version} and {result.new.version} are identical\n"
        )
    sys.stdout.write(result.diff)
