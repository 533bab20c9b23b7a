"""The monthly split of a person's booked hours between their towns.

How hours are counted (the month and its days are those of Europe/Paris):

- A town's hours are the events of **that town's calendar** that book the person,
  recurrences expanded, clipped to the month.
- Timed events: the union of their periods, so two overlapping events of one town count
  their common time once.
- All-day events: a weekday (Monday to Friday) they cover counts as a working day of
  ``HOURS_PER_ALL_DAY`` (7 h) for the town, or that town's timed hours of the day when
  greater; Saturdays and Sundays count nothing.
- Across towns nothing is merged: an hour booked in two towns' calendars counts in each (the
  agenda shows it as a conflict to resolve), since each town's finance officer checks the
  report against their own calendar.
- agreed share = the membership's share (0 when none was agreed); actual share = the town's
  hours / the total (0 when there is no hour at all).

A town whose calendar cannot be read fails the report (BACKEND_UNAVAILABLE): a split missing
a town would be wrong, not partial. Unreadable objects are left out, as in the agenda.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.calendars import TownCalendars
from hub.agenda.ical import Occurrence
from hub.agenda.reading import PARIS, TownSlug, read_towns
from hub.agenda.service import instant
from hub.errors import BackendUnavailable, BadInput, Forbidden, NotFound
from hub.identity.principal import Principal
from hub.people.models import Person
from hub.people.repository import MembershipRepository, PersonRepository
from hub.towns.models import Town
from hub.towns.repository import TownRepository

HOURS_PER_ALL_DAY = 7.0
TIMEZONE = "Europe/Paris"
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Month:
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Row:
    town: Town
    agreed_share: float
    hours: float
    actual_share: float


@dataclass(frozen=True)
class Report:
    month: Month
    person: Person
    rows: list[Row]
    total_hours: float
    booked: dict[str, list[Occurrence]] = field(default_factory=dict)
    """The month's occurrences booking the person, by town id."""


@dataclass(frozen=True)
class Scope:
    person: Person
    towns: list[tuple[Town, float]]


def parse_month(text: str) -> Month:
    """``YYYY-MM`` → the month's bounds in Paris; BAD_INPUT otherwise."""
    found = _MONTH.fullmatch(text.strip())
    year, number = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        raise BadInput('Give the month as "YYYY-MM", e.g. "2026-11".', field="month")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return Month(
        f"{year:04d}-{number:02d}",
        datetime.combine(first, time(), PARIS),
        datetime.combine(following, time(), PARIS),
    )


async def report_scope(session: AsyncSession, actor: Principal, person_id: str | None) -> Scope:
    """Whose report, and which of their towns the caller may see in it.

    Your own report shows the towns you work in (not those you are the DPO of); someone
    else's needs a hub admin (all their towns) or an administrator of some of their towns
    (those towns only).
    """
    wanted = person_id or actor.person_id
    person = await PersonRepository(session).get(wanted)
    if person is None:
        raise NotFound("There is no such person.", field="person")
    memberships = await MembershipRepository(session).of_people([person.id])
    if person.id == actor.person_id:  # a DPO's towns are not read: they see no agenda there
        memberships = [m for m in memberships if actor.works_in(m.town_id)]
    else:
        memberships = [m for m in memberships if actor.administers(m.town_id)]
        if not memberships and not actor.hub_admin:
            raise Forbidden(
                "Only hub administrators, or administrators of their towns, "
                "may read someone else's report."
            )
    shares = {m.town_id: m.share or 0.0 for m in memberships}
    towns = sorted(await TownRepository(session).by_ids(list(shares)), key=lambda t: t.name)
    return Scope(person, [(town, shares[town.id]) for town in towns])


async def build_report(calendars: TownCalendars, scope: Scope, month: Month) -> Report:
    refs = [TownSlug(town.id, town.slug) for town, _ in scope.towns]
    reads = await read_towns(calendars, refs, month.start, month.end)
    hours: dict[str, float] = {}
    booked_by_town: dict[str, list[Occurrence]] = {}
    for ref in refs:
        read = reads[ref.id]
        failed = [p for p in read.problems if p.code not in ("INVALID_EVENT", "RECURRENCE_CAPPED")]
        if failed:
            raise BackendUnavailable(f"{failed[0].message} The report needs every town.")
        booked = [o for o in read.occurrences if scope.person.id in o.people]
        booked_by_town[ref.id] = booked
        hours[ref.id] = booked_hours(booked, month)
    total = sum(hours.values())
    rows = [
        Row(town, share, round(hours[town.id], 2), hours[town.id] / total if total else 0.0)
        for town, share in scope.towns
    ]
    return Report(month, scope.person, rows, round(total, 2), booked_by_town)


def booked_hours(occurrences: Sequence[Occurrence], month: Month) -> float:
    """One town's hours in the month, by the rules in this module's docstring."""
    periods = timed_periods(occurrences, month)
    per_day: dict[date, float] = defaultdict(float)
    for start, end in union(periods):
        _spread(start, end, per_day)
    for o in occurrences:
        if o.all_day:
            for day in _days(o, month):
                if day.weekday() < 5:
                    per_day[day] = max(per_day[day], HOURS_PER_ALL_DAY)
    return sum(per_day.values())


def timed_periods(
    occurrences: Sequence[Occurrence], month: Month
) -> list[tuple[datetime, datetime]]:
    """The timed occurrences' periods clipped to the month, sorted."""
    return sorted(
        (max(instant(o.start), month.start), min(instant(o.end), month.end))
        for o in occurrences
        if not o.all_day
    )


def union(periods: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in periods:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _spread(start: datetime, end: datetime, per_day: dict[date, float]) -> None:
    """Add [start, end) to the Paris days it covers (in UTC: DST days last 23 or 25 h)."""
    cursor = start.astimezone(UTC)
    stop = end.astimezone(UTC)
    while cursor < stop:
        local = cursor.astimezone(PARIS)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(), PARIS)
        piece = min(stop, midnight.astimezone(UTC))
        per_day[local.date()] += (piece - cursor).total_seconds() / 3600
        cursor = piece


def _days(occurrence: Occurrence, month: Month) -> list[date]:
    first = max(_as_date(occurrence.start), month.start.date())
    last = min(_as_date(occurrence.end), month.end.date())
    return [first + timedelta(days=n) for n in range((last - first).days)]


def _as_date(value: date | datetime) -> date:
    return value.astimezone(PARIS).date() if isinstance(value, datetime) else value
