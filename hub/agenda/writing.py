"""Creating, changing and deleting events in a town's calendar, audited.

Only the town's members (any role) and hub admins write its events. Every write names the
etag it expects, so a change made meanwhile by anyone (another client, another hub request)
answers CONFLICT and nothing is written. ``updateEvent`` and ``deleteEvent`` act on the whole
event, a recurring series included, whichever occurrence's id they are given; the times of a
recurring series are not changed through the hub (the API has no recurrence fields): an
update must keep the occurrence's times, and changes title, place, description and people.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.calendar.port import CalendarObject, CalendarStore
from connectors.errors import ConnectorError
from hub.agenda.calendars import TownCalendars
from hub.agenda.edit import main_event, revise_event
from hub.agenda.expansion import expand_parsed
from hub.agenda.ical import EventPerson, InvalidCalendarObject, Occurrence, parse_object
from hub.agenda.ical_write import build_event
from hub.agenda.ids import EventRef, occurrence_key, parse_event_id
from hub.agenda.reading import PARIS, TownSlug
from hub.agenda.service import TownEvent, instant, town_event
from hub.audit.service import audited
from hub.backend_errors import Wording, api_error
from hub.errors import BadInput, Conflict
from hub.identity.principal import Principal
from hub.people.repository import MembershipRepository, PersonRepository
from hub.towns.models import Town
from hub.towns.service import town_for

MAX_TITLE = 200
MAX_LOCATION = 500
MAX_DESCRIPTION = 10_000
MAX_PEOPLE = 50
MAX_SPAN = timedelta(days=366)
STALE = "The event changed since you read it; reload it and try again."

T = TypeVar("T")
calendar_id = TownCalendars.calendar_id


@dataclass(frozen=True)
class EventData:
    town: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str
    description: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class _Times:
    start: date | datetime
    end: date | datetime


def _times(data: EventData) -> _Times:
    for name, value in (("start", data.start), ("end", data.end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise BadInput(f"Give '{name}' with its UTC offset (RFC 3339).", field=name)
    if data.end - data.start > MAX_SPAN:
        raise BadInput("An event lasts at most 366 days.", field="end")
    if not data.all_day:
        if data.end <= data.start:
            raise BadInput("'end' must come after 'start'.", field="end")
        return _Times(data.start, data.end)
    # All-day: the Paris days from start's to end's, end exclusive at midnight.
    first = data.start.astimezone(PARIS).date()
    local_end = data.end.astimezone(PARIS)
    last = local_end.date() + (timedelta(days=1) if local_end.time() != time() else timedelta())
    return _Times(first, max(last, first + timedelta(days=1)))


def _text(value: str, name: str, limit: int, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise BadInput(f"Give the event a {name}.", field=name)
    if len(text) > limit:
        raise BadInput(f"The {name} is longer than {limit} characters.", field=name)
    return text


async def _people(session: AsyncSession, town: Town, ids: Sequence[str]) -> list[EventPerson]:
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_PEOPLE:
        raise BadInput(f"An event books at most {MAX_PEOPLE} people.", field="people")
    members = {m.person_id for m in await MembershipRepository(session).of_towns([town.id])}
    strangers = [p for p in wanted if p not in members]
    if strangers:
        raise BadInput(f"Only members of '{town.slug}' can be booked.", field="people")
    found = {p.id: p for p in await PersonRepository(session).by_ids(wanted)}
    return [EventPerson(p, found[p].display_name, found[p].email) for p in wanted]


async def _backend(calendars: TownCalendars, call: Awaitable[T]) -> T:
    """The store's answer within the backend timeout, its failures as the hub's errors."""
    try:
        async with asyncio.timeout(calendars.timeout):
            return await call
    except (ConnectorError, TimeoutError) as exc:
        raise api_error(exc, _WORDING) from exc


_WORDING = Wording(
    what="the event",
    not_found="There is no such event; reload the agenda.",
    parent_missing="This town has no calendar yet: an administrator must run provisionTown again.",
    conflict=STALE,
    server="calendar server",
)


def _shown(obj: CalendarObject, calendar: icalendar.Calendar, recurrence: str) -> Occurrence:
    """The occurrence a write returns: the one the id named, else the event's first."""
    master = main_event(calendar)
    first = instant(master.decoded("DTSTART"))
    anchor = first
    if recurrence:
        anchor = instant(
            date.fromisoformat(recurrence)
            if len(recurrence) == 10
            else datetime.fromisoformat(recurrence.replace("Z", "+00:00"))
        )
    found, _ = expand_parsed(
        calendar,
        obj,
        (anchor - timedelta(days=1)).astimezone(PARIS),
        (anchor + MAX_SPAN).astimezone(PARIS),
        cap=50,
    )
    for occurrence in found:
        if not recurrence or occurrence_key(occurrence.recurrence_id) == recurrence:
            return occurrence
    if not found:
        raise InvalidCalendarObject("the event has no occurrence", obj.href)
    return found[0]


