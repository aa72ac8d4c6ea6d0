"""``netraven templates …``: the template repository, on the store (``--db``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from netraven.cli.common import handle_errors, open_store
from netraven.errors import InputError

templates_app = typer.Typer(
    rich_markup_mode=None,
    help="Versioned Jinja2 templates playbooks use as repo:NAME or repo:NAME@VERSION.",
    no_args_is_help=True,
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NameArg = Annotated[str, typer.Argument(help="Template name (folders with '/').")]
MessageOpt = Annotated[str, typer.Option("-m", "--message", help="Why this version.")]
BodyArg = Annotated[Path, typer.Argument(help="File holding the template text ('-': stdin).")]


def _read(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read template: {exc}", path=str(path)) from None


def _user() -> str:
    import getpass

    return getpass.getuser()


def _dump(value: Any) -> None:
    if isinstance(value, list):
        print(json.dumps([v.model_dump(mode="json") for v in value], indent=2))
    else:
        print(json.dumps(value.model_dump(mode="json"), indent=2))


def _split(ref: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME@VERSION`` (``repo:`` prefix allowed)."""
    name, _, version = ref.removeprefix("repo:").partition("@")
    if version and not version.isdigit():
        raise InputError(f"version must be a number, got '{version}'")
    return name, int(version) if version else None


def _stamp(value: Any) -> str:
    from netraven.store.models import iso_utc

    return (iso_utc(value) or "-")[:19] + "Z"


@templates_app.command("list")
@handle_errors
def list_cmd(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every template with its latest version."""
    from netraven.app.templates import list_templates

    views = list_templates(open_store(db, write=False))
    if as_json:
        _dump(views)
        return
    if not views:
        print("no templates")
        return
    for v in views:
        print(f"{v.name}  v{v.version}  {v.sha256[:12]}  {_stamp(v.created_at)}  {v.author}")


@templates_app.command("versions")
@handle_errors
def versions_cmd(name: NameArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every version of one template: who, when, why."""
    from netraven.app.templates import list_versions

    views = list_versions(open_store(db, write=False), name)
    if as_json:
        _dump(views)
        return
    for v in views:
        print(f"v{v.version}  {v.sha256[:12]}  {_stamp(v.created_at)}  {v.author}  {v.message}")


@templates_app.command("show")
@handle_errors
def show_cmd(
    ref: Annotated[str, typer.Argument(help="NAME or NAME@VERSION (latest by default).")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One version's text."""
    from netraven.app.templates import show_version

    name, version = _split(ref)
    view = show_version(open_store(db, write=False), name, version)
    if as_json:
        _dump(view)
        return
    sys.stderr.write(f"repo:{view.name}@{view.version} by {view.author}: {view.message}\n")
    body = view.body or ""
    sys.stdout.write(body if body.endswith("\n") or not body else body + "\n")


@templates_app.command("create")
@handle_errors
def create_cmd(name: NameArg, file: BodyArg, message: MessageOpt = "", db: DbOpt = None) -> None:
    """Create a template (version 1)."""
    from netraven.app.templates import create_template

    view = create_template(open_store(db), name, _read(file), author=_user(), message=message)
    print(f"repo:{view.name}@{view.version} created ({view.sha256[:12]})")


@templates_app.command("new-version")
@handle_errors
def new_version_cmd(
    name: NameArg, file: BodyArg, message: MessageOpt = "", db: DbOpt = None
) -> None:
    """Add a version; identical text adds none."""
    from netraven.app.templates import new_version

    view, created = new_version(open_store(db), name, _read(file), author=_user(), message=message)
    if created:
        print(f"repo:{view.name}@{view.version} created ({view.sha256[:12]})")
    else:
        print(f"unchanged: identical to repo:{view.name}@{view.version}")


@templates_app.command("diff")
@handle_errors
def diff_cmd(
    name: NameArg,
    versions: Annotated[
        list[int] | None, typer.Argument(metavar="[V1 V2]", help="Old then new; newest two.")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Unified diff of two versions."""
    from netraven.app.templates import diff_versions

    given = versions or []
    if len(given) not in (0, 2):
        raise InputError("give two versions to compare, or none for the newest two")
    result = diff_versions(open_store(db, write=False), name, *given)
    if as_json:
        _dump(result)
        return
    if result.identical:
        sys.stderr.write(f"{name}: versions {result.old} and {result.new} are identical\n")
    sys.stdout.write(result.diff)


@templates_app.command("preview")
@handle_errors
def preview_cmd(
    ref: Annotated[str, typer.Argument(help="NAME or NAME@VERSION.")],
    inventory: Annotated[Path, typer.Option("-i", "--inventory", help="Inventory directory.")],
    host: Annotated[str, typer.Option("--host", help="Render for this host.")],
    playbook: Annotated[
        Path | None, typer.Option("--playbook", help="Add this playbook's first play's vars.")
    ] = None,
    extra_vars: Annotated[list[str] | None, typer.Option("-e", "--extra-vars")] = None,
    vault_password_file: Annotated[Path | None, typer.Option("--vault-password-file")] = None,
    db: DbOpt = None,
) -> None:
    """Render for one host with the variables a run would use; secrets masked."""
    from netraven.app.template_preview import preview
    from netraven.cli.extra_vars import parse_extra_vars
    from netraven.settings import load_settings

    settings = load_settings(db_url=db, vault_password_file=vault_password_file)
    vault = None
    if settings.vault_password_file is not None:
        from netraven.vault import load_vault_password

        vault = load_vault_password(settings.vault_password_file)
    name, version = _split(ref)
    text = preview(
        open_store(db, write=False),
        name,
        version,
        inventory,
        host,
        playbook=playbook,
        extra_vars=parse_extra_vars(extra_vars or [], vault),
        vault_password=vault,
    )
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


@templates_app.command("delete")
@handle_errors
def delete_cmd(name: NameArg, db: DbOpt = None) -> None:
    """Delete a template and its versions (refused while a schedule uses it)."""
    from netraven.app.templates import delete_template, schedules_using

    store = open_store(db)
    delete_template(store, name, in_use=lambda n: schedules_using(store, n))
    print(f"template '{name}' deleted")


@templates_app.command("import")
@handle_errors
def import_cmd(
    directory: Annotated[
        Path, typer.Argument(help="Folder of NAME.j2 files (e.g. a git checkout).")
    ],
    message: MessageOpt = "",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import every *.j2 file; unchanged files add no version."""
    from netraven.app.template_folders import import_dir

    done = import_dir(open_store(db), directory, author=_user(), message=message or None)
    if as_json:
        _dump(done)
        return
    created = [d for d in done if d.created]
    for d in created:
        print(f"repo:{d.name}@{d.version}  {d.path}")
    print(f"{len(created)} new version(s), {len(done) - len(created)} unchanged")


@templates_app.command("export")
@handle_errors
def export_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder to write NAME.j2 files to.")],
    db: DbOpt = None,
) -> None:
    """Write each template's latest version as NAME.j2; unchanged files are left alone."""
    from netraven.app.template_folders import export_dir

    done = export_dir(open_store(db, write=False), directory)
    written = [d for d in done if d.created]
    for d in written:
        print(f"{d.path}  (repo:{d.name}@{d.version})")
    print(f"{len(written)} file(s) written, {len(done) - len(written)} unchanged")
