"""Every query on towns, workspaces and provisioning steps."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.towns.models import ProvisioningStep, Town, Workspace, WorkspaceTown


class TownRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_slug(self, slug: str) -> Town | None:
        return await self.session.scalar(select(Town).where(Town.slug == slug))

    async def by_insee_code(self, code: str) -> Town | None:
        return await self.session.scalar(select(Town).where(Town.insee_code == code))

    async def by_slugs(self, slugs: Collection[str]) -> Sequence[Town]:
        return (await self.session.scalars(select(Town).where(Town.slug.in_(slugs)))).all()

    async def by_ids(self, ids: Collection[str]) -> Sequence[Town]:
        return (await self.session.scalars(select(Town).where(Town.id.in_(ids)))).all()

    async def visible(self, town_ids: Collection[str] | None) -> Sequence[Town]:
        """All towns when ``town_ids`` is None (hub admins), else those, by name."""
        query = select(Town).order_by(Town.name)
        if town_ids is not None:
            query = query.where(Town.id.in_(town_ids))
        return (await self.session.scalars(query)).all()

    async def steps(self, town_ids: Collection[str]) -> Sequence[ProvisioningStep]:
        query = (
            select(ProvisioningStep)
            .where(ProvisioningStep.town_id.in_(town_ids))
            .order_by(ProvisioningStep.position)
        )
        return (await self.session.scalars(query)).all()

    async def own_workspaces(self, town_ids: Collection[str]) -> Sequence[Workspace]:
        query = select(Workspace).where(Workspace.owner_town_id.in_(town_ids))
        return (await self.session.scalars(query)).all()


class WorkspaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_ids(self, ids: Collection[str]) -> Sequence[Workspace]:
        return (await self.session.scalars(select(Workspace).where(Workspace.id.in_(ids)))).all()

    async def town_links(self, workspace_ids: Collection[str]) -> Sequence[WorkspaceTown]:
        query = select(WorkspaceTown).where(WorkspaceTown.workspace_id.in_(workspace_ids))
        return (await self.session.scalars(query)).all()

    async def for_towns(self, town_ids: Collection[str] | None) -> Sequence[Workspace]:
        """Workspaces opened by any of the towns (every workspace when None)."""
        query = select(Workspace).order_by(Workspace.owner_town_id.is_(None), Workspace.name)
        if town_ids is not None:
            linked = select(WorkspaceTown.workspace_id).where(WorkspaceTown.town_id.in_(town_ids))
            query = query.where(Workspace.id.in_(linked))
        return (await self.session.scalars(query)).all()