def _town_event(town: Town, obj: CalendarObject, recurrence: str, members: set[str]) -> TownEvent:
    occurrence = _shown(obj, parse_object(obj.ical, obj.href), recurrence)
    return town_event(TownSlug(town.id, town.slug), occurrence, members)


async def create_event(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    data: EventData,
) -> TownEvent:
    async def change() -> tuple[Town, TownEvent]:
        town = await town_for(session, actor, data.town)
        times = _times(data)
        people = await _people(session, town, data.people)
        uid = f"{uuid.uuid4()}@entente"
        ical = build_event(
            uid,
            _text(data.title, "title", MAX_TITLE, required=True),
            times.start,
            times.end,
            data.all_day,
            _text(data.location, "location", MAX_LOCATION),
            _text(data.description, "description", MAX_DESCRIPTION),
            people,
            town.slug,
        )
        store = calendars.store_for(town.slug)
        written = await _backend(calendars, store.put(calendar_id(town.slug), uid, ical, None))
        return town, _town_event(town, written, "", {p.id for p in people})

    _, event = await audited(
        session,
        actor,
        "event.create",
        data.town,
        change,
        described=lambda done: (f"{done[0].slug}/{done[1].occurrence.uid}", done[0].id),
    )
    return event


async def _current(
    calendars: TownCalendars, store: CalendarStore, ref: EventRef, etag: str | None
) -> CalendarObject:
    current = await _backend(calendars, store.get(calendar_id(ref.slug), ref.uid))
    if etag is not None and etag != current.etag:
        raise Conflict(STALE, field="etag")
    return current


def _same_times(occurrence: Occurrence, times: _Times) -> bool:
    return (instant(occurrence.start), instant(occurrence.end)) == (
        instant(times.start),
        instant(times.end),
    )


async def update_event(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    id: str,
    data: EventData,
    etag: str | None,
) -> TownEvent:
    ref = parse_event_id(id)

    async def change() -> TownEvent:
        town = await town_for(session, actor, ref.slug)
        if data.town != ref.slug:
            raise BadInput("An event stays in its town: create it in the other one.", field="town")
        times = _times(data)
        people = await _people(session, town, data.people)
        store = calendars.store_for(town.slug)
        current = await _current(calendars, store, ref, etag)
        try:
            calendar = parse_object(current.ical, current.href)
            recurring = any(main_event(calendar).get(p) for p in ("RRULE", "RDATE"))
            if recurring and not _same_times(_shown(current, calendar, ref.recurrence), times):
                raise BadInput(
                    "Change the times of a recurring event in a calendar application; "
                    "the hub changes its title, place, description and people.",
                    field="start",
                )
            text = revise_event(
                current.ical,
                title=_text(data.title, "title", MAX_TITLE, required=True),
                start=times.start,
                end=times.end,
                all_day=data.all_day,
                location=_text(data.location, "location", MAX_LOCATION),
                description=_text(data.description, "description", MAX_DESCRIPTION),
                people=people,
                town_slug=town.slug,
                keep_times=recurring,
            )
        except InvalidCalendarObject as exc:
            raise BadInput(f"This event cannot be changed through the hub: {exc.reason}") from None
        written = await _backend(
            calendars,
            store.put(calendar_id(town.slug), ref.uid, text, current.etag, href=current.href),
        )
        return _town_event(town, written, ref.recurrence, {p.id for p in people})

    return await audited(
        session,
        actor,
        "event.update",
        f"{ref.slug}/{ref.uid}",
        change,
        described=lambda done: (f"{ref.slug}/{ref.uid}", done.town_id),
    )


async def delete_event(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    id: str,
    etag: str | None,
) -> bool:
    ref = parse_event_id(id)
    town_ids: list[str] = []

    async def change() -> bool:
        town = await town_for(session, actor, ref.slug)
        town_ids.append(town.id)
        store = calendars.store_for(town.slug)
        current = await _current(calendars, store, ref, etag)
        await _backend(
            calendars,
            store.delete(calendar_id(town.slug), ref.uid, current.etag, href=current.href),
        )
        return True

    return await audited(
        session,
        actor,
        "event.delete",
        f"{ref.slug}/{ref.uid}",
        change,
        described=lambda _: (f"{ref.slug}/{ref.uid}", town_ids[0] if town_ids else None),
    )
