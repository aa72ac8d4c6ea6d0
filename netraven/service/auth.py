"""Who may call what: bearer tokens, three roles, and no detail for those refused.

``require(Role.OPERATOR)`` is a FastAPI dependency that returns the calling
``Principal``. A missing, unknown or revoked token is 401 (with ``WWW-Authenticate:
Bearer``), a known token without the role is 403; both bodies are fixed text, so a
caller learns nothing about which tokens exist. A refused write by a known token is
written to the audit log. Valid tokens are remembered for a second (``token_cache``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from netraven.service import audit
from netraven.service.tokens import Principal, Role

if TYPE_CHECKING:
    from netraven.service.state import ServiceState

__all__ = ["Principal", "Role", "audit_write", "bearer", "client_of", "require", "state_of"]

bearer = HTTPBearer(auto_error=False, description="An API token: `netraven tokens create`.")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller, if their token is valid and has at least ``role``."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized()
        state = state_of(request)
        principal = await state.tokens.principal(credentials.credentials, state.find_principal)
        if principal is None:
            raise _unauthorized()
        if not principal.role.allows(role):
            if request.method in WRITE_METHODS:
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
        return principal

    dependency.__name__ = f"require_{role.value}"
    return dependency


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=401, detail="not authenticated", headers={"WWW-Authenticate": "Bearer"}
    )


async def audit_write(
    request: Request,
    principal: Principal,
    action: str,
    target: str | None = None,
    *,
    status_code: int = 200,
    detail: dict[str, object] | None = None,
) -> None:
    """Record one write in the audit log (call it once the write has happened)."""
    await state_of(request).db.write(
        audit.record,
        who=principal.name,
        role=principal.role.value,
        action=action,
        target=target,
        client=client_of(request),
        status_code=status_code,
        detail=detail,
    )
