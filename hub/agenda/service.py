"""The merged agenda: which towns a caller reads, their events side by side, and clashes.

An event's people are those of its bookings who are members of its town: a person id left
in a calendar after they left the town (or typed by another client) is not shown, and
membership is what lets a caller of that town see them.

All-day events start and end at midnight, Europe/Paris (their end exclusive, as in
iCalendar). Conflicts pair two events booking the same person at overlapping times, in any
towns; events that only touch (one ends when the other starts) do not clash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.calendars import TownCalendars
from hub.agenda.ical import Occurrence
from hub.agenda.ids import event_id
from hub.agenda.reading import PARIS, SourceProblem, TownSlug, read_towns
from hub.errors import NotFound
from hub.identity.principal import Principal
from hub.people.repository import MembershipRepository
from hub.towns.models import TownLike
from hub.towns.repository import TownRepository

MAX_CONFLICTS = 500


@dataclass(frozen=True, slots=True)
class TownEvent:
    """One occurrence in a town's calendar, as the agenda shows it."""

    id: str
    town_id: str
    occurrence: Occurrence
    start: datetime
    end: datetime
    people: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Clash:
    person_id: str
    first: TownEvent
    second: TownEvent


@dataclass
class AgendaScope:
    """The towns a caller reads, and their members (town id → person ids)."""

    towns: list[TownLike]
    members: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class AgendaView:
    towns: list[TownLike]
    events: list[TownEvent]
    conflicts: list[Clash]
    problems: list[SourceProblem]


def instant(value: date | datetime) -> datetime:
    """An aware instant; a date is midnight in Paris."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=PARIS)
    return datetime.combine(value, time(), PARIS)


async def agenda_scope(
    session: AsyncSession, actor: Principal, slugs: Sequence[str] | None
) -> AgendaScope:
    """The towns named (NOT_FOUND / FORBIDDEN for one not known or not the caller's), or every
    town the caller may see; two queries however many towns (rows, not objects the session
    would track: the agenda only reads them)."""
    repository = TownRepository(session)
    towns: list[TownLike]
    if slugs is None:
        visible = None if actor.hub_admin else actor.working_towns
        towns = list(await repository.visible_records(visible))
    else:
        wanted = list(dict.fromkeys(slugs))
        found = {town.slug: town for town in await repository.by_slugs(wanted)}
        for slug in wanted:
            town = found.get(slug)
            if town is None:
                raise NotFound(f"There is no town '{slug}'.", field="towns")
            actor.require_works_in(town.id, slug)
        towns = sorted(found.values(), key=lambda town: town.name)
    members = await MembershipRepository(session).member_ids([town.id for town in towns])
    return AgendaScope(towns, members)


async def read_agenda(
    calendars: TownCalendars,
    scope: AgendaScope,
    start: datetime,
    end: datetime,
) -> AgendaView:
    """The scope's events overlapping [start, end), sorted by start, with the clashes."""
    refs = [TownSlug(town.id, town.slug) for town in scope.towns]
    reads = await read_towns(calendars, refs, start, end)
    events: list[TownEvent] = []
    problems: list[SourceProblem] = []
    for ref in refs:
        read = reads[ref.id]
        problems.extend(read.problems)
        members = scope.members.get(ref.id, set())
        events.extend(town_event(ref, occurrence, members) for occurrence in read.occurrences)
    events.sort(key=lambda e: (e.start, e.end, e.occurrence.title, e.id))
    return AgendaView(scope.towns, events, find_clashes(events), problems)


def town_event(town: TownSlug, occurrence: Occurrence, members: set[str]) -> TownEvent:
    return TownEvent(
        id=event_id(town.slug, occurrence.uid, occurrence.recurrence_id),
        town_id=town.id,
        occurrence=occurrence,
        start=instant(occurrence.start),
        end=instant(occurrence.end),
        people=tuple(p for p in dict.fromkeys(occurrence.people) if p in members),
    )


def find_clashes(events: Sequence[TownEvent], limit: int = MAX_CONFLICTS) -> list[Clash]:
    """Pairs of events booking one person at overlapping times (sorted input), at most
    ``limit`` of them."""
    by_person: dict[str, list[TownEvent]] = defaultdict(list)
    for event in events:
        for person in event.people:
            by_person[person].append(event)
    clashes: list[Clash] = []
    for person in sorted(by_person):
        running: list[TownEvent] = []
        for event in by_person[person]:
            running = [o for o in running if o.end > event.start or o.start == event.start]
            for other in running:
                if _overlap(other, event):
                    clashes.append(Clash(person, other, event))
                    if len(clashes) >= limit:
                        return clashes
            running.append(event)
    return clashes


def _overlap(first: TownEvent, second: TownEvent) -> bool:
    # Equal starts clash even for instant events (start == end).
    return first.start == second.start or (first.start < second.end and second.start < first.end)
