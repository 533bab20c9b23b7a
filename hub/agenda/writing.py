"""Creating, changing and deleting events in a town's calendar, audited.

Only the town's members (any role) and hub admins write its events. Every write names the
etag it expects, so a change made meanwhile by anyone (another client, another hub request)
answers CONFLICT and nothing is written. ``updateEvent`` and ``deleteEvent`` act on one
occurrence, the following ones or the whole series (``hub.agenda.changes``); what they touched
is kept in their audit entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.calendar.port import CalendarObject, CalendarStore
from connectors.errors import ConnectorError
from hub.agenda import series
from hub.agenda.calendars import TownCalendars
from hub.agenda.changes import EventScope, Fields, Plan, Shown, plan_delete, plan_update
from hub.agenda.edit import main_event
from hub.agenda.expansion import expand_parsed
from hub.agenda.ical import EventPerson, InvalidCalendarObject, Occurrence, parse_object, text_of
from hub.agenda.ical_write import build_event
from hub.agenda.ids import EventRef, occurrence_key, parse_event_id
from hub.agenda.reading import PARIS, TownSlug
from hub.agenda.recurrence import parse_rule
from hub.agenda.service import TownEvent, instant, town_event
from hub.audit.service import About, audited
from hub.backend_errors import Wording, api_error
from hub.errors import BadInput, Conflict, HubError
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
    recurrence: str | None = None


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


async def _working_town(session: AsyncSession, actor: Principal, slug: str) -> Town:
    """The town, if the caller works there (a DPO reads no agenda)."""
    town = await town_for(session, actor, slug)
    actor.require_works_in(town.id, slug)
    return town


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


def _shown(
    obj: CalendarObject, calendar: icalendar.Calendar, key: str, near: date | datetime
) -> Occurrence:
    """The occurrence a write answers with: ``key``'s (looked for around it and ``near``,
    where it may have moved), else the event's first."""
    anchor = instant(near)
    if key:
        anchor = min(
            anchor,
            instant(
                date.fromisoformat(key)
                if len(key) == 10
                else datetime.fromisoformat(key.replace("Z", "+00:00"))
            ),
        )
    found, _ = expand_parsed(
        calendar,
        obj,
        (anchor - timedelta(days=1)).astimezone(PARIS),
        (anchor + MAX_SPAN).astimezone(PARIS),
        cap=50,
    )
    for occurrence in found:
        if not key or occurrence_key(occurrence.recurrence_id) == key:
            return occurrence
    if not found:
        raise InvalidCalendarObject("the event has no occurrence", obj.href)
    return found[0]


def _town_event(
    town: Town, obj: CalendarObject, key: str, members: set[str], near: date | datetime
) -> TownEvent:
    occurrence = _shown(obj, parse_object(obj.ical, obj.href), key, near)
    return town_event(TownSlug(town.id, town.slug), occurrence, members)


def _fields(data: EventData, times: _Times, people: Sequence[EventPerson], slug: str) -> Fields:
    return Fields(
        title=_text(data.title, "title", MAX_TITLE, required=True),
        start=times.start,
        end=times.end,
        all_day=data.all_day,
        location=_text(data.location, "location", MAX_LOCATION),
        description=_text(data.description, "description", MAX_DESCRIPTION),
        people=people,
        town_slug=slug,
        recurrence=data.recurrence,
    )


def _touched(plan: Plan, scope: EventScope) -> dict[str, Any]:
    """What the audit keeps of a change (``hub.allocation.late_changes`` reads it)."""
    return {
        "title": plan.title,
        "scope": scope.value,
        "from": plan.start.isoformat() if plan.start else None,
        "until": plan.end.isoformat() if plan.end else None,
        "people": list(plan.people),
        "recurring": plan.recurring,
    }


async def create_event(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    data: EventData,
) -> TownEvent:
    about = About(details={"title": data.title[:MAX_TITLE]})

    async def change() -> tuple[Town, TownEvent]:
        town = await _working_town(session, actor, data.town)
        times = _times(data)
        people = await _people(session, town, data.people)
        fields = _fields(data, times, people, town.slug)
        rule = parse_rule(data.recurrence, times.start) if data.recurrence else None
        uid = f"{uuid.uuid4()}@entente"
        ical = build_event(
            uid,
            fields.title,
            times.start,
            times.end,
            data.all_day,
            fields.location,
            fields.description,
            people,
            town.slug,
            rule=rule,
        )
        store = calendars.store_for(town.slug)
        try:
            written = await _backend(calendars, store.put(calendar_id(town.slug), uid, ical, None))
        finally:
            calendars.wrote(town.slug)
        about.details.update(
            {
                "from": instant(times.start).isoformat(),
                "until": None if rule else instant(times.end).isoformat(),
                "people": [p.id for p in people],
            }
        )
        return town, _town_event(town, written, "", {p.id for p in people}, times.start)

    _, event = await audited(
        session,
        actor,
        "event.create",
        data.town,
        change,
        described=lambda done: (f"{done[0].slug}/{done[1].occurrence.uid}", done[0].id),
        about=about,
    )
    return event


