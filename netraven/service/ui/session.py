"""Browser sessions: an API token typed once, then an opaque cookie; CSRF for every write.

Why sessions live in the service's memory and not in a signed cookie or the store: the
cookie then carries nothing but a random id (no token, no digest a thief could replay
after logout), logout and token revocation end a session at once, and no schema change is
needed. The price is that a restart logs every browser out, which the login page says.

The session keeps the SHA-256 of the token it was opened with, never the token, and
looks the token up on every request, so a revoked token ends its sessions immediately.
Each session has its own CSRF token: forms carry it in a hidden ``csrf`` field, the
script sends it as ``X-CSRF-Token``; with ``SameSite=Strict`` that is two locks.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlmodel import Session as DbSession
from sqlmodel import select

from netraven.service.tokens import Principal, Role
from netraven.store.models import ApiToken
from netraven.store.queries import Bind

__all__ = ["COOKIE", "LOGIN_COOKIE", "Sessions", "UiSession", "principal_for_digest", "same"]

COOKIE = "netraven_session"
LOGIN_COOKIE = "netraven_login"  # the login form's own CSRF token (double submit)
IDLE_SECONDS = 8 * 3600  # a working day without a click ends the session
MAX_SESSIONS = 10_000  # the oldest idle session goes first beyond this


@dataclass
class UiSession:
    id: str
    token_sha256: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Looked up at call time (not bound here), so the session's clock is the module's.
    last_seen: float = field(default_factory=lambda: time.monotonic())


class Sessions:
    """Open sessions by id, least recently used first."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, limit: int = MAX_SESSIONS) -> None:
        self.idle_seconds = idle_seconds
        self.limit = limit
        self._open: OrderedDict[str, UiSession] = OrderedDict()

    def create(self, token_sha256: str) -> UiSession:
        session = UiSession(secrets.token_urlsafe(32), token_sha256)
        self._open[session.id] = session
        while len(self._open) > self.limit:
            self._open.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> UiSession | None:
        if not session_id:
            return None
        session = self._open.get(session_id)
        if session is None:
            return None
        clock = time.monotonic()
        if clock - session.last_seen > self.idle_seconds:
            del self._open[session_id]
            return None
        session.last_seen = clock
        self._open.move_to_end(session_id)
        return session

    def drop(self, session_id: str | None) -> None:
        if session_id:
            self._open.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._open)


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def principal_for_digest(bind: Bind, token_sha256: str) -> Principal | None:
    """Who a session's token belongs to now; None once it is revoked or deleted."""
    with DbSession(bind) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == token_sha256)).first()
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.name, Role(row.role))
