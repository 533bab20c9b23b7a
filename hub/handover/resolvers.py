"""Handing a pooled post over, and its preview."""

from __future__ import annotations

from datetime import date

import strawberry

from hub.gql.context import Info
from hub.gql.cost import BACKEND_CALL
from hub.handover import service
from hub.handover.types import Handover, HandoverMove, HandoverPlan
from hub.people.types import Person


def _limits(info: Info) -> service.Limits:
    return service.Limits(step=info.context.services.settings.backend_timeout)


@strawberry.type
class HandoverQuery:
    @strawberry.field(
        description="What handOver would change (hub admins): each town's role and share, and "
        "the events to re-book; refused as handOver would be, and nothing is written.",
        metadata=BACKEND_CALL,
    )
    async def hand_over_preview(
        self,
        info: Info,
        outgoing: strawberry.ID,
        incoming: strawberry.ID,
        towns: list[str],
        effective: date,
    ) -> HandoverPlan:
        services = info.context.services
        asked = service.Asked(str(outgoing), str(incoming), tuple(towns), effective)
        async with info.context.db() as session:
            found = await service.preview(
                session, services.backends, info.context.principal, asked, _limits(info)
            )
        return HandoverPlan(
            effective=found.effective,
            moves=[HandoverMove.of(m, found.events[m.town.id]) for m in found.moves],
            outgoing=Person.of(found.people.outgoing),
            incoming=Person.of(found.people.incoming),
        )

    @strawberry.field(description="Hub admins: the latest handovers, unfinished ones first.")
    async def handovers(self, info: Info) -> list[Handover]:
        async with info.context.db() as session:
            rows = await service.recent(session, info.context.principal)
            towns = await service.towns_of(session, [row.id for row in rows])
        return [Handover.of(row, towns[row.id]) for row in rows]


@strawberry.type
class HandoverMutation:
    @strawberry.mutation(
        description="Hub admins: in each town, the outgoing person's role and share go to the "
        "incoming one and their events from the effective day on are re-booked (past ones "
        "untouched, series split); files and calendars stay the towns'. One audit entry per "
        "town; a town that fails keeps its error and the same call again finishes the rest. "
        "offboard: the outgoing person is offboarded once every town is done."
    )
    async def hand_over(
        self,
        info: Info,
        outgoing: strawberry.ID,
        incoming: strawberry.ID,
        towns: list[str],
        effective: date,
        offboard: bool = False,
    ) -> Handover:
        services = info.context.services
        asked = service.Asked(str(outgoing), str(incoming), tuple(towns), effective)
        async with info.context.db() as session:
            row = await service.hand_over(
                session, services.backends, info.context.principal, asked, offboard, _limits(info)
            )
            progress = await service.towns_of(session, [row.id])
        return Handover.of(row, progress[row.id])
