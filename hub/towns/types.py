"""GraphQL types of towns and their provisioning."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.gql.context import Info
from hub.gql.executor import known_as
from hub.towns.models import StepLike, TownLike
from hub.towns.provisioning import ProvisioningState, state_of

if TYPE_CHECKING:
    from hub.files.types import Workspace
    from hub.people.types import Membership

ProvisioningStateType = strawberry.enum(ProvisioningState, name="ProvisioningState")


@strawberry.type(description="A step of a town's provisioning on one backend.")
class ProvisioningStep:
    name: str = strawberry.field(description='"directory", "files", "calendar"…')
    done: bool
    error: str | None = strawberry.field(description="Why the last attempt failed.")

    @classmethod
    def of(cls, step: StepLike) -> ProvisioningStep:
        return cls(name=step.name, done=step.done, error=step.error)


@strawberry.type(description="Where a town stands on its backends; retry with provisionTown.")
class Provisioning:
    state: ProvisioningStateType  # type: ignore[valid-type]
    steps: list[ProvisioningStep]

    @classmethod
    def of(cls, steps: Sequence[StepLike]) -> Provisioning:
        return cls(state=state_of(steps), steps=[ProvisioningStep.of(step) for step in steps])


@strawberry.type(description="A commune of the shared service.")
class Town:
    id: strawberry.ID
    slug: str
    name: str
    insee_code: str = strawberry.field(description="The official 5-character commune code.")
    # Set when the list the town came in read every town's steps at once (towns, townsPage):
    # the executor's fast path then reads it as a plain attribute (hub.gql.executor.known_as).
    known_provisioning: strawberry.Private[Provisioning | None] = None

    @classmethod
    def of(cls, town: TownLike, steps: Sequence[StepLike] | None = None) -> Town:
        """``steps``: the town's provisioning steps, when read with it."""
        return cls(
            id=strawberry.ID(town.id),
            slug=town.slug,
            name=town.name,
            insee_code=town.insee_code,
            known_provisioning=None if steps is None else Provisioning.of(steps),
        )

    @strawberry.field(description="People working for the town, with their roles.")
    async def members(
        self, info: Info
    ) -> list[Annotated[Membership, strawberry.lazy("hub.people.types")]]:
        from hub.people.types import Membership

        rows = await info.context.loaders.memberships_of_town.load(self.id)
        return [Membership.of(row) for row in rows]

    @strawberry.field(description="The town's own workspace.")
    async def workspace(
        self, info: Info
    ) -> Annotated[Workspace, strawberry.lazy("hub.files.types")]:
        from hub.files.types import Workspace

        row = await info.context.loaders.own_workspace.load(self.id)
        if row is None:  # created with the town in one transaction: never absent
            raise RuntimeError(f"town {self.slug} has no workspace")
        return Workspace.of(row, opened=info.context.principal.works_in(self.id))

    @strawberry.field(
        description="Provisioning status, step by step.",
        metadata=known_as("known_provisioning"),
    )
    async def provisioning(self, info: Info) -> Provisioning:
        if self.known_provisioning is not None:
            return self.known_provisioning
        return Provisioning.of(await info.context.loaders.steps_of_town.load(self.id))


@strawberry.type(description="A page of towns, by name; `next` continues it.")
class TownPage:
    towns: list[Town]
    next: str | None = strawberry.field(description="Cursor for the next page, if any.")
    total: int = strawberry.field(description="Towns matching the filters, over all pages.")
