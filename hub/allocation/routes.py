"""``GET /allocation/{month}.csv?person=…``: the time-sharing report as a spreadsheet file.

Authenticated like the API: a bearer token, or the portal's session cookie; a refusal is a
problem with the API's error code (``hub.edge``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.allocation import service
from hub.allocation.csv import content_disposition, filename, render_csv
from hub.edge import caller, problem
from hub.errors import HubError
from hub.services import Services


def allocation_router() -> APIRouter:
    router = APIRouter()

    @router.get("/allocation/{month}.csv", include_in_schema=False)
    async def allocation_csv(request: Request, month: str, person: str | None = None) -> Response:
        services: Services = request.app.state.services
        try:
            period = service.parse_month(month)
            async with services.sessions() as session:
                principal = await caller(request, session, services)
                scope = await service.report_scope(session, principal, person)
            report = await service.build_report(services.backends.calendars, scope, period)
        except HubError as exc:
            return problem(exc, headers={"Cache-Control": "no-store"})
        return Response(
            render_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": content_disposition(filename(report)),
                "Cache-Control": "no-store",
            },
        )

    return router
