"""GraphQL types of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub.audit.models import AuditEntry as AuditModel
from hub.gql.context import Info

if TYPE_CHECKING:
    from hub.agenda.types import EventScopeType
    from hub.people.types import Person, RoleType
    from hub.towns.types import Town


def _own(details: dict[str, Any], town_id: str | None) -> dict[str, Any]:
    """The details that concern the entry's town (a person added to several towns)."""
    towns = details.get("towns")
    if isinstance(towns, dict) and isinstance(towns.get(town_id), dict):
        return {**details, **towns[town_id]}
    return details


@strawberry.type(description="Who did what, for which town, when; refusals included.")
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str = strawberry.field(description='"ok", or the error code it was refused with.')
    town_id: strawberry.Private[str | None]
    actor_id: strawberry.Private[str | None]
    subject_id: strawberry.Private[str | None]
    details: strawberry.Private[dict[str, Any]]

    @classmethod
    def of(cls, row: AuditModel) -> AuditEntry:
        return cls(
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            outcome=row.outcome,
            town_id=row.town_id,
            actor_id=row.actor_id,
            subject_id=row.subject_id,
            details=_own(row.details or {}, row.town_id),
        )

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")] | None:
        from hub.towns.types import Town

        if self.town_id is None:
            return None
        row = await info.context.loaders.town.load(self.town_id)
        return Town.of(row) if row else None

    @strawberry.field(description="Who acted (null for the system, or a refused sign-in).")
    async def by(self, info: Info) -> Annotated[Person, strawberry.lazy("hub.people.types")] | None:
        return await _person(info, self.actor_id)

    @strawberry.field(description="The person the entry is about (added, given a role…).")
    async def person(
        self, info: Info
    ) -> Annotated[Person, strawberry.lazy("hub.people.types")] | None:
        return await _person(info, self.subject_id)

    @strawberry.field(description="The role given, for a person added or given a role.")
    def role(self) -> Annotated[RoleType, strawberry.lazy("hub.people.types")] | None:  # type: ignore[valid-type]
        from hub.people.models import Role

        value = str(self.details.get("role"))
        return Role(value) if value in Role.__members__ else None

    @strawberry.field(description="The share of working time agreed (0..1), with the role.")
    def share(self) -> float | None:
        value = self.details.get("share")
        return float(value) if isinstance(value, int | float) else None

    @strawberry.field(
        description="What the entry is about in words when no person says it: an event's "
        "title, the name typed for a new person."
    )
    def label(self) -> str | None:
        for key in ("title", "name"):
            value = self.details.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    @strawberry.field(description="How many records the entry counts (a purge, an erasure step).")
    def count(self) -> int | None:
        for key in ("count", "audit"):
            value = self.details.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    @strawberry.field(description="Which occurrences an event change acted on, for a series.")
    def scope(
        self,
    ) -> Annotated[EventScopeType, strawberry.lazy("hub.agenda.types")] | None:  # type: ignore[valid-type]
        from hub.agenda.changes import EventScope

        value = str(self.details.get("scope"))
        recurring = self.details.get("recurring")
        return EventScope(value) if recurring and value in EventScope.__members__ else None


async def _person(info: Info, person_id: str | None) -> Person | None:
    from hub.people.types import Person

    if person_id is None:
        return None
    row = await info.context.loaders.person.load(person_id)
    return Person.of(row) if row is not None else None


@strawberry.type
class AuditPage:
    entries: list[AuditEntry]
    next: str | None = strawberry.field(description="Cursor for the next page, if any.")
