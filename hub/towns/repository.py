"""Every query on towns, workspaces and provisioning steps."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.reads import ByKeys, fetch_rows
from hub.towns.models import (
    ProvisioningStep,
    StepRecord,
    Town,
    TownRecord,
    Workspace,
    WorkspaceTown,
)
from hub.towns.provisioning import ProvisioningState

_TOWN = (Town.id, Town.slug, Town.name, Town.insee_code)
_TOWNS_BY_IDS = ByKeys(Town.id, lambda among: select(*_TOWN).where(among))
_TOWNS_BY_SLUGS = ByKeys(Town.slug, lambda among: select(*_TOWN).where(among))
# ordered by the database (its collation), whether all towns or some are read
_ALL_TOWNS = select(*_TOWN).order_by(Town.name, Town.id)
_SOME_TOWNS = ByKeys(Town.id, lambda among: _ALL_TOWNS.where(among))
_STEPS_BY_TOWNS = ByKeys(
    ProvisioningStep.town_id,
    lambda among: (
        select(
            ProvisioningStep.town_id,
            ProvisioningStep.name,
            ProvisioningStep.done,
            ProvisioningStep.error,
        )
        .where(among)
        .order_by(ProvisioningStep.town_id, ProvisioningStep.position)
    ),
)


class TownRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # The read paths of every request (a page, the caller's towns, their provisioning): rows
    # in one round trip each (hub.db.reads), not objects the session would track.

    async def records(self, ids: Sequence[str]) -> list[TownRecord]:
        rows = await _TOWNS_BY_IDS.rows(self.session, ids)
        return [TownRecord(*row) for row in rows]

    async def records_by_slug(self, slugs: Sequence[str]) -> dict[str, TownRecord]:
        """The towns of these slugs that exist, by slug."""
        if not slugs:
            return {}
        rows = await _TOWNS_BY_SLUGS.rows(self.session, slugs)
        return {record.slug: record for record in (TownRecord(*row) for row in rows)}

    async def visible_records(self, town_ids: Collection[str] | None) -> list[TownRecord]:
        """All towns when ``town_ids`` is None (hub admins), else those, by name."""
        if town_ids is None:
            rows = await fetch_rows(self.session, _ALL_TOWNS, {})
            return [TownRecord(*row) for row in rows]
        rows = await _SOME_TOWNS.rows(self.session, list(town_ids))
        return [TownRecord(*row) for row in rows]

    async def step_records(self, town_ids: Sequence[str]) -> list[StepRecord]:
        rows = await _STEPS_BY_TOWNS.rows(self.session, town_ids)
        return [StepRecord(*row) for row in rows]

    async def by_slug(self, slug: str) -> Town | None:
        return await self.session.scalar(select(Town).where(Town.slug == slug))

    async def by_slug_or_insee_code(self, slug: str, code: str) -> Sequence[Town]:
        query = select(Town).where(or_(Town.slug == slug, Town.insee_code == code))
        return (await self.session.scalars(query)).all()

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

    async def page(
        self,
        town_ids: Collection[str] | None,
        search: str | None,
        state: ProvisioningState | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> tuple[list[TownRecord], int]:
        """Up to ``limit`` towns by name after the (name, id) ``after``, and how many towns
        the filters let through in all. ``search`` matches the name, slug or INSEE code."""
        filters: list[ColumnElement[bool]] = []
        if town_ids is not None:
            filters.append(Town.id.in_(town_ids))
        if search:
            wanted = search.lower()
            filters.append(
                or_(
                    func.lower(Town.name).contains(wanted, autoescape=True),
                    Town.slug.contains(wanted, autoescape=True),
                    Town.insee_code.contains(search.upper(), autoescape=True),
                )
            )
        if state is not None:
            filters.append(_in_state(state))
        total = await self.session.scalar(select(func.count(Town.id)).where(*filters))
        if after is not None:
            filters.append(tuple_(Town.name, Town.id) > tuple_(*after))
        query = select(*_TOWN).where(*filters).order_by(Town.name, Town.id).limit(limit)
        return [TownRecord(*row) for row in await self.session.execute(query)], total or 0

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


def _in_state(state: ProvisioningState) -> ColumnElement[bool]:
    """Towns whose steps give ``state`` (``hub.towns.provisioning.state_of``, in SQL)."""
    step = ProvisioningStep
    undone = exists().where(step.town_id == Town.id, not_(step.done))
    failed = exists().where(step.town_id == Town.id, not_(step.done), step.error.is_not(None))
    if state is ProvisioningState.COMPLETE:
        return not_(undone)
    if state is ProvisioningState.FAILED:
        return failed
    return and_(undone, not_(failed))


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
