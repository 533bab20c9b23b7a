"""The events that book a person, read whole from towns' calendars, and forgetting them there.

For data protection (``hub.privacy``): an export lists the events that book someone in the
towns a DPO answers for; an erasure takes them out of every town's calendar
(``hub.agenda.forgetting`` says how). Both read whole calendars through the agenda's
per-process memory (``TownCalendars``: one small REPORT when warm, each object parsed once).

A town without a calendar (never provisioned, or no calendar server configured at all) books
nobody. A calendar that cannot be read is BACKEND_UNAVAILABLE naming the town: an export must
be complete, and an erasure must not be called done while a calendar still names the person.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from connectors.calendar.port import CalendarObject, CalendarStore
from connectors.errors import ConnectorError, NotFound, ParentMissing
from hub.agenda.calendars import TownCalendars
from hub.agenda.forgetting import Forget, forgotten
from hub.agenda.ical import Event, InvalidCalendarObject, parse_events
from hub.agenda.reading import TownSlug
from hub.backend_errors import Wording, api_error
from hub.errors import BackendUnavailable, HubError

T = TypeVar("T")


@dataclass(frozen=True)
class Booking:
    """One stored VEVENT booking the person: a single event, a series, or an override."""

    town_id: str
    event: Event


@dataclass
class TownBookings:
    bookings: list[Booking] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """Objects of the town that could not be read (so not checked), by name."""


async def bookings_of(
    calendars: TownCalendars, towns: Sequence[TownSlug], person_id: str
) -> TownBookings:
    """Every stored VEVENT that books the person in these towns (read concurrently)."""
    found = TownBookings()
    for town, read in zip(towns, await _read_all(calendars, towns), strict=True):
        if read is None:
            continue
        _, objects, unreadable = read
        found.unreadable.extend(_name(href) for href in sorted(unreadable))
        for obj in objects:
            try:
                events = parse_events(obj.ical)
            except InvalidCalendarObject:
                if person_id in _unfolded(obj.ical):
                    found.unreadable.append(_name(obj.href))
                continue
            found.bookings.extend(
                Booking(town.id, event) for event in events if person_id in event.people
            )
    return found


async def forget_everywhere(
    calendars: TownCalendars, towns: Sequence[TownSlug], forget: Forget, now: datetime
) -> int:
    """Rewrite every object that names the person (``hub.agenda.forgetting``); how many were
    rewritten. Towns are read concurrently and written one object at a time, each write
    conditional on the etag read; the first failure is raised once every town was tried."""
    reads = await _read_all(calendars, towns)
    rewritten = 0
    for town, read in zip(towns, reads, strict=True):
        if read is None:
            continue
        store, objects, unreadable = read
        if unreadable:
            raise BackendUnavailable(
                f"The calendar of '{town.slug}' lists events it does not give "
                f"({', '.join(sorted(_name(h) for h in unreadable))}): they cannot be checked."
            )
        for obj in objects:
            rewritten += await _forget_in(calendars, store, town, obj, forget, now)
    return rewritten


async def _forget_in(
    calendars: TownCalendars,
    store: CalendarStore,
    town: TownSlug,
    obj: CalendarObject,
    forget: Forget,
    now: datetime,
) -> int:
    parsed = calendars.parsed(town.slug, store, obj)
    if isinstance(parsed, InvalidCalendarObject):
        if forget.person_id in _unfolded(obj.ical):
            raise BackendUnavailable(
                f"An event of '{town.slug}' names the person but cannot be read "
                f"({_name(obj.href)}: {parsed.reason}); fix or delete it, then erase again."
            )
        return 0
    try:
        rewrite = forgotten(parsed, forget, now, f"{uuid.uuid4()}@entente")
    except InvalidCalendarObject as exc:
        raise BackendUnavailable(
            f"An event of '{town.slug}' cannot be rewritten ({_name(obj.href)}: {exc.reason})."
        ) from None
    if rewrite is None:
        return 0
    calendar = TownCalendars.calendar_id(town.slug)
    created: CalendarObject | None = None
    if rewrite.created is not None:
        uid, text = rewrite.created
        created = await _within(calendars, store.put(calendar, uid, text, None))
    try:
        await _within(calendars, store.put(calendar, "", rewrite.text, obj.etag, href=obj.href))
    except HubError:
        if created is not None and rewrite.created is not None:
            with contextlib.suppress(ConnectorError, TimeoutError, HubError):
                await _within(
                    calendars,
                    store.delete(calendar, rewrite.created[0], created.etag, href=created.href),
                )
        raise
    return 1


Read = tuple[CalendarStore, list[CalendarObject], frozenset[str]]


async def _read_all(calendars: TownCalendars, towns: Sequence[TownSlug]) -> list[Read | None]:
    outcomes = await asyncio.gather(
        *(_read(calendars, town) for town in towns), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]


async def _read(calendars: TownCalendars, town: TownSlug) -> Read | None:
    """The town's objects; None when it has no calendar to read."""
    try:
        store = calendars.store_for(town.slug)
    except BackendUnavailable:  # no calendar server at all: no calendar names anyone
        return None
    try:
        result = await _within(
            calendars,
            store.fetch(TownCalendars.calendar_id(town.slug), calendars.state(town.slug, store)),
            town.slug,
        )
    except _NoCalendar:
        return None
    calendars.remember(town.slug, store, result.state)
    return store, list(result.state.objects.values()), result.state.unreadable


class _NoCalendar(Exception):
    """The town's calendar does not exist (never provisioned)."""


async def _within(calendars: TownCalendars, call: Awaitable[T], slug: str = "") -> T:
    try:
        async with asyncio.timeout(calendars.timeout):
            return await call
    except NotFound as exc:
        if slug and not isinstance(exc, ParentMissing):
            raise _NoCalendar from exc
        raise api_error(exc, _wording(slug)) from exc
    except (ConnectorError, TimeoutError) as exc:
        raise api_error(exc, _wording(slug)) from exc


def _wording(slug: str) -> Wording:
    return Wording(
        what=f"the calendar of '{slug}'" if slug else "the event",
        conflict="An event changed while it was being rewritten; erase again.",
        server="calendar server",
    )


def _name(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]


def _unfolded(ical: str) -> str:
    """The text with its folded lines joined (RFC 5545 §3.1), for a plain search."""
    return ical.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")
