"""Town queries and provisioning."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from hub.errors import NotFound
from hub.gql.context import Info
from hub.gql.selection import selects
from hub.towns import service
from hub.towns.models import StepRecord, TownRecord
from hub.towns.provisioning import ProvisioningState
from hub.towns.repository import TownRepository
from hub.towns.types import ProvisioningStateType, Town, TownPage


@strawberry.input
class ProvisionTownInput:
    slug: str
    name: str
    insee_code: str


@strawberry.type
class TownQuery:
    @strawberry.field(description="Towns the caller may see (all of them for hub admins).")
    async def towns(self, info: Info) -> list[Town]:
        async with info.context.db() as session:
            rows = await service.visible_towns(session, info.context.principal)
        steps = await _steps_if_asked(info, rows, "provisioning")
        return [Town.of(row, found) for row, found in zip(rows, steps, strict=True)]

    @strawberry.field(
        description="The towns the caller may see, a page at a time by name (`first` ≤ 200, "
        "`after` a cursor from `next`); `search` matches the name, slug or INSEE code, "
        "`state` keeps the towns whose provisioning is in that state (FAILED: to retry)."
    )
    async def towns_page(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        search: str | None = None,
        state: ProvisioningStateType | None = None,  # type: ignore[valid-type]
    ) -> TownPage:
        async with info.context.db() as session:
            page = await service.towns_page(
                session,
                info.context.principal,
                first,
                after,
                search,
                ProvisioningState(state) if state else None,
            )
        steps = await _steps_if_asked(info, page.items, "towns", "provisioning")
        return TownPage(
            towns=[Town.of(row, found) for row, found in zip(page.items, steps, strict=True)],
            next=page.next,
            total=page.total,
        )

    @strawberry.field(
        description="A town by slug; NOT_FOUND, the same, whether it does not exist or the "
        "caller may not see it."
    )
    async def town(self, info: Info, slug: str) -> Town | None:
        principal = info.context.principal
        async with info.context.db() as session:
            row = await TownRepository(session).by_slug(slug)
        # one answer for both, so that slugs cannot be probed for the towns that exist
        if row is None or not principal.sees_town(row.id):
            raise NotFound(f"There is no town '{slug}' that you can see.", field="slug")
        return Town.of(row)


@strawberry.type
class TownMutation:
    @strawberry.mutation(
        description="Idempotent: same slug and data, same town; resumes a failed run."
    )
    async def provision_town(self, info: Info, input: ProvisionTownInput) -> Town:
        services = info.context.services
        async with info.context.db() as session:
            row = await service.provision_town(
                session,
                info.context.principal,
                service.TownInput(input.slug, input.name, input.insee_code),
                services.provisioning_steps,
                step_timeout=services.step_timeout,
                files_backend=services.files_backend,
            )
        return Town.of(row)


async def _steps_if_asked(
    info: Info, towns: Sequence[TownRecord], *path: str
) -> Sequence[Sequence[StepRecord] | None]:
    """Each town's provisioning steps in one batch when the query asks for them at ``path``
    (the towns then hold their provisioning), else None for each."""
    if not selects(info, *path):
        return [None] * len(towns)
    return await info.context.loaders.steps_of_town.load_many([town.id for town in towns])
