"""Shared bits of the agenda tests: operations, a territory with calendars, raw writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.calendar.port import CalendarObject
from hub.agenda.ical_write import build_event
from tests.agenda.fixtures import CalendarHub
from tests.support.graphql import operation
from tests.support.territory import essonne

PARIS = ZoneInfo("Europe/Paris")
AGENDA = operation("scripts/Agenda")
CREATE = operation("scripts/AgendaCreateEvent")
UPDATE = operation("scripts/AgendaUpdateEvent")
DELETE = operation("scripts/AgendaDeleteEvent")
ALLOCATION = operation("scripts/Allocation")

MONDAY = datetime(2026, 11, 16, tzinfo=PARIS)
WEEK = {"start": MONDAY.isoformat(), "end": (MONDAY + timedelta(days=7)).isoformat()}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in the week of Monday 16 November 2026, Paris (day 0 = Monday)."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


async def territory(hub: CalendarHub) -> CalendarHub:
    await essonne(hub.world)
    return hub


async def put_raw(hub: CalendarHub, slug: str, uid: str, ical: str) -> CalendarObject:
    """Write behind the hub's back, as another CalDAV client would."""
    return await hub.store().put(slug, uid, ical, None)


async def put_event(
    hub: CalendarHub,
    slug: str,
    uid: str,
    title: str,
    start: datetime,
    end: datetime,
    people: list[str] = (),  # type: ignore[assignment]
) -> CalendarObject:
    ids = [hub.world.people[name].id for name in people]
    return await put_raw(
        hub, slug, uid, build_event(uid, title, start, end, False, "", "", ids, slug)
    )


def event_input(
    hub: CalendarHub,
    town: str,
    title: str,
    start: datetime,
    end: datetime,
    people: list[str] = (),
    **more: Any,
) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "town": town,
        "title": title,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "people": [hub.world.people[name].id for name in people],
        **more,
    }
