"""GraphQL types of the time-sharing report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from hub.people.types import Person
    from hub.towns.types import Town


@strawberry.type
class AllocationRow:
    town: Annotated[Town, strawberry.lazy("hub.towns.types")]
    agreed_share: float
    hours: float
    actual_share: float


@strawberry.type(description="Hours booked per town in a month, against the agreed shares.")
class AllocationReport:
    month: str
    person: Annotated[Person, strawberry.lazy("hub.people.types")]
    rows: list[AllocationRow]
    total_hours: float
    csv_url: str
