"""GraphQL types of drift: what differs between the hub and a town's backends."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.drift.findings import Backend, DriftKind, Thing
from hub.drift.findings import Drift as Finding
from hub.gql.context import Info

if TYPE_CHECKING:
    from hub.towns.types import Town

DriftBackend = strawberry.enum(Backend, name="DriftBackend", description="Where a drift is.")
DriftKindType = strawberry.enum(
    DriftKind,
    name="DriftKind",
    description="MISSING, EXTRA (there, and the hub did not put it), RENAMED (under the name "
    "in `found`), WRONG_MEMBERS (see missingMembers and extraMembers), UNCHECKED (the backend "
    "could not be asked).",
)
DriftSubject = strawberry.enum(
    Thing,
    name="DriftSubject",
    description="What differs: the town's directory group or organisation, a workspace folder "
    "(plain WebDAV), a Nextcloud team folder, one group's access to it (FOLDER_GROUP) or a "
    "Nextcloud group, the town's calendar; SERVER for a backend that could not be asked.",
)


async def _town(info: Info, town_id: str) -> Town:
    from hub.towns.types import Town

    row = await info.context.loaders.town.load(town_id)
    assert row is not None  # drift is kept and reported for existing towns only
    return Town.of(row)


@strawberry.type(description="One difference between what the hub expects and a backend.")
class Drift:
    backend: DriftBackend  # type: ignore[valid-type]
    kind: DriftKindType  # type: ignore[valid-type]
    subject: DriftSubject  # type: ignore[valid-type]
    name: str = strawberry.field(
        description="What the hub expects: the group, the folder's root, the calendar's name…"
    )
    found: str | None = strawberry.field(description="RENAMED: what it is called now.")
    missing_members: list[str] = strawberry.field(
        description="WRONG_MEMBERS: usernames of the town's members the backend lacks."
    )
    extra_members: list[str] = strawberry.field(
        description="WRONG_MEMBERS: accounts the backend holds that are not the town's members."
    )
    repairable: bool = strawberry.field(description="Whether repairDrift can repair it.")
    detail: str = strawberry.field(description="The difference in one sentence.")
    town_id: strawberry.Private[str]

    @classmethod
    def of(cls, town_id: str, drift: Finding) -> Drift:
        return cls(
            backend=drift.backend,
            kind=drift.kind,
            subject=drift.thing,
            name=drift.name,
            found=drift.found,
            missing_members=list(drift.missing),
            extra_members=list(drift.extra),
            repairable=drift.repairable,
            detail=drift.detail,
            town_id=town_id,
        )

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")]:
        return await _town(info, self.town_id)


@strawberry.type(description="A town's last check against its backends, when it found drift.")
class TownDrift:
    checked_at: datetime
    drifts: list[Drift]
    town_id: strawberry.Private[str]

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")]:
        return await _town(info, self.town_id)


@strawberry.type(description="What repairDrift did: repaired, still there, and why.")
class DriftRepair:
    repaired: list[Drift]
    remaining: list[Drift]
    failures: list[str] = strawberry.field(description="What could not be done, and why.")
    town_id: strawberry.Private[str]

    @strawberry.field
    async def town(self, info: Info) -> Annotated[Town, strawberry.lazy("hub.towns.types")]:
        return await _town(info, self.town_id)
