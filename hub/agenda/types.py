"""GraphQL types of the merged agenda."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.agenda.changes import EventScope
from hub.agenda.reading import SourceProblem
from hub.agenda.service import AgendaView, Clash, TownEvent
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
    town_id: strawberry.Private[str]
    person_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def of(cls, event: TownEvent) -> Event:
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
            town_id=event.town_id,
            person_ids=event.people,
        )

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")]:
        return await _town(info, self.town_id)

    @strawberry.field(description="Members of the event's town it books.")
    async def people(
        self, info: Info
    ) -> list[Annotated[Person, strawberry.lazy("hub.people.types")]]:
        from hub.people.types import Person

        rows = await info.context.loaders.person.load_many(list(self.person_ids))
        return [Person.of(row) for row in rows if row is not None]


@strawberry.type(description="Two events booking the same person at overlapping times.")
class Conflict:
    first: Event
    second: Event
    person_id: strawberry.Private[str]

    @strawberry.field
    async def person(self, info: Info) -> Annotated[Person, strawberry.lazy("hub.people.types")]:
        from hub.people.types import Person

        row = await info.context.loaders.person.load(self.person_id)
        assert row is not None  # a member of the events' towns
        return Person.of(row)


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

    @classmethod
    def of(cls, view: AgendaView) -> Agenda:
        events = {event.id: Event.of(event) for event in view.events}
        return cls(
            events=list(events.values()),
            conflicts=[_conflict(clash, events) for clash in view.conflicts],
            errors=[SourceError.of(problem) for problem in view.problems],
        )


def _conflict(clash: Clash, events: dict[str, Event]) -> Conflict:
    return Conflict(
        first=events[clash.first.id], second=events[clash.second.id], person_id=clash.person_id
    )
