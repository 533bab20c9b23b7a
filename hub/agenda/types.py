"""GraphQL types of the merged agenda."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.agenda.changes import EventScope
from hub.agenda.reading import SourceProblem
from hub.agenda.service import AgendaView, TownEvent
from hub.gql.context import Info

if TYPE_CHECKING:
    from hub.people.types import Person
    from hub.towns.types import Town


async def _town(info: Info, town_id: str) -> Town:
    from hub.towns.types import Town

    row = await info.context.loaders.town.load(town_id)
    assert row is not None  # read from the database for this very request
    return Town.of(row)


EventScopeType = strawberry.enum(
    EventScope,
    name="EventScope",
    description="Which occurrences of a recurring event updateEvent and deleteEvent act on: "
    "OCCURRENCE (the one named), FOLLOWING (it and the later ones), SERIES (all).",
)


@strawberry.type(description="An event of a town's calendar (one occurrence of a recurring one).")
class Event:
    id: strawberry.ID = strawberry.field(
        description="One per occurrence; updateEvent and deleteEvent take a scope."
    )
    title: str
    start: datetime
    end: datetime
    all_day: bool = strawberry.field(
        description="All-day events start and end at midnight, Europe/Paris (end exclusive)."
    )
    location: str | None
    description: str | None
    etag: str | None = strawberry.field(description="Give it back to updateEvent/deleteEvent.")
    recurring: bool = strawberry.field(description="One occurrence of a series.")
    recurrence: str | None = strawberry.field(
        description='The series\' RRULE (RFC 5545, without "RRULE:"), null for a single event '
        "or a series made of dates only."
    )
    town: Annotated[Town, strawberry.lazy("hub.towns.types")]
    people: list[Annotated[Person, strawberry.lazy("hub.people.types")]] = strawberry.field(
        description="Members of the event's town it books."
    )

    @classmethod
    def of(cls, event: TownEvent, town: Town, people: list[Person]) -> Event:
        occurrence = event.occurrence
        return cls(
            id=strawberry.ID(event.id),
            title=occurrence.title,
            start=event.start,
            end=event.end,
            all_day=occurrence.all_day,
            location=occurrence.location or None,
            description=occurrence.description or None,
            etag=occurrence.etag or None,
            recurring=occurrence.recurring,
            recurrence=occurrence.rule,
            town=town,
            people=people,
        )


@strawberry.type(description="Two events booking the same person at overlapping times.")
class Conflict:
    first: Event
    second: Event
    person: Annotated[Person, strawberry.lazy("hub.people.types")]


@strawberry.type(description="A town whose calendar or files could not be read.")
class SourceError:
    source: str = strawberry.field(description='"calendar" or "files".')
    code: str = strawberry.field(
        description="TIMEOUT, BACKEND_UNAVAILABLE, INCOMPLETE, CALENDAR_MISSING, INVALID_EVENT…"
    )
    message: str
    town_id: strawberry.Private[str | None]

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")] | None:
        return None if self.town_id is None else await _town(info, self.town_id)

    @classmethod
    def of(cls, problem: SourceProblem) -> SourceError:
        return cls(
            source=problem.source,
            code=problem.code,
            message=problem.message,
            town_id=problem.town_id,
        )


@strawberry.type
class Agenda:
    events: list[Event]
    conflicts: list[Conflict] = strawberry.field(
        description="Pairs of events booking one person at overlapping times, in any towns."
    )
    errors: list[SourceError] = strawberry.field(
        description="One per town (or skipped object) that could not be read; the rest is here."
    )


async def agenda_of(info: Info, view: AgendaView) -> Agenda:
    """The agenda with every event's town and people at hand.

    The people of all the events come in one DataLoader batch, and each event gets them as
    values: graphql-core completes an awaited field through a future and a gather, so two
    awaited resolvers an event cost more than the rest of the agenda (50 events: ~7 ms of
    the ~24 ms of a warm agenda's CPU; README "Scale")."""
    from hub.people.types import Person
    from hub.towns.types import Town

    towns = {row.id: Town.of(row) for row in view.towns}
    wanted = list(dict.fromkeys(person for event in view.events for person in event.people))
    rows = await info.context.loaders.person.load_many(wanted)
    people = {row.id: Person.of(row) for row in rows if row is not None}
    events: dict[str, Event] = {}
    for event in view.events:
        booked = [people[p] for p in event.people if p in people]
        events[event.id] = Event.of(event, towns[event.town_id], booked)
    return Agenda(
        events=list(events.values()),
        conflicts=[
            Conflict(
                first=events[clash.first.id],
                second=events[clash.second.id],
                person=people[clash.person_id],
            )
            for clash in view.conflicts
            if clash.person_id in people  # a member of the events' towns, read just now
        ],
        errors=[SourceError.of(problem) for problem in view.problems],
    )


async def event_of(info: Info, event: TownEvent) -> Event:
    """One event (a write's answer) with its town and people, through the DataLoaders."""
    from hub.people.types import Person
    from hub.towns.types import Town

    town = await info.context.loaders.town.load(event.town_id)
    assert town is not None  # the caller was just allowed to write in it
    rows = await info.context.loaders.person.load_many(list(event.people))
    return Event.of(event, Town.of(town), [Person.of(row) for row in rows if row is not None])
