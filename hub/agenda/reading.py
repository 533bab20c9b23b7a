"""Reading towns' calendars concurrently: one fetch per town under its own deadline.

A town whose server fails, answers too late or is not configured gives a ``SourceProblem``;
the other towns' occurrences still come back. An object that cannot be read, or whose
recurrence was cut at the cap, gives one too (the rest of that calendar still comes back).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from connectors.calendar.port import CalendarStore, SyncState
from connectors.errors import ConnectorError, NotFound, ParentMissing
from hub.agenda.calendars import TownCalendars
from hub.agenda.expansion import Expansion, expand_parsed
from hub.agenda.ical import InvalidCalendarObject, Occurrence
from hub.agenda.window import may_overlap
from hub.backend_errors import describe
from hub.errors import HubError

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
"""The towns' timezone: all-day events and floating times are read in it."""

SOURCE = "calendar"


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Why (part of) a town's calendar is missing from an answer."""

    town_id: str | None
    code: str
    message: str
    source: str = SOURCE


@dataclass(frozen=True, slots=True)
class TownSlug:
    id: str
    slug: str


@dataclass
class TownRead:
    occurrences: list[Occurrence] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)


async def read_town(
    calendars: TownCalendars, town: TownSlug, start: datetime, end: datetime
) -> TownRead:
    """The town's occurrences in [start, end) (``start`` in the zone to read dates in)."""
    store = calendars.store_for(town.slug)
    state = await calendars.synced(town.slug, store)
    read = TownRead()
    for href in sorted(state.unreadable):
        read.problems.append(
            SourceProblem(
                town.id,
                "EVENT_UNREADABLE",
                f"{_name(href)}: the calendar server lists this event but does not give "
                "its content; it is missing here.",
            )
        )
    window = (start, end)
    expansion = calendars.expansion(town.slug, store, state, window)
    if expansion is None:
        expansion = _expand(calendars, town.slug, store, state, start, end)
        calendars.keep_expansion(town.slug, store, state, window, expansion)
    read.occurrences.extend(expansion.occurrences)
    read.problems.extend(_invalid(town, exc) for exc in expansion.invalid)
    read.problems.extend(
        SourceProblem(
            town.id,
            "RECURRENCE_CAPPED",
            f"{_name(href)}: only the first occurrences in the window are shown.",
        )
        for href in expansion.capped
    )
    return read


def _expand(
    calendars: TownCalendars,
    slug: str,
    store: CalendarStore,
    state: SyncState,
    start: datetime,
    end: datetime,
) -> Expansion:
    """Every object's occurrences in [start, end), in the order of the objects."""
    expansion = Expansion()
    for obj in state.objects.values():
        if not may_overlap(obj.ical, start, end):
            continue
        parsed = calendars.parsed(slug, store, obj)
        try:
            if isinstance(parsed, InvalidCalendarObject):
                raise parsed
            found, capped = expand_parsed(parsed, obj, start, end)
        except InvalidCalendarObject as exc:
            expansion.invalid.append(exc)
            continue
        expansion.occurrences.extend(found)
        if capped:
            expansion.capped.append(obj.href)
    return expansion


async def read_towns(
    calendars: TownCalendars,
    towns: Sequence[TownSlug],
    start: datetime,
    end: datetime,
) -> dict[str, TownRead]:
    """Every town's read, by town id, fetched concurrently; a failed town gets a problem."""
    zoned_start, zoned_end = start.astimezone(PARIS), end.astimezone(PARIS)
    outcomes = await asyncio.gather(
        *(read_town(calendars, town, zoned_start, zoned_end) for town in towns),
        return_exceptions=True,
    )
    reads: dict[str, TownRead] = {}
    for town, outcome in zip(towns, outcomes, strict=True):
        if isinstance(outcome, TownRead):
            reads[town.id] = outcome
        elif isinstance(outcome, asyncio.CancelledError):
            raise outcome
        else:
            reads[town.id] = TownRead(problems=[_failure(town, outcome)])
    return reads


def _name(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]


def _invalid(town: TownSlug, exc: InvalidCalendarObject) -> SourceProblem:
    # The reason names the rule broken, never the object's content.
    return SourceProblem(town.id, "INVALID_EVENT", f"{_name(exc.href)} skipped: {exc.reason}"[:300])


def _failure(town: TownSlug, exc: BaseException) -> SourceProblem:
    if isinstance(exc, TimeoutError):
        return SourceProblem(
            town.id, "TIMEOUT", f"The calendar of '{town.slug}' did not answer in time."
        )
    if isinstance(exc, NotFound) and not isinstance(exc, ParentMissing):
        return SourceProblem(
            town.id,
            "CALENDAR_MISSING",
            f"'{town.slug}' has no calendar yet: run provisionTown again.",
        )
    if isinstance(exc, ConnectorError):
        # the one translator's sentence (down, skipped, or the hub's account refused)
        return SourceProblem(
            town.id,
            "BACKEND_UNAVAILABLE",
            f"The calendar of '{town.slug}' could not be read: " + describe(exc, "calendar server"),
        )
    if isinstance(exc, HubError):
        return SourceProblem(town.id, exc.code.value, exc.message)
    log.error("reading the calendar of %s failed", town.slug, exc_info=exc)
    return SourceProblem(town.id, "INTERNAL", f"The calendar of '{town.slug}' could not be read.")
