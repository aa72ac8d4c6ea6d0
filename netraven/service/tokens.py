"""API tokens: made, listed and revoked here, for the CLI and the admin API alike.

A token is ``nrv_`` + 32 random bytes (URL-safe base64), shown once; the store keeps its
SHA-256 only. A fast hash is right for this and a password hash (bcrypt, argon2) is not:
bcrypt exists to slow down guessing low-entropy passwords, but 256 random bits cannot be
guessed at any speed, while bcrypt's deliberate ~100 ms would be paid on every request.
Looking a token up by its digest (a unique index) needs no constant-time compare: the
digest of a guess reveals nothing about a stored token's digest.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from netraven.errors import InputError
from netraven.store.models import ApiToken, now
from netraven.store.queries import Bind

__all__ = [
    "Principal",
    "Role",
    "TokenRecord",
    "create_token",
    "find_principal",
    "list_tokens",
    "revoke_token",
    "token_digest",
]

PREFIX = "nrv_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,63}$")


class Role(StrEnum):
    """Declared in rank order: each role may do everything the ones before it may."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name (what the audit log and ``job.user`` record)."""

    name: str
    role: Role


@dataclass(frozen=True)
class TokenRecord:
    name: str
    role: Role
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(row: ApiToken) -> TokenRecord:
    return TokenRecord(row.name, Role(row.role), row.created_by, row.created_at, row.revoked_at)


def _session(bind: Bind) -> Session:
    return Session(bind, expire_on_commit=False)


def create_token(bind: Bind, name: str, role: str, created_by: str) -> tuple[TokenRecord, str]:
    """A new token (the record, and the token text to show once). Names are unique."""
    if not _NAME.match(name):
        raise InputError(
            f"token name '{name}': use 1-64 letters, digits and _.@:- (starting alphanumeric)"
        )
    try:
        chosen = Role(role)
    except ValueError:
        raise InputError(
            f"role '{role}': expected one of {', '.join(r.value for r in Role)}"
        ) from None
    token = PREFIX + secrets.token_urlsafe(32)
    with _session(bind) as session:
        if session.exec(select(ApiToken).where(ApiToken.name == name)).first() is not None:
            raise InputError(f"a token named '{name}' exists already (revoke it first)")
        row = ApiToken(
            name=name, role=chosen.value, token_sha256=token_digest(token), created_by=created_by
        )
        session.add(row)
        _commit(bind, session)
        return _record(row), token


def list_tokens(bind: Bind) -> list[TokenRecord]:
    with _session(bind) as session:
        rows = session.exec(select(ApiToken).order_by(col(ApiToken.name))).all()
        return [_record(r) for r in rows]


def revoke_token(bind: Bind, name: str) -> TokenRecord:
    """Revoked at once: the next request with it gets 401. The row stays for the audit."""
    with _session(bind) as session:
        row = session.exec(select(ApiToken).where(ApiToken.name == name)).first()
        if row is None:
            raise InputError(f"no token named '{name}'")
        if row.revoked_at is None:
            row.revoked_at = now()
            session.add(row)
            _commit(bind, session)
        return _record(row)


def find_principal(bind: Bind, token: str) -> Principal | None:
    """The caller a presented token belongs to; None for unknown or revoked tokens."""
    if not token.startswith(PREFIX):
        return None
    with _session(bind) as session:
        row = session.exec(
            select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))
        ).first()
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.name, Role(row.role))


def _commit(bind: Bind, session: Session) -> None:
    """On an Engine the session owns its transaction; on a Connection the caller commits."""
    if isinstance(bind, Connection):
        session.flush()
    else:
        session.commit()
