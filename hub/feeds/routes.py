"""``GET /feeds/{token}.ics``: a person's merged agenda for calendar applications.

The secret address is the credential (``hub.feeds.service``); nothing else authenticates
here, and nothing but GET is answered. An unknown or revoked address answers 404, like any
address that does not exist. The window: 30 days back, a year ahead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from hub.agenda import service as agenda
from hub.errors import HubError
from hub.feeds.ics import render_feed
from hub.feeds.service import owner_of
from hub.identity.authenticate import principal_by_id
from hub.people.repository import PersonRepository
from hub.services import Services

PAST = timedelta(days=30)
AHEAD = timedelta(days=335)  # with PAST: the agenda's 366-day window at most
NOT_FOUND = "Cette adresse d'abonnement n'existe pas ou a été révoquée."


def feeds_router() -> APIRouter:
    router = APIRouter()

    @router.get("/feeds/{token}.ics", include_in_schema=False)
    async def calendar_feed(request: Request, token: str) -> Response:
        services: Services = request.app.state.services
        headers = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
        async with services.sessions() as session:
            person_id = await owner_of(session, token)
            if person_id is None:
                return PlainTextResponse(NOT_FOUND, status_code=404, headers=headers)
            try:
                principal = await principal_by_id(session, person_id)
            except HubError:  # offboarded: the address opens nothing
                return PlainTextResponse(NOT_FOUND, status_code=404, headers=headers)
            person = await PersonRepository(session).get(person_id)
            scope = await agenda.agenda_scope(session, principal, None)
        now = datetime.now(UTC)
        view = await agenda.read_agenda(services.backends.calendars, scope, now - PAST, now + AHEAD)
        names = {town.id: town.name for town in scope.towns}
        title = f"Entente — {person.display_name}" if person else "Entente"
        return Response(
            render_feed(title, view.events, names, now),
            media_type="text/calendar; charset=utf-8",
            headers=headers,
        )

    return router
