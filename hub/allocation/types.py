"""GraphQL types of the time-sharing report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

import strawberry

from hub.allocation.service import Report

if TYPE_CHECKING:
    from hub.people.types import Person
    from hub.towns.types import Town


@strawberry.type
class AllocationRow:
    town: Annotated[Town, strawberry.lazy("hub.towns.types")]
    agreed_share: float = strawberry.field(description="The membership's share (0 if none).")
    hours: float = strawberry.field(description="Hours booked in the town's calendar.")
    actual_share: float = strawberry.field(description="hours / totalHours (0 when no hours).")


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

    @classmethod
    def of(cls, report: Report, base_url: str) -> AllocationReport:
        from hub.people.types import Person
        from hub.towns.types import Town

        query = urlencode({"person": report.person.id})
        return cls(
            month=report.month.label,
            person=Person.of(report.person),
            rows=[
                AllocationRow(
                    town=Town.of(row.town),
                    agreed_share=row.agreed_share,
                    hours=row.hours,
                    actual_share=round(row.actual_share, 4),
                )
                for row in report.rows
            ],
            total_hours=report.total_hours,
            csv_url=f"{base_url}/allocation/{report.month.label}.csv?{query}",
            timezone="Europe/Paris",
        )
