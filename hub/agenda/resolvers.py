"""The merged agenda and its events."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.agenda import service, writing
from hub.agenda.changes import EventScope
from hub.agenda.types import Agenda, Event, EventScopeType, agenda_of, event_of
from hub.agenda.window import check_window
from hub.gql.context import Info
from hub.gql.cost import BACKEND_CALL


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
    recurrence: str | None = strawberry.field(
        default=None,
        description='An RRULE (RFC 5545) without "RRULE:", e.g. "FREQ=WEEKLY;INTERVAL=2" or '
        '"FREQ=MONTHLY;BYDAY=3TH"; the start must be one of its occurrences. createEvent: '
        'null or "" for a single event. updateEvent: null keeps the series\' rule, "" ends '
        "the repetition (scope SERIES or FOLLOWING); with scope OCCURRENCE only null or the "
        "series' own rule.",
    )

    def data(self) -> writing.EventData:
        return writing.EventData(
            town=self.town,
            title=self.title,
            start=self.start,
            end=self.end,
            all_day=bool(self.all_day),
            location=self.location or "",
            description=self.description or "",
            people=tuple(str(p) for p in self.people or ()),
            recurrence=self.recurrence,
        )


@strawberry.type
class AgendaQuery:
    @strawberry.field(
        description="Events of the caller's towns (or those listed) in [start, end), at most "
        "366 days, recurrences expanded, sorted by start; a town that fails is in errors.",
        metadata=BACKEND_CALL,
    )
    async def agenda(
        self, info: Info, start: datetime, end: datetime, towns: list[str] | None = None
    ) -> Agenda:
        principal = info.context.principal
        check_window(start, end)
        async with info.context.db() as session:
            scope = await service.agenda_scope(session, principal, towns)
        for town in scope.towns:
            info.context.loaders.town.prime(town.id, town)
        calendars = info.context.services.backends.calendars
        return await agenda_of(info, await service.read_agenda(calendars, scope, start, end))


@strawberry.type
class AgendaMutation:
    @strawberry.mutation(description="Members of the town (and hub admins) write its events.")
    async def create_event(self, info: Info, input: EventInput) -> Event:
        principal = info.context.principal
        calendars = info.context.services.backends.calendars
        async with info.context.db() as session:
            event = await writing.create_event(session, principal, calendars, input.data())
        return await event_of(info, event)

    @strawberry.mutation(
        description="Changes one occurrence (scope OCCURRENCE, the default), it and the "
        "following ones (FOLLOWING: the series is split) or every occurrence (SERIES: moving "
        "this one moves them all); a single event is changed whatever the scope. A stale etag "
        "answers CONFLICT and changes nothing."
    )
    async def update_event(
        self,
        info: Info,
        id: strawberry.ID,
        input: EventInput,
        etag: str | None = None,
        scope: EventScopeType | None = EventScope.OCCURRENCE,  # type: ignore[valid-type]
    ) -> Event:
        principal = info.context.principal
        calendars = info.context.services.backends.calendars
        async with info.context.db() as session:
            event = await writing.update_event(
                session,
                principal,
                calendars,
                str(id),
                input.data(),
                etag,
                EventScope(scope or EventScope.OCCURRENCE),
            )
        return await event_of(info, event)

    @strawberry.mutation(
        description="Deletes one occurrence (scope OCCURRENCE, the default: an exception in "
        "the series), it and the following ones (FOLLOWING) or the whole series (SERIES); a "
        "single event is deleted whatever the scope."
    )
    async def delete_event(
        self,
        info: Info,
        id: strawberry.ID,
        etag: str | None = None,
        scope: EventScopeType | None = EventScope.OCCURRENCE,  # type: ignore[valid-type]
    ) -> bool:
        principal = info.context.principal
        calendars = info.context.services.backends.calendars
        async with info.context.db() as session:
            return await writing.delete_event(
                session,
                principal,
                calendars,
                str(id),
                etag,
                EventScope(scope or EventScope.OCCURRENCE),
            )
