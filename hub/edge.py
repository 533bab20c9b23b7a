"""The HTTP edge of the routes beside ``/graphql`` (downloads, uploads, the CSV report): who
is calling, and a refusal answered as a problem with the API's error code.

Every such route authenticates the same way as the API (a bearer token or the portal's
cookie, ``hub.identity.web.authenticate``) and answers a refusal in GraphQL's error shape,
with the HTTP status that matches its code, so a client reads one error format everywhere.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import ErrorCode, HubError, Unauthenticated
from hub.identity.principal import Principal
from hub.identity.web import authenticate
from hub.services import Services

HTTP_STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.BAD_INPUT: 400,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.BACKEND_UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}


def problem(exc: HubError, headers: dict[str, str] | None = None) -> JSONResponse:
    """The refusal as ``{"data": null, "errors": [{message, extensions: {code, field}}]}``."""
    body: dict[str, Any] = {"message": exc.message, "extensions": {"code": exc.code.value}}
    if exc.field:
        body["extensions"]["field"] = exc.field
    return JSONResponse(
        {"data": None, "errors": [body]}, status_code=HTTP_STATUS[exc.code], headers=headers
    )


async def caller(request: Request, session: AsyncSession, services: Services) -> Principal:
    """The authenticated caller, or UNAUTHENTICATED; the session's read transaction is ended
    so the work starts on a fresh one."""
    principal = await authenticate(request, session, services)
    if principal is None:
        raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
    await session.rollback()
    return principal
