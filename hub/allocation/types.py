"""GraphQL types of the time-sharing report."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

import strawberry

from hub.allocation.late_changes import ELSEWHERE, late_changes
from hub.allocation.overlaps import double_booked, hours_done
from hub.allocation.service import Report
from hub.gql.context import Info

if TYPE_CHECKING:
    from hub.people.types import Person
    from hub.towns.types import Town


@strawberry.type
class AllocationRow:
    town: Annotated[Town, strawberry.lazy("hub.towns.types")]
    agreed_share: float = strawberry.field(description="The membership's share (0 if none).")
    hours: float = strawberry.field(description="Hours booked in the town's calendar.")
    actual_share: float = strawberry.field(description="hours / totalHours (0 when no hours).")
    hours_done: float = strawberry.field(
        description="Of hours, those already past (all of them once the month has ended)."
    )
    hours_planned: float = strawberry.field(description="Of hours, those still to come.")


@strawberry.type(
    description="A stretch of time booked in two towns' calendars at once: each town's hours "
    "count it."
)
class DoubleBooking:
    start: datetime
    end: datetime
    hours: float
    town_ids: strawberry.Private[tuple[str, str]]

    @strawberry.field(description="The two towns.")
    async def towns(self, info: Info) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        from hub.towns.types import Town

        rows = await info.context.loaders.town.load_many(list(self.town_ids))
        return [Town.of(row) for row in rows if row is not None]


@strawberry.enum(description="How an event of the month was changed after the month ended.")
class LateChangeKind(Enum):
    CREATED = "event.create"
    UPDATED = "event.update"
    DELETED = "event.delete"
    ELSEWHERE = ELSEWHERE
    """In another calendar application (its LAST-MODIFIED); by whom is not known."""


@strawberry.type(description="An event of the month changed after the month ended.")
class LateChange:
    at: datetime
    title: str = strawberry.field(description="The event's title (before the change).")
    kind: LateChangeKind
    town_id: strawberry.Private[str]
    actor_id: strawberry.Private[str | None]

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")]:
        from hub.towns.types import Town

        row = await info.context.loaders.town.load(self.town_id)
        assert row is not None  # one of the report's towns
        return Town.of(row)

    @strawberry.field(description="Who made it through the hub; null for another application.")
    async def by(self, info: Info) -> Annotated[Person, strawberry.lazy("hub.people.types")] | None:
        from hub.people.types import Person

        if self.actor_id is None:
            return None
        row = await info.context.loaders.person.load(self.actor_id)
        return Person.of(row) if row is not None else None


@strawberry.type(
    description="Hours booked per town in a month (Europe/Paris), against the agreed shares. "
    "Timed events count their union per town; a weekday covered by an all-day event counts "
    "7 h; an hour booked in two towns counts in each."
)
class AllocationReport:
    month: str
    person: Annotated[Person, strawberry.lazy("hub.people.types")]
    rows: list[AllocationRow]
    total_hours: float
    csv_url: str = strawberry.field(
        description="The same as CSV (French locale), authenticated like the API."
    )
    timezone: str = strawberry.field(description='The months\'s days are those of "Europe/Paris".')
    report: strawberry.Private[Report]

    @strawberry.field(
        description="Times booked in two towns' calendars at once (timed events), by start."
    )
    def double_booked(self) -> list[DoubleBooking]:
        return [
            DoubleBooking(
                start=overlap.start,
                end=overlap.end,
                hours=round(overlap.hours, 2),
                town_ids=overlap.town_ids,
            )
            for overlap in double_booked(self.report.booked, self.report.month)
        ]

    @strawberry.field(
        description="Once the month has ended: its events (booking the person) created, "
        "changed or deleted since, newest first — a report already sent may differ from this one."
    )
    async def late_changes(self, info: Info) -> list[LateChange]:
        month = self.report.month
        async with info.context.db() as session:
            found = await late_changes(
                session,
                self.report.person.id,
                month.start,
                month.end,
                self.report.booked,
                datetime.now(UTC),
            )
        return [
            LateChange(
                at=change.at,
                title=change.title,
                kind=LateChangeKind(change.action),
                town_id=change.town_id,
                actor_id=change.actor_id,
            )
            for change in found
        ]

    @classmethod
    def of(cls, report: Report, base_url: str) -> AllocationReport:
        from hub.people.types import Person
        from hub.towns.types import Town

        query = urlencode({"person": report.person.id})
        now = datetime.now(UTC)
        done = {
            row.town.id: round(hours_done(report.booked.get(row.town.id, []), report.month, now), 2)
            for row in report.rows
        }
        return cls(
            month=report.month.label,
            person=Person.of(report.person),
            rows=[
                AllocationRow(
                    town=Town.of(row.town),
                    agreed_share=row.agreed_share,
                    hours=row.hours,
                    actual_share=round(row.actual_share, 4),
                    hours_done=done[row.town.id],
                    hours_planned=round(max(0.0, row.hours - done[row.town.id]), 2),
                )
                for row in report.rows
            ],
            total_hours=report.total_hours,
            csv_url=f"{base_url}/allocation/{report.month.label}.csv?{query}",
            timezone="Europe/Paris",
            report=report,
        )
