"""Re-booking one calendar object from a date on: the outgoing person out, the incoming in.

Pure functions over a parsed calendar object (``hub.agenda.series`` does the RFC 5545 part):

- a single event starting before the date is left as it is (the past stays as it happened);
  one starting from the date on books the incoming person instead;
- a series starting from the date on is re-booked whole (its overridden occurrences too);
- a series running across the date is split the way "this one and the following" does: it
  ends the occurrence before, and a new series (a new UID) starts at the first occurrence from
  the date on, with the overrides and exclusions that follow, booking the incoming person.
  When only some overridden occurrences from the date on book the outgoing person, those are
  re-booked in place.

The new series' UID is derived from the old one and the date, so a run cut off between its
two writes finds the series it made instead of making another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar

from connectors.calendar.port import CalendarObject
from hub.agenda import series
from hub.agenda.edit import main_event, overrides, set_people, touch
from hub.agenda.expansion import expand_parsed
from hub.agenda.ical import EventPerson, attendees_of, people_of, text_of, when_of
from hub.agenda.ical_write import add_people
from hub.agenda.ids import occurrence_key
from hub.agenda.reading import PARIS
from hub.agenda.service import instant

FAR = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Swap:
    """Who leaves the bookings (a person id) and who takes them."""

    outgoing: str
    incoming: EventPerson
    effective: datetime
    """Midnight (Europe/Paris) of the day the post changes hands."""


@dataclass(frozen=True)
class Rebooking:
    text: str
    """The object's new text."""
    created: tuple[str, str] | None = None
    """(uid, text) of the new series to write first, when a series was split."""


def tail_uid(uid: str, swap: Swap) -> str:
    day = swap.effective.astimezone(PARIS).date().isoformat()
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'entente:handover:{uid}:{day}')}@entente"


def rebook(component: icalendar.Component, swap: Swap, now: datetime) -> bool:
    """The incoming person in the outgoing's place in one VEVENT; whether it booked them."""
    people = people_of(component)
    if swap.outgoing not in people:
        return False
    ids = list(dict.fromkeys(swap.incoming.id if p == swap.outgoing else p for p in people))
    # the others keep the name and address their ATTENDEE line gave them
    known = {a.id: a for a in attendees_of(component) if a.id}
    known[swap.incoming.id] = swap.incoming
    fresh = icalendar.Event()
    add_people(fresh, [known.get(p) or EventPerson(p) for p in ids])
    set_people(component, fresh)
    touch(component, now)
    return True


def _text(calendar: icalendar.Calendar) -> str:
    return str(calendar.to_ical().decode("utf-8"))


def _all(components: list[icalendar.Component], swap: Swap, now: datetime) -> bool:
    return any([rebook(component, swap, now) for component in components])


def _first_from(calendar: icalendar.Calendar, obj: CalendarObject, swap: Swap) -> str | None:
    """The key of the series' first occurrence from the date on (by RECURRENCE-ID)."""
    found, _ = expand_parsed(calendar, obj, swap.effective, FAR, cap=50)
    for occurrence in found:
        if (
            occurrence.recurrence_id is not None
            and instant(occurrence.recurrence_id) >= swap.effective
        ):
            return occurrence_key(
                instant(occurrence.recurrence_id)
                if isinstance(occurrence.recurrence_id, datetime)
                else occurrence.recurrence_id
            )
    return None


def plan(
    calendar: icalendar.Calendar, obj: CalendarObject, swap: Swap, now: datetime
) -> Rebooking | None:
    """What to write so that the object books the incoming person from the date on (None:
    nothing to change)."""
    master = main_event(calendar)
    if not any(swap.outgoing in people_of(c) for c in calendar.walk("VEVENT")):
        return None
    starts_after = instant(series.start_of(master)) >= swap.effective
    if not series.is_recurring(calendar):
        if not starts_after:
            return None
        return Rebooking(_text(calendar)) if _all([master], swap, now) else None
    if starts_after:
        return Rebooking(_text(calendar)) if _all(calendar.walk("VEVENT"), swap, now) else None
    key = _first_from(calendar, obj, swap)
    if key is None:
        return None  # the series is over by then
    if swap.outgoing in people_of(master):
        uid = tail_uid(text_of(master, "UID"), swap)
        tail = series.following(calendar, key, uid, now)
        _all(tail.walk("VEVENT"), swap, now)
        series.truncate(calendar, key, now)
        return Rebooking(_text(calendar), created=(uid, _text(tail)))
    later = [
        c
        for c in overrides(calendar)
        if instant(when_of(c, "RECURRENCE-ID") or series.start_of(c)) >= swap.effective
    ]
    return Rebooking(_text(calendar)) if _all(later, swap, now) else None
