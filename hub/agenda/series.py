"""One occurrence, this one and the following, or the whole series — the RFC 5545 way.

Pure functions over a parsed calendar object (one UID: a series' main VEVENT and its
overridden occurrences), leaving what every other calendar client reads:

- **one occurrence changed**: an overriding VEVENT carrying the occurrence's RECURRENCE-ID
  (RFC 5545 §3.8.4.4), in the value type and timezone of the series' DTSTART;
- **one occurrence deleted**: an EXDATE on the series, and its override (if any) removed;
- **this one and the following**: the series ends the occurrence before (an UNTIL in place of
  any COUNT, §3.3.10); for a change, a new series (a new UID) starts at the occurrence and
  takes the overrides and exclusions from there on, its COUNT being what was left of it;
- **the whole series**: its main VEVENT changes. Moving one occurrence moves the series by
  as much, in wall-clock time (so 9 h stays 9 h across daylight saving); overrides and
  exclusions move with it, and those the new rule no longer produces are dropped. An override
  keeps what it changed (its own times if it was moved, its own title if it was retitled) and
  follows the series for the rest.

Occurrences are named by their key (``hub.agenda.ids.occurrence_key``: the RECURRENCE-ID in
UTC, or a date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from hub.agenda.edit import RULES, TEXT, apply_fields, main_event, overrides, set_people, touch
from hub.agenda.ical import InvalidCalendarObject, aware, end_of, people_of, rules_of, when_of
from hub.agenda.ical_write import add_timezones
from hub.agenda.reading import PARIS
from hub.agenda.recurrence import rule_text

When = date | datetime
MAX_COUNT_SPLIT = 100_000


def is_recurring(calendar: icalendar.Calendar) -> bool:
    master = main_event(calendar)
    return bool(rules_of(master) or master.get("RDATE"))


def start_of(component: icalendar.Component) -> When:
    value = when_of(component, "DTSTART")
    if value is None:
        raise InvalidCalendarObject("event without DTSTART")
    return value


def _zone(value: When) -> tzinfo:
    return value.tzinfo if isinstance(value, datetime) and value.tzinfo else PARIS


def _wall(value: When, zone: tzinfo) -> datetime:
    """Wall-clock time in ``zone`` (floating times and dates as they are)."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return (value.astimezone(zone) if value.tzinfo else value).replace(tzinfo=None)


def _typed(wall: datetime, like: When) -> When:
    """``wall`` typed like ``like``: a date, a floating time, or a time in like's zone."""
    if not isinstance(like, datetime):
        return wall.date()
    return wall if like.tzinfo is None else wall.replace(tzinfo=like.tzinfo)


def _same(first: When, second: When) -> bool:
    if isinstance(first, datetime) != isinstance(second, datetime):
        return False
    return aware(first, PARIS) == aware(second, PARIS)


def _before(first: When, second: When) -> bool:
    return aware(first, PARIS) < aware(second, PARIS)


