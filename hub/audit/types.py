"""GraphQL types of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.audit.models import AuditEntry as AuditModel
from hub.gql.context import Info

if TYPE_CHECKING:
    from hub.towns.types import Town


@strawberry.type(description="Who did what, for which town, when; refusals included.")
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str = strawberry.field(description='"ok", or the error code it was refused with.')
    town_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, row: AuditModel) -> AuditEntry:
        return cls(
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            outcome=row.outcome,
            town_id=row.town_id,
        )

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")] | None:
        from hub.towns.types import Town

        if self.town_id is None:
            return None
        row = await info.context.loaders.town.load(self.town_id)
        return Town.of(row) if row else None


@strawberry.type
class AuditPage:
    entries: list[AuditEntry]
    next: str | None = strawberry.field(description="Cursor for the next page, if any.")
