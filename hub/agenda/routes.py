"""``GET /allocation/{month}.csv?person=…``: the time-sharing report as a spreadsheet file.

Authenticated like the API: a bearer token, or the portal's session cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from hub.allocation import service
from hub.allocation.csv import content_disposition, filename, render_csv
from hub.errors import ErrorCode, HubError, Unauthenticated
from hub.identity.web import authenticate
from hub.services import Services

_STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.BAD_INPUT: 400,
    ErrorCode.BACKEND_UNAVAILABLE: 503,
}


def allocation_router() -> APIRouter:
    router = APIRouter()

    @router.get("/allocation/{month}.csv", include_in_schema=False)
    async def allocation_csv(request: Request, month: str, person: str | None = None) -> Response:
        services: Services = request.app.state.services
        try:
            period = service.parse_month(month)
            async with services.sessions() as session:
                principal = await authenticate(request, session, services)
                if principal is None:
                    raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
                scope = await service.report_scope(session, principal, person)
            report = await service.build_report(services.backends.calendars, scope, period)
        except HubError as exc:
            return PlainTextResponse(
                exc.message,
                status_code=_STATUS.get(exc.code, 500),
                headers={"Cache-Control": "no-store"},
            )
        return Response(
            render_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": content_disposition(filename(report)),
                "Cache-Control": "no-store",
            },
        )

    return router
