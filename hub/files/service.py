"""Workspaces: which ones a caller may open, and sharing one between towns."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import audited
from hub.errors import BadInput, Forbidden, NotFound
from hub.identity.principal import Principal
from hub.towns.models import Workspace, WorkspaceTown
from hub.towns.repository import TownRepository, WorkspaceRepository
from hub.towns.validation import display_name


async def visible_workspaces(session: AsyncSession, actor: Principal) -> Sequence[Workspace]:
    scope = None if actor.hub_admin else actor.roles.keys()
    return await WorkspaceRepository(session).for_towns(scope)


async def workspace_for(session: AsyncSession, actor: Principal, workspace_id: str) -> Workspace:
    """The workspace, if one of its towns is the caller's (NOT_FOUND / FORBIDDEN otherwise)."""
    repository = WorkspaceRepository(session)
    found = await repository.by_ids([workspace_id])
    if not found:
        raise NotFound("There is no such workspace.")
    links = await repository.town_links([workspace_id])
    if not any(actor.sees_town(link.town_id) for link in links):
        raise Forbidden("None of this workspace's towns is yours.")
    return found[0]


async def create_shared_workspace(
    session: AsyncSession, actor: Principal, name: str, slugs: Sequence[str], backend: str
) -> Workspace:
    async def change() -> Workspace:
        title = display_name(name)
        unique = sorted(set(slugs))
        if len(unique) < 2:
            raise BadInput("A shared workspace joins at least two towns.", field="towns")
        towns = await TownRepository(session).by_slugs(unique)
        missing = set(unique) - {town.slug for town in towns}
        if missing:
            raise NotFound(f"There is no town '{sorted(missing)[0]}'.")
        for town in towns:
            if not actor.administers(town.id):
                raise Forbidden(
                    f"Only administrators of every town may share a workspace ('{town.slug}')."
                )
        workspace = Workspace(name=title, owner_town_id=None, backend=backend, root="")
        session.add(workspace)
        await session.flush()
        workspace.root = f"/shared/{workspace.id}"
        session.add_all(WorkspaceTown(workspace_id=workspace.id, town_id=t.id) for t in towns)
        await session.flush()
        return workspace

    return await audited(session, actor, "workspace.share", name, change)
