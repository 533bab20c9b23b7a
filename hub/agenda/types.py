"""GraphQL types of the merged agenda."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from hub.people.types import Person
    from hub.towns.types import Town


@strawberry.type(description="An event of a town's calendar (one occurrence of a recurring one).")
class Event:
    id: strawberry.ID
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str | None
    description: str | None
    town: Annotated[Town, strawberry.lazy("hub.towns.types")]
    people: list[Annotated[Person, strawberry.lazy("hub.people.types")]]
    etag: str | None


@strawberry.type(description="Two events booking the same person at overlapping times.")
class Conflict:
    person: Annotated[Person, strawberry.lazy("hub.people.types")]
    first: Event
    second: Event


@strawberry.type(description="A town whose calendar or files could not be read.")
class SourceError:
    town: Annotated[Town, strawberry.lazy("hub.towns.types")] | None
    source: str
    code: str
    message: str


@strawberry.type
class Agenda:
    events: list[Event]
    conflicts: list[Conflict]
    errors: list[SourceError]
