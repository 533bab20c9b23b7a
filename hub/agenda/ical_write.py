"""iCalendar out of the agenda: the VEVENT text the hub PUTs (format documented in
``hub.agenda.ical``: who an event books, times in UTC)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

from hub.agenda.ical import (
    PEOPLE_PROPERTY,
    PERSON_ID_PARAM,
    PERSON_ID_PATTERN,
    PERSON_URN,
    PRODID,
    TOWN_PROPERTY,
    EventPerson,
)

PARIS = ZoneInfo("Europe/Paris")

# Europe/Paris as calendar clients write it (tzurl.org): yearly rules. icalendar's generated
# VTIMEZONE lists each transition as an RDATE up to 2037, which Radicale's expansion misreads
# (summer occurrences came back an hour late).
PARIS_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def add_timezones(calendar: icalendar.Calendar) -> None:
    """A VTIMEZONE for every TZID the events use (Europe/Paris as above)."""
    present = {str(tz.get("TZID")) for tz in calendar.walk("VTIMEZONE")}
    if "Europe/Paris" not in present and "TZID=Europe/Paris" in calendar.to_ical().decode():
        calendar.subcomponents.insert(0, icalendar.Timezone.from_ical(PARIS_VTIMEZONE))
    calendar.add_missing_timezones()


def attendee(person: EventPerson) -> icalendar.vCalAddress:
    address = f"mailto:{person.email}" if person.email else f"{PERSON_URN}{person.id}"
    attendee = icalendar.vCalAddress(address)
    if person.name:
        attendee.params["CN"] = person.name
    attendee.params["CUTYPE"] = "INDIVIDUAL"
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["SCHEDULE-AGENT"] = "CLIENT"
    attendee.params[PERSON_ID_PARAM] = person.id
    return attendee


def add_people(event: icalendar.Component, persons: Sequence[EventPerson]) -> None:
    """The people an event books: an ATTENDEE each, and their ids in ``X-ENTENTE-PEOPLE``."""
    for person in persons:
        if not PERSON_ID_PATTERN.fullmatch(person.id):
            raise ValueError(f"invalid person id {person.id!r}")
        event.add("ATTENDEE", attendee(person))
    if persons:
        # Written as TEXT (commas escaped): Radicale's vobject keeps only the first value of
        # an unknown property with bare commas.
        event.add(PEOPLE_PROPERTY, icalendar.vText(",".join(p.id for p in persons)))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a timed event needs timezone-aware start and end")
    return value.astimezone(UTC)


def build_event(
    uid: str,
    title: str,
    start: date | datetime,
    end: date | datetime,
    all_day: bool,
    location: str,
    description: str,
    people: Sequence[str | EventPerson],
    town_slug: str,
    *,
    stamp: datetime | None = None,
    rule: icalendar.vRecur | None = None,
) -> str:
    """A VCALENDAR holding one VEVENT, as text ready to PUT.

    All-day: ``start`` and ``end`` are dates, ``end`` exclusive (a one-day event ends the day
    after). Timed: timezone-aware datetimes, written in UTC, or in Europe/Paris with its
    VTIMEZONE when ``rule`` (an RRULE, checked by ``hub.agenda.recurrence``) repeats the
    event. ``people`` are person ids, or ``EventPerson`` when a name or email is known.
    ``stamp`` is when it was written (DTSTAMP, CREATED, LAST-MODIFIED; now by default).
    Raises ``ValueError`` on bad input.
    """
    persons = [p if isinstance(p, EventPerson) else EventPerson(id=p) for p in people]
    for person in persons:
        if not PERSON_ID_PATTERN.fullmatch(person.id):
            raise ValueError(f"invalid person id {person.id!r}")
    if not uid or any(c in uid for c in "\r\n"):
        raise ValueError("invalid UID")
    if not PERSON_ID_PATTERN.fullmatch(town_slug):
        raise ValueError(f"invalid town slug {town_slug!r}")
    event = icalendar.Event()
    event.add("UID", uid)
    written = (stamp or datetime.now(UTC)).astimezone(UTC)
    event.add("DTSTAMP", written)
    event.add("CREATED", written)
    event.add("LAST-MODIFIED", written)
    event.add("SUMMARY", title)
    if all_day:
        first = start.date() if isinstance(start, datetime) else start
        last = end.date() if isinstance(end, datetime) else end
        if last <= first:
            raise ValueError("an all-day event ends at least one day after it starts")
        event.add("DTSTART", first)
        event.add("DTEND", last)
    else:
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise ValueError("a timed event needs datetimes")
        if _utc(end) <= _utc(start):
            raise ValueError("an event ends after it starts")
        zone = PARIS if rule is not None else UTC
        event.add("DTSTART", _utc(start).astimezone(zone))
        event.add("DTEND", _utc(end).astimezone(zone))
    if rule is not None:
        event.add("RRULE", rule)
    if location:
        event.add("LOCATION", location)
    if description:
        event.add("DESCRIPTION", description)
    add_people(event, persons)
    event.add(TOWN_PROPERTY, town_slug)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add_component(event)
    if rule is not None:
        add_timezones(calendar)
    return str(calendar.to_ical().decode("utf-8"))
