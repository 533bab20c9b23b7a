"""iCalendar in the agenda: parse calendar objects (their occurrences in a window:
``hub.agenda.expansion``; writing events: ``hub.agenda.ical_write``).

Pure functions over text: no database, no network, no GraphQL.

**Who an event books.** ``ical_write.build_event`` stores the people an event books twice:

- one ``ATTENDEE`` each, for every calendar client: ``mailto:{email}`` when the person has an
  email, else ``urn:x-entente:person:{id}``; parameters ``CN`` (name), ``CUTYPE=INDIVIDUAL``,
  ``ROLE=REQ-PARTICIPANT``, ``PARTSTAT=ACCEPTED``, ``X-ENTENTE-PERSON-ID={id}``, and
  ``SCHEDULE-AGENT=CLIENT`` so that a scheduling server (Nextcloud) sends no invitation;
- ``X-ENTENTE-PEOPLE:{id}\\,{id}…``, the person ids in order, which is what the hub reads
  back: one TEXT value whose commas are escaped, because Radicale (vobject) keeps only the
  first of bare comma-separated values in an unknown property; read back, escaped and bare
  commas both separate. Ids are plain tokens (letters, digits, ``._:@-``).

When ``X-ENTENTE-PEOPLE`` is missing (an event written by another client) the people are the
attendees that carry ``X-ENTENTE-PERSON-ID`` or an ``urn:x-entente:person:`` address.
``X-ENTENTE-TOWN`` holds the slug of the town that wrote the event.

**Times.** A single timed event is written in UTC (it needs no VTIMEZONE); a recurring one in
Europe/Paris with its VTIMEZONE, so that it keeps its hours across daylight saving (icalendar's
generated VTIMEZONE covers 1970-2038). Reading, an occurrence's times are timezone-aware;
floating times (no TZID) are taken in the timezone of the window asked for. All-day events
come out as ``date`` values, their end exclusive as in iCalendar.

**Limits against hostile objects** (anything beyond raises ``InvalidCalendarObject``): text of
at most ``MAX_OBJECT_BYTES``, one UID and at most ``MAX_COMPONENTS`` events per object, rules
no denser than ``MAX_OCCURRENCES_PER_DAY`` (no SECONDLY/MINUTELY rules). Expansion has its
own cap on occurrences per object: ``hub.agenda.expansion``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar

MAX_OBJECT_BYTES = 1024 * 1024
MAX_COMPONENTS = 1000
MAX_OCCURRENCES_PER_DAY = 96

PEOPLE_PROPERTY = "X-ENTENTE-PEOPLE"
PERSON_ID_PARAM = "X-ENTENTE-PERSON-ID"
TOWN_PROPERTY = "X-ENTENTE-TOWN"
PERSON_URN = "urn:x-entente:person:"
PRODID = "-//Entente//Agenda//FR"

PERSON_ID_PATTERN = re.compile(r"[A-Za-z0-9._:@-]{1,200}")
_SUB_HOURLY = {"SECONDLY", "MINUTELY"}


class InvalidCalendarObject(ValueError):
    """A calendar object that cannot be read, or that is too big or too dense to expand.

    ``href`` names the object when known, so the caller can skip it and report which one.
    """

    def __init__(self, reason: str, href: str = "") -> None:
        super().__init__(f"{href}: {reason}" if href else reason)
        self.reason = reason
        self.href = href


@dataclass(frozen=True, slots=True)
class EventPerson:
    """Someone an event books: the hub's person id, and how calendar clients show them."""

    id: str
    name: str = ""
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One VEVENT as stored: a single event, a recurring series' master, or an exception."""

    uid: str
    recurrence_id: date | datetime | None
    title: str
    start: date | datetime
    end: date | datetime
    all_day: bool
    location: str
    description: str
    people: tuple[str, ...]
    attendees: tuple[EventPerson, ...]
    recurring: bool
    town_slug: str | None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence inside a window. ``recurrence_id`` is None for a non-recurring event."""

    uid: str
    recurrence_id: date | datetime | None
    title: str
    start: date | datetime
    end: date | datetime
    all_day: bool
    location: str
    description: str
    people: tuple[str, ...]
    href: str
    etag: str
    rule: str | None = None
    """The series' RRULE (RFC 5545 text, without "RRULE:"), None for a single event."""
    recurring: bool = False
    """Part of a series (a rule, extra dates, or an overridden occurrence)."""
    modified: datetime | None = None
    """When the event (or this overridden occurrence) last changed: LAST-MODIFIED, else
    DTSTAMP, which RFC 5545 §3.8.7.2 makes the same thing in a calendar store."""


# -- reading -------------------------------------------------------------------------------


