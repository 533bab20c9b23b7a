"""Changing an event already stored, keeping what the hub does not manage.

The hub owns an event's title, place, description, people, times and town stamp. Everything
else another calendar client put there stays: alarms, categories, attendees that are not hub
people (an outside guest's email), recurrence rules and exceptions. On a recurring event the
change applies to the series (its main VEVENT); overridden occurrences keep their own text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import icalendar

from hub.agenda.ical import (
    PEOPLE_PROPERTY,
    PERSON_ID_PARAM,
    PERSON_URN,
    TOWN_PROPERTY,
    EventPerson,
    InvalidCalendarObject,
    parse_object,
)
from hub.agenda.ical_write import build_event

_TEXT = ("SUMMARY", "LOCATION", "DESCRIPTION", PEOPLE_PROPERTY, TOWN_PROPERTY, "DTSTAMP")
_TIMES = ("DTSTART", "DTEND", "DURATION")


def main_event(calendar: icalendar.Calendar) -> icalendar.Component:
    """The series (or the single event): the VEVENT without RECURRENCE-ID."""
    for component in calendar.walk("VEVENT"):
        if component.get("RECURRENCE-ID") is None:
            return component
    raise InvalidCalendarObject("no main VEVENT (only overridden occurrences)")


def _is_hub_person(attendee: object) -> bool:
    params = getattr(attendee, "params", {})
    return bool(params.get(PERSON_ID_PARAM)) or str(attendee).lower().startswith(PERSON_URN)


def revise_event(
    ical: str,
    *,
    title: str,
    start: date | datetime,
    end: date | datetime,
    all_day: bool,
    location: str,
    description: str,
    people: Sequence[EventPerson],
    town_slug: str,
    keep_times: bool,
    stamp: datetime | None = None,
) -> str:
    """``ical`` with its main VEVENT changed; ``keep_times`` leaves DTSTART/DTEND as stored.

    Raises ``InvalidCalendarObject`` if the stored object cannot be read, ``ValueError`` on
    bad input (as ``build_event``).
    """
    calendar = parse_object(ical)
    master = main_event(calendar)
    now = (stamp or datetime.now(UTC)).astimezone(UTC)
    fresh_text = build_event(
        str(master.get("UID")),
        title,
        start,
        end,
        all_day,
        location,
        description,
        people,
        town_slug,
        stamp=now,
    )
    fresh = main_event(icalendar.Calendar.from_ical(fresh_text))
    managed = _TEXT if keep_times else (*_TEXT, *_TIMES)
    for name in managed:
        master.pop(name, None)
        if name in fresh:
            master[name] = fresh[name]
    kept = master.get("ATTENDEE")
    others = [a for a in (kept if isinstance(kept, list) else [kept] if kept else [])]
    master.pop("ATTENDEE", None)
    new = fresh.get("ATTENDEE")
    attendees = [a for a in others if not _is_hub_person(a)]
    attendees += new if isinstance(new, list) else [new] if new is not None else []
    if attendees:
        master["ATTENDEE"] = attendees
    sequence = master.pop("SEQUENCE", 0)
    master.add("SEQUENCE", int(sequence) + 1)
    master.pop("LAST-MODIFIED", None)
    master.add("LAST-MODIFIED", now)
    return str(calendar.to_ical().decode("utf-8"))