async def _current(
    calendars: TownCalendars, store: CalendarStore, ref: EventRef, etag: str | None
) -> CalendarObject:
    current = await _backend(calendars, store.get(calendar_id(ref.slug), ref.uid))
    if etag is not None and etag != current.etag:
        raise Conflict(STALE, field="etag")
    return current


async def _apply(
    calendars: TownCalendars, store: CalendarStore, slug: str, current: CalendarObject, plan: Plan
) -> CalendarObject | None:
    """Write a plan: the new series first (if any), then the stored object with its etag; if
    that is refused, the new series is removed again, so nothing is half-done."""
    try:
        return await _write(calendars, store, slug, current, plan)
    finally:
        calendars.wrote(slug)


async def _write(
    calendars: TownCalendars, store: CalendarStore, slug: str, current: CalendarObject, plan: Plan
) -> CalendarObject | None:
    calendar = calendar_id(slug)
    created: CalendarObject | None = None
    if plan.created is not None:
        uid, text = plan.created
        created = await _backend(calendars, store.put(calendar, uid, text, None))
    uid = plan.shown[0] if plan.created is None else _uid_of(current)
    try:
        if plan.text is None:
            await _backend(calendars, store.delete(calendar, uid, current.etag, href=current.href))
            return None
        written = await _backend(
            calendars, store.put(calendar, uid, plan.text, current.etag, href=current.href)
        )
    except HubError:
        if created is not None and plan.created is not None:
            with contextlib.suppress(ConnectorError, TimeoutError, HubError):
                await _backend(
                    calendars,
                    store.delete(calendar, plan.created[0], created.etag, href=created.href),
                )
        raise
    return created or written


def _uid_of(obj: CalendarObject) -> str:
    return text_of(main_event(parse_object(obj.ical, obj.href)), "UID")


async def update_event(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    id: str,
    data: EventData,
    etag: str | None,
    scope: EventScope = EventScope.OCCURRENCE,
) -> TownEvent:
    ref = parse_event_id(id)
    about = About(details={"scope": scope.value})

    async def change() -> TownEvent:
        town = await _working_town(session, actor, ref.slug)
        if data.town != ref.slug:
            raise BadInput("An event stays in its town: create it in the other one.", field="town")
        times = _times(data)
        people = await _people(session, town, data.people)
        fields = _fields(data, times, people, town.slug)
        store = calendars.store_for(town.slug)
        current = await _current(calendars, store, ref, etag)
        try:
            calendar = parse_object(current.ical, current.href)
            start, end = series.occurrence(calendar, ref.recurrence)
            plan = plan_update(
                calendar,
                Shown(ref.recurrence, start, end),
                scope,
                fields,
                new_uid=f"{uuid.uuid4()}@entente",
                now=datetime.now(UTC),
            )
        except InvalidCalendarObject as exc:
            raise BadInput(f"This event cannot be changed through the hub: {exc.reason}") from None
        written = await _apply(calendars, store, town.slug, current, plan)
        assert written is not None  # an update writes
        about.details.update(_touched(plan, scope))
        return _town_event(town, written, plan.shown[1], {p.id for p in people}, times.start)

    return await audited(
        session,
        actor,
        "event.update",
        f"{ref.slug}/{ref.uid}",
        change,
        described=lambda done: (f"{ref.slug}/{ref.uid}", done.town_id),
        about=about,
    )


async def delete_event(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    id: str,
    etag: str | None,
    scope: EventScope = EventScope.OCCURRENCE,
) -> bool:
    ref = parse_event_id(id)
    town_ids: list[str] = []
    about = About(details={"scope": scope.value})

    async def change() -> bool:
        town = await _working_town(session, actor, ref.slug)
        town_ids.append(town.id)
        store = calendars.store_for(town.slug)
        current = await _current(calendars, store, ref, etag)
        try:
            calendar = parse_object(current.ical, current.href)
            start, end = series.occurrence(calendar, ref.recurrence)
            plan = plan_delete(
                calendar, Shown(ref.recurrence, start, end), scope, datetime.now(UTC)
            )
        except InvalidCalendarObject as exc:
            raise BadInput(f"This event cannot be changed through the hub: {exc.reason}") from None
        await _apply(calendars, store, town.slug, current, plan)
        about.details.update(_touched(plan, scope))
        return True

    return await audited(
        session,
        actor,
        "event.delete",
        f"{ref.slug}/{ref.uid}",
        change,
        described=lambda _: (f"{ref.slug}/{ref.uid}", town_ids[0] if town_ids else None),
        about=about,
    )
