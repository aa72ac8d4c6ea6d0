"""Who is looking at the UI: the session cookie, the role a page needs, CSRF on writes.

``ui_user(Role.OPERATOR, page="breakers")`` is a FastAPI dependency for UI routes, like
the API's ``require``: no session sends a browser to the login page (303; a write is not
done); a write without the session's CSRF token is 403; a role too low is
403 (a refused write is audited, as the API does); a page whose flag is off is 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from fastapi import HTTPException, Request

from netraven.service import audit
from netraven.service.auth import WRITE_METHODS, client_of, state_of
from netraven.service.routes.flags import current_flags
from netraven.service.tokens import Principal, Role
from netraven.service.ui.gates import hidden_pages
from netraven.service.ui.session import COOKIE, Sessions, UiSession, principal_for_digest, same

__all__ = ["UiUser", "form_of", "sessions_of", "ui_user"]

MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True)
class UiUser:
    principal: Principal
    session: UiSession
    hidden: frozenset[str]

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def may(self, role: str) -> bool:
        return self.principal.role.allows(Role(role))


def sessions_of(request: Request) -> Sessions:
    """The app's session table, made on first use (the UI needs nothing at startup)."""
    sessions: Sessions | None = getattr(request.app.state, "ui_sessions", None)
    if sessions is None:
        sessions = Sessions()
        request.app.state.ui_sessions = sessions
    return sessions


async def form_of(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (what every UI form posts)."""
    cached: dict[str, list[str]] | None = getattr(request.state, "ui_form", None)
    if cached is not None:
        return cached
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status_code=413, detail="form too large")
    content_type = request.headers.get("content-type", "")
    form = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    request.state.ui_form = form
    return form


def ui_user(role: Role, page: str | None = None) -> Callable[[Request], Awaitable[UiUser]]:
    async def dependency(request: Request) -> UiUser:
        state = state_of(request)
        sessions = sessions_of(request)
        session = sessions.get(request.cookies.get(COOKIE))
        principal = None
        if session is not None:
            principal = await state.db.read(principal_for_digest, session.token_sha256)
            if principal is None:  # revoked since login
                sessions.drop(session.id)
        write = request.method in WRITE_METHODS
        if session is None or principal is None:
            # Back to the login page (nothing was done); a GET comes back to where it was.
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if write:
                target = "/"
            raise HTTPException(
                status_code=303, headers={"Location": f"/ui/login?next={quote(target, safe='')}"}
            )
        if write:
            given = request.headers.get("x-csrf-token")
            if given is None:
                given = next(iter((await form_of(request)).get("csrf", [])), None)
            if not same(session.csrf, given):
                raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
        if not principal.role.allows(role):
            if write:
                await state.db.write(
                    audit.record,
                    who=principal.name,
                    role=principal.role.value,
                    action=f"{request.method} {request.url.path}",
                    target=None,
                    client=client_of(request),
                    status_code=403,
                )
            raise HTTPException(status_code=403, detail="forbidden")
        hidden = hidden_pages(await current_flags(request))
        if page is not None and page in hidden:
            raise HTTPException(status_code=404, detail="Not Found")
        return UiUser(principal, session, hidden)

    dependency.__name__ = f"ui_{role.value}"
    return dependency
