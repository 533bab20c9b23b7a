"""What an update or a deletion writes, by scope: a plan, computed before anything is written.

``updateEvent`` and ``deleteEvent`` name one occurrence (its id) and a scope:

- ``OCCURRENCE`` (the default): that occurrence alone;
- ``FOLLOWING``: that occurrence and every later one (on the first occurrence, the series);
- ``SERIES``: every occurrence.

A single event is its own series: any scope changes or deletes it. The RFC 5545 details are
in ``hub.agenda.series``. ``recurrence`` in the input: for an occurrence, None or the series'
own rule (an occurrence cannot repeat by itself); for the following ones or the series, the new
rule, "" for none, None to keep the current one (moved with the series when it moves).

A plan also says what the change touched — the period (open-ended for a series) and the
people booked before or after — which the audit keeps, so that a report on a past month can
say it was changed after it ended (``hub.allocation.late_changes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import icalendar

from hub.agenda import series
from hub.agenda.edit import main_event, overrides
from hub.agenda.ical import EventPerson, aware, end_of, people_of, text_of
from hub.agenda.ical_write import build_event
from hub.agenda.ids import occurrence_key
from hub.agenda.reading import PARIS
from hub.agenda.recurrence import check_rule, parse_rule, rule_of, rule_text
from hub.errors import BadInput, NotFound

When = date | datetime


class EventScope(StrEnum):
    OCCURRENCE = "OCCURRENCE"
    FOLLOWING = "FOLLOWING"
    SERIES = "SERIES"


@dataclass(frozen=True)
class Fields:
    """An event as the client wants it (checked), for one occurrence or a series' first."""

    title: str
    start: When
    end: When
    all_day: bool
    location: str
    description: str
    people: Sequence[EventPerson]
    town_slug: str
    recurrence: str | None = None


@dataclass(frozen=True)
class Shown:
    """The occurrence the client acted on, as stored now (an override's own times)."""

    key: str
    start: When
    end: When


@dataclass(frozen=True)
class Plan:
    text: str | None
    """The stored object's new text; None deletes it."""
    created: tuple[str, str] | None = None
    """(uid, text) of a new object to create first: the following occurrences' series."""
    shown: tuple[str, str] = ("", "")
    """(uid, occurrence key) of the occurrence to answer with."""
    start: datetime | None = None
    end: datetime | None = None
    """What the change touched: [start, end), end None when open (a whole series)."""
    title: str = ""
    people: tuple[str, ...] = ()
    """Person ids booked before or after the change."""
    recurring: bool = False
    """The event was (or became) a series."""


def _fresh(
    uid: str,
    fields: Fields,
    start: When,
    end: When,
    rule: icalendar.vRecur | None,
    now: datetime,
) -> icalendar.Component:
    text = build_event(
        uid,
        fields.title,
        start,
        end,
        fields.all_day,
        fields.location,
        fields.description,
        fields.people,
        fields.town_slug,
        stamp=now,
        rule=rule,
    )
    return main_event(icalendar.Calendar.from_ical(text))


def _rule(
    requested: str | None, kept: icalendar.vRecur | None, first: When, moved: bool
) -> icalendar.vRecur | None:
    if requested is not None:
        return parse_rule(requested, first)
    if kept is None or not moved:
        return kept
    return check_rule(kept, first)


def _end(first: When, fields: Fields) -> When:
    """The end of an occurrence starting at ``first`` as long as the one typed."""
    if isinstance(first, datetime) and isinstance(fields.start, datetime):
        assert isinstance(fields.end, datetime)
        return first + (fields.end - fields.start)
    days = (_day(fields.end) - _day(fields.start)).days
    return _day(first) + timedelta(days=max(1, days))


def _day(value: When) -> date:
    return value.astimezone(PARIS).date() if isinstance(value, datetime) else value


def _instant(value: When) -> datetime:
    return aware(value, PARIS)


def _booked(calendar: icalendar.Calendar) -> set[str]:
    return {p for c in calendar.walk("VEVENT") for p in people_of(c)}


def _key(value: When) -> str:
    return occurrence_key(_instant(value) if isinstance(value, datetime) else value)


def _text(calendar: icalendar.Calendar) -> str:
    return str(calendar.to_ical().decode("utf-8"))


