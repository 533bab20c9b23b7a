"""The merged agenda and its events."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.agenda.types import Agenda, Event
from hub.allocation.types import AllocationReport
from hub.errors import NotFound
from hub.gql.context import Info

CALENDARS_PENDING = "Calendars are not connected to this hub yet."


@strawberry.input
class EventInput:
    town: str
    title: str
    start: datetime
    end: datetime
    all_day: bool | None = False
    location: str | None = None
    description: str | None = None
    people: list[strawberry.ID] | None = strawberry.field(default_factory=list)


@strawberry.type
class AgendaQuery:
    @strawberry.field(description="Events of the caller's towns in a window, merged and sorted.")
    async def agenda(
        self, info: Info, start: datetime, end: datetime, towns: list[str] | None = None
    ) -> Agenda:
        info.context.principal  # noqa: B018 - authenticate before answering
        return Agenda(events=[], conflicts=[], errors=[])

    @strawberry.field(description='A pooled manager\'s hours per town; month = "2026-11".')
    async def allocation(
        self, info: Info, month: str, person: strawberry.ID | None = None
    ) -> AllocationReport:
        info.context.principal  # noqa: B018
        raise NotFound(CALENDARS_PENDING)


@strawberry.type
class AgendaMutation:
    @strawberry.mutation
    async def create_event(self, info: Info, input: EventInput) -> Event:
        info.context.principal  # noqa: B018
        raise NotFound(CALENDARS_PENDING)

    @strawberry.mutation(description="A stale etag answers CONFLICT and changes nothing.")
    async def update_event(
        self, info: Info, id: strawberry.ID, input: EventInput, etag: str | None = None
    ) -> Event:
        info.context.principal  # noqa: B018
        raise NotFound(CALENDARS_PENDING)

    @strawberry.mutation
    async def delete_event(self, info: Info, id: strawberry.ID, etag: str | None = None) -> bool:
        info.context.principal  # noqa: B018
        raise NotFound(CALENDARS_PENDING)
