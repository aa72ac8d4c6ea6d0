"""``netraven tokens create|list|revoke``: API tokens, managed against the store directly.

This is how the first admin token is made (nobody can call the API without one): run
``netraven tokens create NAME --role admin`` with the service's store (``--db``). Each
change is written to the audit log as ``cli:USER``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from netraven.cli.common import handle_errors, open_store

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

tokens_app = typer.Typer(
    rich_markup_mode=None, help="API tokens for netraven serve.", no_args_is_help=True
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Job store URL.")]


def _cli_user() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _audit(store: Engine, action: str, target: str, detail: dict[str, object] | None) -> None:
    from netraven.service import audit

    audit.record(
        store,
        who=_cli_user(),
        role=None,
        action=action,
        target=target,
        client="local",
        status_code=0,
        detail=detail,
    )


@tokens_app.command("create")
@handle_errors
def create(
    name: Annotated[str, typer.Argument(help="Who or what uses it (recorded as job.user).")],
    role: Annotated[str, typer.Option("--role", help="viewer, operator or admin.")] = "viewer",
    db: DbOpt = None,
) -> None:
    """Make a token; it is printed once (stdout) and only its SHA-256 is stored."""
    import sys

    from netraven.service.tokens import create_token

    store = open_store(db)
    record, token = create_token(store, name, role, _cli_user())
    _audit(store, "token.create", name, {"role": record.role.value})
    store.dispose()
    sys.stderr.write(f"token '{name}' ({record.role}) created; it is shown only now:\n")
    print(token)


@tokens_app.command("list")
@handle_errors
def list_(
    db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Tokens by name: role, who made it, when, revoked or not. Never the token."""
    from netraven.service.routes.admin import token_view
    from netraven.service.tokens import list_tokens

    views = [token_view(t) for t in list_tokens(open_store(db, write=False))]
    if as_json:
        print(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        return
    for v in views:
        state = f"revoked {str(v.revoked_at)[:19]}" if v.revoked_at else "active"
        print(f"{v.name:<24} {v.role:<9} {state:<28} by {v.created_by} {str(v.created_at)[:19]}")


@tokens_app.command("revoke")
@handle_errors
def revoke(name: Annotated[str, typer.Argument()], db: DbOpt = None) -> None:
    """Revoke a token: the next request with it is refused (401)."""
    from netraven.service.tokens import revoke_token

    store = open_store(db)
    revoke_token(store, name)
    _audit(store, "token.revoke", name, None)
    store.dispose()
    print(f"token '{name}' revoked")
