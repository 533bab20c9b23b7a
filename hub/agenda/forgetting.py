"""Forgetting a person in a calendar object (the right to erasure), the RFC 5545 way.

An erased person leaves every event that is still to come, and stays in those already held
under a pseudonym, so that a town's past agenda (and its hours) still reads the same:

- a single event that has started keeps them as the pseudonym; one still to come drops them;
- a series whose occurrences are all past keeps them as the pseudonym; one that has not begun
  drops them; a series running across now is split as "this one and the following" would
  (``hub.agenda.series``): the past part keeps the pseudonym, a new series (new UID) from the
  first occurrence to come goes on without them.

"Them" is the hub's person id in ``X-ENTENTE-PEOPLE`` and the attendee carrying that id (or
their address). Pure functions over a parsed object; writing is ``hub.agenda.bookings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import icalendar
import recurring_ical_events

from hub.agenda import series
from hub.agenda.edit import main_event, touch
from hub.agenda.ical import (
    PEOPLE_PROPERTY,
    PERSON_ID_PARAM,
    PERSON_URN,
    EventPerson,
    InvalidCalendarObject,
    aware,
    people_of,
    when_of,
)
from hub.agenda.ical_write import attendee
from hub.agenda.ids import occurrence_key
from hub.agenda.reading import PARIS

# How far to look for a series' first occurrence still to come (occurrences, not days).
MAX_LOOKAHEAD = 5000


@dataclass(frozen=True)
class Forget:
    """Who to forget, and the pseudonym their past bookings keep."""

    person_id: str
    email: str | None
    pseudonym: str

    def is_them(self, address: object) -> bool:
        params = getattr(address, "params", {})
        text = str(address).lower()
        return (
            str(params.get(PERSON_ID_PARAM, "")) == self.person_id
            or text == f"{PERSON_URN}{self.person_id}".lower()
            or (self.email is not None and text == f"mailto:{self.email.lower()}")
        )


@dataclass(frozen=True)
class Rewrite:
    text: str
    """The object's new text, written over it (with its etag)."""
    created: tuple[str, str] | None = None
    """(uid, text) of the series' part still to come, created first."""


def books(calendar: icalendar.Calendar, forget: Forget) -> bool:
    """Whether any VEVENT of the object names the person."""
    for component in calendar.walk("VEVENT"):
        if forget.person_id in people_of(component):
            return True
        if any(forget.is_them(a) for a in _listed(component.get("ATTENDEE"))):
            return True
    return False


def forgotten(
    calendar: icalendar.Calendar, forget: Forget, now: datetime, new_uid: str
) -> Rewrite | None:
    """What to write so that the object no longer names the person; None if it does not."""
    if not books(calendar, forget):
        return None
    master = main_event(calendar)
    if not series.is_recurring(calendar):
        _everywhere(calendar, forget, now, keep=_started(series.start_of(master), now))
        return Rewrite(_text(calendar))
    key = _next_key(calendar, now)
    if key is None:  # all past
        _everywhere(calendar, forget, now, keep=True)
        return Rewrite(_text(calendar))
    if series.is_first(calendar, key):  # nothing held yet
        _everywhere(calendar, forget, now, keep=False)
        return Rewrite(_text(calendar))
    tail = series.following(calendar, key, new_uid, now)
    series.truncate(calendar, key, now)
    _everywhere(calendar, forget, now, keep=True)
    _everywhere(tail, forget, now, keep=False)
    return Rewrite(_text(calendar), created=(new_uid, _text(tail)))


def _started(start: date | datetime, now: datetime) -> bool:
    return aware(start, PARIS) <= now


def _next_key(calendar: icalendar.Calendar, now: datetime) -> str | None:
    """The key of the series' first occurrence starting at or after ``now``."""
    try:
        for count, occurrence in enumerate(recurring_ical_events.of(calendar).after(now)):
            if count >= MAX_LOOKAHEAD:
                raise InvalidCalendarObject("too many occurrences to find the next one")
            start = when_of(occurrence, "DTSTART")
            if start is None or _at(start) < now:
                continue
            recurrence_id = when_of(occurrence, "RECURRENCE-ID") or start
            return occurrence_key(
                _at(recurrence_id) if isinstance(recurrence_id, datetime) else recurrence_id
            )
    except (ValueError, TypeError, OverflowError) as exc:
        if isinstance(exc, InvalidCalendarObject):
            raise
        raise InvalidCalendarObject(str(exc)) from exc
    return None


def _at(value: date | datetime) -> datetime:
    return aware(value, PARIS)


def _everywhere(calendar: icalendar.Calendar, forget: Forget, now: datetime, *, keep: bool) -> None:
    for component in calendar.walk("VEVENT"):
        if _rewrite(component, forget, keep=keep):
            touch(component, now)


def _rewrite(component: icalendar.Component, forget: Forget, *, keep: bool) -> bool:
    """The person out of one VEVENT, or in as the pseudonym (``keep``); whether it changed."""
    changed = False
    kept: list[object] = []
    for address in _listed(component.get("ATTENDEE")):
        if forget.is_them(address):
            changed = True
            if keep:
                kept.append(attendee(EventPerson(forget.pseudonym, forget.pseudonym)))
        else:
            kept.append(address)
    component.pop("ATTENDEE", None)
    if kept:
        component["ATTENDEE"] = kept
    listed = component.get(PEOPLE_PROPERTY)
    if listed is not None:
        ids = [p.strip() for p in str(listed).replace("\\,", ",").split(",") if p.strip()]
        if forget.person_id in ids:
            changed = True
            if keep:
                ids = [forget.pseudonym if p == forget.person_id else p for p in ids]
            else:
                ids = [p for p in ids if p != forget.person_id]
            component.pop(PEOPLE_PROPERTY, None)
            if ids:
                component.add(PEOPLE_PROPERTY, icalendar.vText(",".join(ids)))
    return changed


def _listed(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(calendar: icalendar.Calendar) -> str:
    return str(calendar.to_ical().decode("utf-8"))
