"""Repetition rules the hub writes (RRULE, RFC 5545 §3.3.10), checked at the edge.

A rule is given as its value, without the ``RRULE:`` prefix: ``FREQ=WEEKLY``,
``FREQ=WEEKLY;INTERVAL=2``, ``FREQ=MONTHLY;BYDAY=3TH``, ``FREQ=DAILY;UNTIL=20270630``…
Refused with BAD_INPUT (field ``recurrence``): more than ``MAX_RULE_CHARS`` characters, parts
RFC 5545 does not define, no FREQ, COUNT above the expansion cap, an INTERVAL above
``MAX_INTERVAL``, a rule denser than the agenda reads (``ical.MAX_OCCURRENCES_PER_DAY``, no
SECONDLY or MINUTELY), an UNTIL before the start, and a start that is not itself an
occurrence of the rule: RFC 5545 leaves that series undefined, and calendar clients do
disagree on it.

UNTIL is written as RFC 5545 wants it beside the start the hub writes: a date for an all-day
series, a UTC time for a timed one (a date given for a timed series means the end of that day
in Paris).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import icalendar
from dateutil.rrule import rrulestr

from hub.agenda.ical import InvalidCalendarObject, check_density, rules_of
from hub.agenda.reading import PARIS
from hub.errors import BadInput

MAX_RULE_CHARS = 300
MAX_INTERVAL = 1000
MAX_COUNT = 2000  # expansion.MAX_OCCURRENCES_PER_OBJECT: more would never be shown
PARTS = frozenset(
    {
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYSECOND",
        "BYMINUTE",
        "BYHOUR",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
)
FIELD = "recurrence"


def _refuse(message: str) -> BadInput:
    return BadInput(message, field=FIELD)


def parse_rule(text: str, start: date | datetime) -> icalendar.vRecur | None:
    """The rule typed by a client, checked against the series' first ``start``; None for ""."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    if not value:
        return None
    if len(value) > MAX_RULE_CHARS:
        raise _refuse(f"A repetition rule is at most {MAX_RULE_CHARS} characters.")
    try:
        rule = icalendar.vRecur.from_ical(value)
    except (ValueError, TypeError, KeyError, IndexError):
        raise _refuse(f"'{value}' is not an RRULE (RFC 5545), e.g. FREQ=WEEKLY.") from None
    unknown = sorted(set(rule) - PARTS)
    if unknown:
        raise _refuse(f"Unknown part(s) in the repetition rule: {', '.join(unknown)}.")
    if len(rule.get("FREQ", [])) != 1:
        raise _refuse("A repetition rule has one FREQ, e.g. FREQ=WEEKLY.")
    if "COUNT" in rule and "UNTIL" in rule:
        raise _refuse("A repetition rule has COUNT or UNTIL, not both.")
    count = rule.get("COUNT", [1])[0]
    if not 1 <= count <= MAX_COUNT:
        raise _refuse(f"COUNT is between 1 and {MAX_COUNT}.")
    interval = rule.get("INTERVAL", [1])[0]
    if not 1 <= interval <= MAX_INTERVAL:
        raise _refuse(f"INTERVAL is between 1 and {MAX_INTERVAL}.")
    probe = icalendar.Event()
    probe.add("RRULE", rule)
    try:
        check_density(probe)
    except InvalidCalendarObject as exc:
        raise _refuse(f"This repetition is too dense for the agenda ({exc.reason}).") from None
    return check_rule(rule, start)


def check_rule(rule: icalendar.vRecur, start: date | datetime) -> icalendar.vRecur:
    """``rule`` with UNTIL typed to match ``start``; BAD_INPUT unless ``start`` is its first
    occurrence and UNTIL comes after it."""
    checked = icalendar.vRecur(rule)
    if "UNTIL" in checked:
        checked["UNTIL"] = [_until(checked["UNTIL"][0], start)]
    try:
        expanded = rrulestr(rule_text(checked), dtstart=_moment(start))
        first = expanded.after(_moment(start), inc=True)
    except (ValueError, TypeError, OverflowError):
        raise _refuse("This repetition rule cannot be read.") from None
    if first is None:
        raise _refuse("The repetition ends before the event starts.")
    if first != _moment(start):
        raise _refuse(
            "The event's start is not one of the repetition's days: "
            "start the event on one of them, or change the repetition."
        )
    return checked


def rule_of(component: icalendar.Component) -> icalendar.vRecur | None:
    """The component's (first) RRULE, if any."""
    rules = rules_of(component)
    return icalendar.vRecur(rules[0]) if rules else None


def rule_text(rule: icalendar.vRecur) -> str:
    """The rule as RFC 5545 writes it, without "RRULE:"."""
    written: bytes = cast(Any, rule).to_ical()
    return written.decode("ascii")


def _moment(value: date | datetime) -> datetime:
    """What dateutil compares: a datetime, naive at midnight for a date."""
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _until(until: date | datetime, start: date | datetime) -> date | datetime:
    if not isinstance(start, datetime):
        return until.astimezone(PARIS).date() if isinstance(until, datetime) else until
    if not isinstance(until, datetime):
        # A day, for a timed series: up to the end of that day in Paris.
        end_of_day = datetime.combine(until + timedelta(days=1), time(), PARIS)
        until = end_of_day - timedelta(seconds=1)
    elif until.tzinfo is None:
        until = until.replace(tzinfo=PARIS)
    if start.tzinfo is None:
        return until.astimezone(PARIS).replace(tzinfo=None)
    return until.astimezone(UTC)
