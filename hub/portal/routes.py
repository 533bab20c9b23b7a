"""The portal's pages: ``portal_router`` mounts them all on the app.

Every page reads its data through the GraphQL operations of ``graphql/operations/portal/``;
every form posts here with the session's CSRF token and comes back with a redirect.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from strawberry.schema.base import BaseSchema

from hub.config import Settings
from hub.identity.routes import safe_next
from hub.portal import (
    admin,
    agenda,
    audit_log,
    drift,
    file_search,
    files,
    handover,
    privacy,
    subscription,
)
from hub.portal.agenda_view import view
from hub.portal.client import PortalClient
from hub.portal.dates import Week, first_of, parse_month, shift_month, today
from hub.portal.i18n import COOKIE, LOCALES
from hub.portal.nav import page
from hub.portal.web import PortalRoute, Visit, error_page, visiting

ONE_YEAR = 365 * 24 * 3600


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown addresses: a French page for a browser, the usual JSON for anything else."""
    status = getattr(exc, "status_code", 500)
    if status == 404 and "text/html" in request.headers.get("accept", ""):
        return error_page(request, 404, "Cette page n'existe pas.")
    assert isinstance(exc, StarletteHTTPException)
    return await http_exception_handler(request, exc)


def portal_router(settings: Settings, schema: BaseSchema) -> APIRouter:
    client = PortalClient(schema)
    router = APIRouter(route_class=PortalRoute, include_in_schema=False)
    visit = visiting(client)

    @router.get("/")
    async def home(v: Visit = Depends(visit)) -> Response:
        week = Week.of(today())
        nav = await page(v)
        week_agenda = await v.run(
            "Agenda", {"start": week.start.isoformat(), "end": week.end.isoformat()}
        )
        recent: list[dict[str, Any]] = []
        recent_problems: list[str] = []
        if nav.memberships:
            found = await v.run("RecentFiles")
            recent = files.newest(found.data.get("workspaces") or [])
            recent_problems = v.explain(found.problems)
        report = None
        report_problems: list[str] = []
        if nav.manager:
            answer = await v.run("Allocation", {"month": parse_month(None)})
            report = answer.data.get("allocation")
            report_problems = v.explain(answer.problems)
        return v.render(
            "home.html",
            {
                "nav": nav,
                "week": week,
                "today": today(),
                "agenda": view(week_agenda, week.days, nav.town_order),
                "agenda_problems": v.explain(week_agenda.problems),
                "report": report,
                "report_problems": report_problems,
                "recent": recent,
                "recent_problems": recent_problems,
            },
        )

    @router.get("/language")
    async def switch_language(request: Request, lang: str = "fr", next: str = "/") -> Response:
        response = RedirectResponse(safe_next(next), status_code=303)
        if lang in LOCALES:
            response.set_cookie(
                COOKIE, lang, max_age=ONE_YEAR, samesite="lax", httponly=True, path="/"
            )
        return response

    @router.get("/time-sharing")
    async def time_sharing(
        v: Visit = Depends(visit), month: str | None = None, person: str | None = None
    ) -> Response:
        chosen = parse_month(month)
        nav = await page(v)
        variables: dict[str, Any] = {"month": chosen, "person": person or None}
        answer = await v.run("Allocation", variables)
        return v.render(
            "time_sharing.html",
            {
                "nav": nav,
                "month": chosen,
                "month_day": first_of(chosen),
                "previous": shift_month(chosen, -1),
                "following": shift_month(chosen, 1),
                "report": answer.data.get("allocation"),
                "problems": v.explain(answer.problems),
                "person": person or "",
            },
        )

    agenda.routes(router, visit)
    subscription.routes(router, visit)
    file_search.routes(router, visit)  # before /files/{workspace}, which would take it
    files.routes(router, visit, visiting(client, read_form=files.leading_fields))
    admin.routes(router, visit)
    drift.routes(router, visit)
    handover.routes(router, visit)
    audit_log.routes(router, visit)
    privacy.routes(router, visit)
    return router
