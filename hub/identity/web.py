"""Who is behind an HTTP request: a bearer token (scripts, apps) or the portal's cookie.

A cookie rides along with any request the browser makes, so a cookie-authenticated state
change must also carry the session's CSRF token in ``X-CSRF-Token`` (or the form's ``csrf``
field); a bearer token cannot be sent by another site, so it needs none.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden
from hub.identity.authenticate import (
    bearer_token,
    principal_for_cookie,
    principal_for_token,
)
from hub.identity.principal import Principal
from hub.identity.sessions import COOKIE, CSRF_HEADER, csrf_matches, find_session
from hub.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def authenticate(
    request: Request, session: AsyncSession, services: Services, *, csrf: str | None = None
) -> Principal | None:
    """The caller, or None when the request carries no credentials at all."""
    token = bearer_token(request.headers.get("authorization"))
    if token is not None:
        return await principal_for_token(session, services, token)
    cookie = request.cookies.get(COOKIE)
    if cookie is None:
        return None
    if request.method not in SAFE_METHODS:
        found = await find_session(session, cookie)
        given = csrf if csrf is not None else request.headers.get(CSRF_HEADER)
        if found is not None and not csrf_matches(found.csrf_token, given):
            raise Forbidden("This page is out of date; reload it and try again.")
    return await principal_for_cookie(session, cookie)