def plan_update(
    calendar: icalendar.Calendar,
    shown: Shown,
    scope: EventScope,
    fields: Fields,
    *,
    new_uid: str,
    now: datetime,
) -> Plan:
    master = main_event(calendar)
    uid = text_of(master, "UID")
    title = text_of(master, "SUMMARY")
    people = tuple(sorted(_booked(calendar) | {p.id for p in fields.people}))
    recurring = series.is_recurring(calendar)
    series_start = _instant(series.start_of(master))
    key = shown.key
    if (
        not recurring
        or not key
        or (scope == EventScope.FOLLOWING and series.is_first(calendar, key))
    ):
        scope = EventScope.SERIES
    if recurring and key and not series.has_occurrence(calendar, key):
        raise NotFound("This occurrence is no longer in the series; reload the agenda.")

    if scope == EventScope.OCCURRENCE:
        kept = rule_of(master)
        if fields.recurrence is not None and (
            kept is None or fields.recurrence.strip() != rule_text(kept)
        ):
            raise BadInput(
                "One occurrence cannot repeat by itself: change the repetition for the "
                "following occurrences or for the whole series.",
                field="recurrence",
            )
        series.override(
            calendar, key, _fresh(uid, fields, fields.start, fields.end, None, now), now
        )
        return Plan(
            _text(calendar),
            shown=(uid, key),
            start=min(_instant(shown.start), _instant(fields.start)),
            end=max(_instant(shown.end), _instant(fields.end)),
            title=title,
            people=people,
            recurring=True,
        )

    if scope == EventScope.FOLLOWING:
        tail = series.following(calendar, key, new_uid, now)
        first = series.first_start(tail, shown.start, fields.start, fields.all_day)
        moved = _instant(first) != _instant(series.start_of(main_event(tail)))
        rule = _rule(fields.recurrence, rule_of(main_event(tail)), first, moved)
        series.revise_series(
            tail, _fresh(new_uid, fields, first, _end(first, fields), rule, now), now
        )
        series.truncate(calendar, key, now)
        return Plan(
            _text(calendar),
            created=(new_uid, _text(tail)),
            shown=(new_uid, _key(fields.start) if rule else ""),
            start=min(_instant(shown.start), _instant(fields.start)),
            title=title,
            people=people,
            recurring=True,
        )

    first = series.first_start(calendar, shown.start, fields.start, fields.all_day)
    if not recurring:
        first = fields.start
    moved = _instant(first) != series_start
    rule = _rule(fields.recurrence, rule_of(master), first, moved)
    series.revise_series(calendar, _fresh(uid, fields, first, _end(first, fields), rule, now), now)
    open_ended = recurring or rule is not None
    return Plan(
        _text(calendar),
        shown=(uid, _key(fields.start) if rule else ""),
        start=min(series_start, _instant(first), _instant(shown.start)),
        end=None if open_ended else max(_instant(shown.end), _instant(fields.end)),
        title=title,
        people=people,
        recurring=open_ended,
    )


def plan_delete(
    calendar: icalendar.Calendar, shown: Shown, scope: EventScope, now: datetime
) -> Plan:
    master = main_event(calendar)
    uid = text_of(master, "UID")
    title = text_of(master, "SUMMARY")
    people = tuple(sorted(_booked(calendar)))
    key = shown.key
    recurring = series.is_recurring(calendar)
    series_start = _instant(series.start_of(master))
    if not recurring or not key:
        scope = EventScope.SERIES
    elif not series.has_occurrence(calendar, key):
        raise NotFound("This occurrence is no longer in the series; reload the agenda.")
    elif scope == EventScope.FOLLOWING and series.is_first(calendar, key):
        scope = EventScope.SERIES
    if scope == EventScope.OCCURRENCE:
        series.exclude(calendar, key, now)
        return Plan(
            _text(calendar),
            shown=(uid, key),
            start=_instant(shown.start),
            end=_instant(shown.end),
            title=title,
            people=people,
            recurring=True,
        )
    if scope == EventScope.FOLLOWING:
        series.truncate(calendar, key, now)
        return Plan(
            _text(calendar),
            shown=(uid, key),
            start=_instant(shown.start),
            title=title,
            people=people,
            recurring=True,
        )
    whole_end = None if recurring else _instant(end_of(master, series.start_of(master)))
    start = min([series_start] + [_instant(series.start_of(c)) for c in overrides(calendar)])
    return Plan(
        None,
        shown=(uid, key),
        start=start,
        end=whole_end,
        title=title,
        people=people,
        recurring=recurring,
    )
