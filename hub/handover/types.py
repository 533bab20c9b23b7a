"""GraphQL types of handovers and their previews."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.gql.context import Info
from hub.handover.models import Handover as HandoverModel
from hub.handover.models import HandoverTown as HandoverTownModel
from hub.handover.plan import Move
from hub.people.types import Person, RoleType

if TYPE_CHECKING:
    from hub.towns.types import Town

TownType = Annotated["Town", strawberry.lazy("hub.towns.types")]


async def _town(info: Info, town_id: str) -> Town:
    from hub.towns.types import Town

    row = await info.context.loaders.town.load(town_id)
    assert row is not None  # a foreign key guarantees it
    return Town.of(row)


async def _person(info: Info, person_id: str) -> Person:
    row = await info.context.loaders.person.load(person_id)
    assert row is not None
    return Person.of(row)


@strawberry.type(description="What a handover would change in one town.")
class HandoverMove:
    role: RoleType = strawberry.field(description="The outgoing person's role there.")  # type: ignore[valid-type]
    share: float | None = strawberry.field(description="The outgoing person's share there.")
    incoming_role: RoleType | None = strawberry.field(  # type: ignore[valid-type]
        description="The incoming person's role there now, if they work there."
    )
    incoming_share: float | None
    resulting_role: RoleType  # type: ignore[valid-type]
    resulting_share: float | None
    events: int | None = strawberry.field(
        description="Events booking the outgoing person from the effective day on, re-booked "
        "to the incoming one (null: the town's calendar could not be read)."
    )
    town_id: strawberry.Private[str]

    @classmethod
    def of(cls, move: Move, events: int | None) -> HandoverMove:
        return cls(
            role=move.role,
            share=move.share,
            incoming_role=move.incoming_role,
            incoming_share=move.incoming_share,
            resulting_role=move.resulting_role,
            resulting_share=move.resulting_share,
            events=events,
            town_id=move.town.id,
        )

    @strawberry.field
    async def town(self, info: Info) -> TownType:
        return await _town(info, self.town_id)


@strawberry.type(description="The preview of a handover: nothing is changed yet.")
class HandoverPlan:
    effective: date
    moves: list[HandoverMove]
    outgoing: Person
    incoming: Person


@strawberry.type(description="A handover's progress in one town.")
class HandoverTown:
    role: RoleType = strawberry.field(description="The role the incoming person takes.")  # type: ignore[valid-type]
    share: float | None = strawberry.field(description="Their share there once done.")
    done: bool
    events_moved: int = strawberry.field(description="Events re-booked to the incoming person.")
    error: str | None = strawberry.field(description="Why the last attempt failed there.")
    town_id: strawberry.Private[str]

    @classmethod
    def of(cls, row: HandoverTownModel) -> HandoverTown:
        return cls(
            role=row.role,
            share=row.share,
            done=row.membership_done and row.events_done,
            events_moved=row.events_moved,
            error=row.error,
            town_id=row.town_id,
        )

    @strawberry.field
    async def town(self, info: Info) -> TownType:
        return await _town(info, self.town_id)


@strawberry.type(description="A pooled post handed over; handOver again finishes one cut off.")
class Handover:
    id: strawberry.ID
    effective: date
    offboard: bool = strawberry.field(description="The outgoing person is offboarded at the end.")
    complete: bool
    error: str | None = strawberry.field(description="Why offboarding failed, once all was done.")
    towns: list[HandoverTown]
    outgoing_id: strawberry.Private[str]
    incoming_id: strawberry.Private[str]

    @classmethod
    def of(cls, row: HandoverModel, towns: list[HandoverTownModel]) -> Handover:
        return cls(
            id=strawberry.ID(row.id),
            effective=row.effective,
            offboard=row.offboard,
            complete=row.complete,
            error=row.error,
            towns=[HandoverTown.of(t) for t in towns],
            outgoing_id=row.outgoing_id,
            incoming_id=row.incoming_id,
        )

    @strawberry.field
    async def outgoing(self, info: Info) -> Person:
        return await _person(info, self.outgoing_id)

    @strawberry.field
    async def incoming(self, info: Info) -> Person:
        return await _person(info, self.incoming_id)
