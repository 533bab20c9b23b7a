"""What the monthly report says besides each town's hours: the hours already done, and the
times booked in two towns at once (each town's hours count them: the agenda's conflicts,
seen from the finance officers' side).

Both read the occurrences the report counted (``Report.booked``). Double bookings are between
timed events; an all-day event, which counts as a working day, is not compared by the hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.agenda.ical import Occurrence
from hub.allocation.service import Month, booked_hours, timed_periods, union

MAX_DOUBLE_BOOKINGS = 200


@dataclass(frozen=True)
class DoubleBooking:
    start: datetime
    end: datetime
    town_ids: tuple[str, str]

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def hours_done(occurrences: Sequence[Occurrence], month: Month, now: datetime) -> float:
    """The town's hours of the month that are past at ``now`` (same rules as the report)."""
    if now <= month.start:
        return 0.0
    past = Month(month.label, month.start, min(month.end, max(now, month.start)))
    return booked_hours(occurrences, past)


def double_booked(booked: Mapping[str, Sequence[Occurrence]], month: Month) -> list[DoubleBooking]:
    """Each stretch of time booked in two towns' calendars, by start (at most
    ``MAX_DOUBLE_BOOKINGS``)."""
    periods = {town: union(timed_periods(found, month)) for town, found in booked.items()}
    towns = list(periods)  # the report's order: by town name
    found: list[DoubleBooking] = []
    for index, first in enumerate(towns):
        for second in towns[index + 1 :]:
            found.extend(_common(periods[first], periods[second], (first, second)))
    found.sort(key=lambda overlap: overlap.start)
    return found[:MAX_DOUBLE_BOOKINGS]


def _common(
    first: Sequence[tuple[datetime, datetime]],
    second: Sequence[tuple[datetime, datetime]],
    towns: tuple[str, str],
) -> list[DoubleBooking]:
    """The intersections of two sorted lists of disjoint periods (a merge in one pass)."""
    common: list[DoubleBooking] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            common.append(DoubleBooking(start.astimezone(UTC), end.astimezone(UTC), towns))
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return common