def aware(value: date | datetime, zone: tzinfo) -> datetime:
    """A comparable instant: dates at midnight and floating times in ``zone``."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return datetime.combine(value, time(), zone)


def text_of(component: icalendar.Component, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def when_of(component: icalendar.Component, name: str) -> date | datetime | None:
    prop = component.get(name)
    if prop is None:
        return None
    value = getattr(prop, "dt", None)
    if not isinstance(value, date):
        raise InvalidCalendarObject(f"{name} is not a date or date-time")
    return value


def end_of(component: icalendar.Component, start: date | datetime) -> date | datetime:
    end = when_of(component, "DTEND")
    if end is not None:
        return end
    duration = component.get("DURATION")
    if duration is not None:
        delta = getattr(duration, "dt", None)
        if not isinstance(delta, timedelta):
            raise InvalidCalendarObject("DURATION is not a duration")
        return start + delta
    return start if isinstance(start, datetime) else start + timedelta(days=1)


def rules_of(component: icalendar.Component) -> list[Any]:
    rules = component.get("RRULE")
    if rules is None:
        return []
    return list(rules) if isinstance(rules, list) else [rules]


def check_density(component: icalendar.Component) -> None:
    """Refuse rules that could yield more than MAX_OCCURRENCES_PER_DAY occurrences a day."""
    for rule in rules_of(component):
        freq = {str(f).upper() for f in rule.get("FREQ", [])}
        if freq & _SUB_HOURLY:
            raise InvalidCalendarObject(f"recurrence too dense: FREQ={','.join(sorted(freq))}")
        hours = 24 if "HOURLY" in freq else len(rule.get("BYHOUR", [])) or 1
        per_day = (
            hours * (len(rule.get("BYMINUTE", [])) or 1) * (len(rule.get("BYSECOND", [])) or 1)
        )
        if per_day > MAX_OCCURRENCES_PER_DAY:
            raise InvalidCalendarObject(f"recurrence too dense: {per_day} occurrences a day")


def _check_period(start: date | datetime, end: date | datetime) -> None:
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise InvalidCalendarObject("DTSTART and DTEND are not both dates or both date-times")
    if aware(end, UTC) < aware(start, UTC):
        raise InvalidCalendarObject("event ends before it starts")


def people_of(component: icalendar.Component) -> tuple[str, ...]:
    """The person ids an event books (``X-ENTENTE-PEOPLE``, else its Entente attendees)."""
    listed = component.get(PEOPLE_PROPERTY)
    if listed is not None:
        # Another client may have re-escaped the commas as TEXT (\,): both read the same.
        raw = str(listed).replace("\\,", ",")
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    return tuple(person.id for person in attendees_of(component) if person.id)


def attendees_of(component: icalendar.Component) -> tuple[EventPerson, ...]:
    """The attendees, with the hub's person id when the attendee carries one."""
    found = component.get("ATTENDEE")
    if found is None:
        return ()
    people: list[EventPerson] = []
    for attendee in found if isinstance(found, list) else [found]:
        address = str(attendee)
        params = getattr(attendee, "params", {})
        person_id = str(params.get(PERSON_ID_PARAM, ""))
        if not person_id and address.lower().startswith(PERSON_URN):
            person_id = address[len(PERSON_URN) :]
        email = address[len("mailto:") :] if address.lower().startswith("mailto:") else None
        people.append(EventPerson(id=person_id, name=str(params.get("CN", "")), email=email))
    return tuple(people)


def _parse_calendar(ical: str) -> icalendar.Calendar:
    if len(ical.encode("utf-8")) > MAX_OBJECT_BYTES:
        raise InvalidCalendarObject(f"larger than {MAX_OBJECT_BYTES} bytes")
    try:
        calendar = icalendar.Calendar.from_ical(ical)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidCalendarObject(f"not iCalendar: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise InvalidCalendarObject("not a VCALENDAR")
    events = calendar.walk("VEVENT")
    if len(events) > MAX_COMPONENTS:
        raise InvalidCalendarObject(f"more than {MAX_COMPONENTS} events")
    # RFC 4791 4.1: one UID per calendar object resource. It also bounds the density check
    # below to a single series.
    if len({text_of(event, "UID") for event in events}) > 1:
        raise InvalidCalendarObject("events with different UIDs in one object")
    for event in events:
        if not text_of(event, "UID"):
            raise InvalidCalendarObject("event without UID")
        start = when_of(event, "DTSTART")
        if start is None:
            raise InvalidCalendarObject("event without DTSTART")
        _check_period(start, end_of(event, start))
        check_density(event)
    return calendar


def _event(component: icalendar.Component) -> Event:
    start = when_of(component, "DTSTART")
    assert start is not None  # checked by _parse_calendar
    town = text_of(component, TOWN_PROPERTY)
    return Event(
        uid=text_of(component, "UID"),
        recurrence_id=when_of(component, "RECURRENCE-ID"),
        title=text_of(component, "SUMMARY"),
        start=start,
        end=end_of(component, start),
        all_day=not isinstance(start, datetime),
        location=text_of(component, "LOCATION"),
        description=text_of(component, "DESCRIPTION"),
        people=people_of(component),
        attendees=attendees_of(component),
        recurring=bool(rules_of(component) or component.get("RDATE")),
        town_slug=town or None,
    )


def parse_events(ical: str) -> list[Event]:
    """The VEVENTs of one calendar object, as stored (recurrences not expanded)."""
    calendar = _parse_calendar(ical)
    try:
        return [_event(component) for component in calendar.walk("VEVENT")]
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        if isinstance(exc, InvalidCalendarObject):
            raise
        raise InvalidCalendarObject(str(exc)) from exc


def parse_object(ical: str, href: str = "") -> icalendar.Calendar:
    """One calendar object, read and checked against the limits above; reusable by
    ``expansion.expand_parsed`` for as long as the object's etag does not change."""
    try:
        return _parse_calendar(ical)
    except InvalidCalendarObject as exc:
        raise InvalidCalendarObject(exc.reason, href) from exc
