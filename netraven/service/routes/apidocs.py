"""The OpenAPI schema and its browsable page, for signed-in callers only.

Only ``/health`` is anonymous: the schema names every route and field, which is more than
someone without a token needs to learn. ``/openapi.json`` takes an API token or a web UI
session; ``/docs`` is a page for people, so it takes the UI session (log in at ``/``) and
fetches the schema with that session's cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from netraven.service.auth import bearer, require
from netraven.service.tokens import Principal, Role
from netraven.service.ui.access import ui_user

router = APIRouter(include_in_schema=False)


async def _viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """A token's caller, or the signed-in UI user when no token is given."""
    if credentials is not None or "authorization" in request.headers:
        return await require(Role.VIEWER)(request, credentials)
    from netraven.service.ui.session import COOKIE

    if request.cookies.get(COOKIE) is None:
        return await require(Role.VIEWER)(request, None)  # the plain 401
    return (await ui_user(Role.VIEWER)(request)).principal


@router.get("/openapi.json")
async def openapi(
    request: Request, caller: Annotated[Principal, Depends(_viewer)]
) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
async def docs(
    request: Request, user: Annotated[object, Depends(ui_user(Role.VIEWER))]
) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="NetRaven API")
