"""Changing an event already stored, keeping what the hub does not manage.

The hub owns an event's title, place, description, people, times and town stamp. Everything
else another calendar client put there stays: alarms, categories, attendees that are not hub
people (an outside guest's email), recurrence exceptions. ``apply_fields`` writes the hub's
part of a freshly built VEVENT (``ical_write.build_event``) over a stored one: a single event,
a series' main VEVENT or an overridden occurrence (``hub.agenda.series`` says which).
"""

from __future__ import annotations

from datetime import datetime

import icalendar

from hub.agenda.ical import (
    PEOPLE_PROPERTY,
    PERSON_ID_PARAM,
    PERSON_URN,
    TOWN_PROPERTY,
    InvalidCalendarObject,
)

TEXT = ("SUMMARY", "LOCATION", "DESCRIPTION", PEOPLE_PROPERTY, TOWN_PROPERTY)
TIMES = ("DTSTART", "DTEND", "DURATION")
RULES = ("RRULE", "RDATE", "EXDATE", "EXRULE")


def main_event(calendar: icalendar.Calendar) -> icalendar.Component:
    """The series (or the single event): the VEVENT without RECURRENCE-ID."""
    for component in calendar.walk("VEVENT"):
        if component.get("RECURRENCE-ID") is None:
            return component
    raise InvalidCalendarObject("no main VEVENT (only overridden occurrences)")


def overrides(calendar: icalendar.Calendar) -> list[icalendar.Component]:
    """The overridden occurrences: the VEVENTs with a RECURRENCE-ID."""
    return [c for c in calendar.walk("VEVENT") if c.get("RECURRENCE-ID") is not None]


def _is_hub_person(attendee: object) -> bool:
    params = getattr(attendee, "params", {})
    return bool(params.get(PERSON_ID_PARAM)) or str(attendee).lower().startswith(PERSON_URN)


def _listed(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def set_people(target: icalendar.Component, fresh: icalendar.Component) -> None:
    """``fresh``'s hub people on ``target``, keeping attendees the hub does not manage."""
    others = [a for a in _listed(target.get("ATTENDEE")) if not _is_hub_person(a)]
    target.pop("ATTENDEE", None)
    attendees = others + _listed(fresh.get("ATTENDEE"))
    if attendees:
        target["ATTENDEE"] = attendees
    target.pop(PEOPLE_PROPERTY, None)
    if PEOPLE_PROPERTY in fresh:
        target[PEOPLE_PROPERTY] = fresh[PEOPLE_PROPERTY]


def set_text(target: icalendar.Component, fresh: icalendar.Component, name: str) -> None:
    target.pop(name, None)
    if name in fresh:
        target[name] = fresh[name]


def touch(component: icalendar.Component, now: datetime) -> None:
    """A new revision (RFC 5545 §3.8.7): SEQUENCE up, DTSTAMP and LAST-MODIFIED now."""
    sequence = component.pop("SEQUENCE", 0)
    component.add("SEQUENCE", int(sequence) + 1)
    for name in ("DTSTAMP", "LAST-MODIFIED"):
        component.pop(name, None)
        component.add(name, now)


def apply_fields(
    target: icalendar.Component, fresh: icalendar.Component, now: datetime, *, times: bool = True
) -> None:
    """The hub's part of ``fresh`` written over ``target`` (its times too unless ``times`` is
    False), as a new revision."""
    for name in (*TEXT, *(TIMES if times else ())):
        set_text(target, fresh, name)
    set_people(target, fresh)
    touch(target, now)
