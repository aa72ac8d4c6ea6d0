"""The audit log: one row per write, through the API or by token management on the CLI.

Who is the token's name (``cli:USER`` for the CLI), what is a dotted action
(``job.start``, ``job.cancel``, ``breaker.reset``, ``token.create``...), the target is
what it acted on, the client is the caller's address, and ``status_code`` says how it
ended (a refused write by a known token is recorded too, with 403). Details are
redacted JSON, never a token or a secret.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from netraven.store.models import AuditEntry
from netraven.store.queries import Bind

__all__ = ["list_audit", "record"]


def record(
    bind: Bind,
    *,
    who: str,
    role: str | None,
    action: str,
    target: str | None,
    client: str | None,
    status_code: int,
    detail: dict[str, Any] | None = None,
) -> None:
    with Session(bind) as session:
        session.add(
            AuditEntry(
                who=who,
                role=role,
                action=action,
                target=target,
                client=client,
                status_code=status_code,
                detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
            )
        )
        if isinstance(bind, Connection):
            session.flush()
        else:
            session.commit()


def list_audit(
    bind: Bind, *, limit: int = 100, before: int | None = None, who: str | None = None
) -> list[AuditEntry]:
    """Newest first; ``before`` (an entry id) pages back."""
    with Session(bind) as session:
        query = select(AuditEntry)
        if before is not None:
            query = query.where(col(AuditEntry.id) < before)
        if who is not None:
            query = query.where(AuditEntry.who == who)
        return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all())