def recurrence_value(master: icalendar.Component, key: str) -> When:
    """The RECURRENCE-ID of occurrence ``key``, typed as the series' DTSTART."""
    start = start_of(master)
    try:
        if len(key) == 10:
            day = date.fromisoformat(key)
            return (
                day
                if not isinstance(start, datetime)
                else _typed(datetime.combine(day, _wall(start, _zone(start)).time()), start)
            )
        instant = datetime.fromisoformat(key.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidCalendarObject("not an occurrence of this event") from None
    if not isinstance(start, datetime):
        return instant.astimezone(PARIS).date()
    if start.tzinfo is None:
        return instant.astimezone(PARIS).replace(tzinfo=None)
    return instant.astimezone(start.tzinfo)


def _dates(component: icalendar.Component, name: str) -> list[When]:
    found: list[When] = []
    for prop in (
        component.get(name) if isinstance(component.get(name), list) else [component.get(name)]
    ):
        for item in getattr(prop, "dts", []):
            if isinstance(item.dt, date):
                found.append(item.dt)
    return found


def _set_dates(component: icalendar.Component, name: str, values: Sequence[When]) -> None:
    component.pop(name, None)
    for value in values:
        component.add(name, value)


def _produces(master: icalendar.Component, value: When) -> bool:
    """Whether the series' rule and dates (exclusions aside) give an occurrence at ``value``."""
    probe_event = icalendar.Event.from_ical(master.to_ical())
    probe_event.pop("EXDATE", None)
    probe = icalendar.Calendar()
    probe.add_component(probe_event)
    step = timedelta(days=1) if not isinstance(value, datetime) else timedelta(minutes=1)
    try:
        found = recurring_ical_events.of(probe).between(value, value + step)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidCalendarObject(str(exc)) from exc
    return any(_same(start_of(occurrence), value) for occurrence in found)


def find_override(calendar: icalendar.Calendar, value: When) -> icalendar.Component | None:
    for component in overrides(calendar):
        recurrence_id = when_of(component, "RECURRENCE-ID")
        if recurrence_id is not None and _same(recurrence_id, value):
            return component
    return None


def has_occurrence(calendar: icalendar.Calendar, key: str) -> bool:
    master = main_event(calendar)
    value = recurrence_value(master, key)
    if find_override(calendar, value) is not None:
        return True
    excluded = any(_same(v, value) for v in _dates(master, "EXDATE"))
    return not excluded and _produces(master, value)


def is_first(calendar: icalendar.Calendar, key: str) -> bool:
    master = main_event(calendar)
    return _same(recurrence_value(master, key), start_of(master))


def _length(component: icalendar.Component, start: When) -> timedelta:
    length = aware(end_of(component, start), PARIS) - aware(start, PARIS)
    return length if isinstance(start, datetime) else timedelta(days=max(1, length.days))


def occurrence(calendar: icalendar.Calendar, key: str) -> tuple[When, When]:
    """Where occurrence ``key`` (the event itself for "" or a single event) is now."""
    master = main_event(calendar)
    start = start_of(master)
    if not key or not is_recurring(calendar):
        return start, end_of(master, start)
    value = recurrence_value(master, key)
    found = find_override(calendar, value)
    if found is not None:
        own = start_of(found)
        return own, end_of(found, own)
    return value, value + _length(master, start)


def _remove(calendar: icalendar.Calendar, component: icalendar.Component) -> None:
    calendar.subcomponents.remove(component)


# -- one occurrence ---------------------------------------------------------------------------


def exclude(calendar: icalendar.Calendar, key: str, now: datetime) -> None:
    """Delete one occurrence: an EXDATE, and its override removed."""
    master = main_event(calendar)
    value = recurrence_value(master, key)
    found = find_override(calendar, value)
    if found is not None:
        _remove(calendar, found)
    master.add("EXDATE", value)
    touch(master, now)


def override(
    calendar: icalendar.Calendar, key: str, fresh: icalendar.Component, now: datetime
) -> None:
    """Change one occurrence: ``fresh``'s fields in an override with its RECURRENCE-ID."""
    master = main_event(calendar)
    value = recurrence_value(master, key)
    target = find_override(calendar, value)
    if target is None:
        target = icalendar.Event.from_ical(master.to_ical())
        for name in (*RULES, "RECURRENCE-ID", "SEQUENCE"):
            target.pop(name, None)
        target.add("RECURRENCE-ID", value)
        calendar.add_component(target)
    apply_fields(target, fresh, now)


# -- this one and the following ---------------------------------------------------------------


def _until_before(value: When) -> When:
    """UNTIL for a series that ends just before ``value``: a date before a date, a UTC time
    before a zoned time, a floating time before a floating one (RFC 5545 §3.3.10)."""
    if not isinstance(value, datetime):
        return value - timedelta(days=1)
    last = value - timedelta(seconds=1)
    return last if last.tzinfo is None else last.astimezone(UTC)


def truncate(calendar: icalendar.Calendar, key: str, now: datetime) -> None:
    """End the series just before occurrence ``key`` (which and what follows are gone)."""
    master = main_event(calendar)
    value = recurrence_value(master, key)
    until = _until_before(value)
    rules = [icalendar.vRecur(rule) for rule in rules_of(master)]
    master.pop("RRULE", None)
    for rule in rules:
        rule.pop("COUNT", None)
        earlier = rule.get("UNTIL", [None])[0]
        if earlier is None or not _before(earlier, until):
            rule["UNTIL"] = [until]
        master.add("RRULE", rule)
    for name in ("EXDATE", "RDATE"):
        _set_dates(master, name, [v for v in _dates(master, name) if _before(v, value)])
    for component in overrides(calendar):
        recurrence_id = when_of(component, "RECURRENCE-ID")
        if recurrence_id is not None and not _before(recurrence_id, value):
            _remove(calendar, component)
    touch(master, now)


def _count_before(master: icalendar.Component, rule: icalendar.vRecur, value: When) -> int:
    start = start_of(master)
    moment = start if isinstance(start, datetime) else datetime.combine(start, time())
    limit = value if isinstance(value, datetime) else datetime.combine(value, time())
    if rule.get("COUNT", [0])[0] > MAX_COUNT_SPLIT:
        raise InvalidCalendarObject("too many occurrences to split this series")
    expanded = rrulestr(rule_text(rule), dtstart=moment)
    return len(expanded.between(moment, limit, inc=False)) + 1  # DTSTART itself


def following(
    calendar: icalendar.Calendar, key: str, uid: str, now: datetime
) -> icalendar.Calendar:
    """Occurrence ``key`` and the following ones as a new object under ``uid``, its series
    starting at that occurrence (to be revised with ``revise_series``)."""
    tail = icalendar.Calendar.from_ical(calendar.to_ical())
    master = main_event(tail)
    value = recurrence_value(master, key)
    start = start_of(master)
    duration = _length(master, start)
    rules = [icalendar.vRecur(rule) for rule in rules_of(master)]
    master.pop("RRULE", None)
    for rule in rules:
        if "COUNT" in rule:
            left = rule["COUNT"][0] - _count_before(master, rule, value)
            rule["COUNT"] = [max(1, left)]
        master.add("RRULE", rule)
    for name in ("DTSTART", "DTEND", "DURATION"):
        master.pop(name, None)
    master.add("DTSTART", value)
    master.add("DTEND", value + duration)
    for name in ("EXDATE", "RDATE"):
        _set_dates(master, name, [v for v in _dates(master, name) if not _before(v, value)])
    for component in overrides(tail):
        recurrence_id = when_of(component, "RECURRENCE-ID")
        if recurrence_id is not None and _before(recurrence_id, value):
            _remove(tail, component)
    for component in tail.walk("VEVENT"):
        component.pop("UID", None)
        component.add("UID", uid)
        component.pop("CREATED", None)
        component.add("CREATED", now)
    return tail


# -- the whole series -------------------------------------------------------------------------


def first_start(calendar: icalendar.Calendar, shown: When, new_start: When, all_day: bool) -> When:
    """Where the series' first occurrence goes when one occurrence moves from ``shown`` to
    ``new_start`` (wall-clock time in Paris, where the hub writes series)."""
    delta = _wall(new_start, PARIS) - _wall(shown, PARIS)
    moved = _wall(start_of(main_event(calendar)), PARIS) + delta
    return moved.date() if all_day else moved.replace(tzinfo=PARIS)


def _follow(
    component: icalendar.Component,
    old: icalendar.Component,
    fresh: icalendar.Component,
    at: When,
    duration: timedelta,
    now: datetime,
) -> None:
    """An override keeps what it changed and follows the series for the rest."""
    recurrence_id = when_of(component, "RECURRENCE-ID")
    start = when_of(component, "DTSTART")
    if recurrence_id is not None and start is not None and _same(start, recurrence_id):
        for name in ("DTSTART", "DTEND", "DURATION"):
            component.pop(name, None)
        component.add("DTSTART", at)
        component.add("DTEND", at + duration)
    for name in TEXT:
        if str(component.get(name, "")) == str(old.get(name, "")):
            component.pop(name, None)
            if name in fresh:
                component[name] = fresh[name]
    if people_of(component) == people_of(old):
        set_people(component, fresh)
    component.pop("RECURRENCE-ID", None)
    component.add("RECURRENCE-ID", at)
    touch(component, now)


def revise_series(calendar: icalendar.Calendar, fresh: icalendar.Component, now: datetime) -> None:
    """The series becomes ``fresh`` (its first occurrence, rule, fields); its exceptions move
    with it, those the new rule does not produce are dropped."""
    master = main_event(calendar)
    old = icalendar.Event.from_ical(master.to_ical())
    old_start, new_start = start_of(master), start_of(fresh)
    old_zone, new_zone = _zone(old_start), _zone(new_start)
    delta = _wall(new_start, new_zone) - _wall(old_start, old_zone)
    duration = _length(fresh, new_start)

    def moved(value: When) -> When:
        return _typed(_wall(value, old_zone) + delta, new_start)

    exclusions = [moved(v) for v in _dates(master, "EXDATE")]
    extra = [moved(v) for v in _dates(master, "RDATE")]
    apply_fields(master, fresh, now)
    for name in RULES:
        master.pop(name, None)
    rules = rules_of(fresh)
    for rule in rules:
        master.add("RRULE", rule)
    _set_dates(master, "RDATE", extra if rules else [])
    _set_dates(master, "EXDATE", [v for v in exclusions if rules and _produces(master, v)])
    for component in overrides(calendar):
        recurrence_id = when_of(component, "RECURRENCE-ID")
        target = moved(recurrence_id) if recurrence_id is not None else None
        if target is None or not rules or not _produces(master, target):
            _remove(calendar, component)
        else:
            _follow(component, old, fresh, target, duration, now)
    add_timezones(calendar)
