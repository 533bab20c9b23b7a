"""Towns: what a caller may see, and provisioning one in a single step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import paging
from hub.audit.service import audited
from hub.errors import Conflict, NotFound
from hub.identity.principal import Principal
from hub.paging import Page
from hub.towns import validation
from hub.towns.models import Town, TownRecord, Workspace, WorkspaceTown
from hub.towns.provisioning import ProvisioningState, StepRunner, plan_steps, run_pending
from hub.towns.repository import TownRepository


@dataclass(frozen=True)
class TownInput:
    slug: str
    name: str
    insee_code: str


async def visible_towns(session: AsyncSession, actor: Principal) -> Sequence[TownRecord]:
    repository = TownRepository(session)
    return await repository.visible_records(None if actor.hub_admin else actor.roles.keys())


async def towns_page(
    session: AsyncSession,
    actor: Principal,
    first: int | None,
    after: str | None,
    search: str | None,
    state: ProvisioningState | None,
) -> Page[TownRecord]:
    """A page of the towns the caller may see, by name."""
    size = paging.checked_first(first)
    wanted = paging.checked_search(search)
    key = paging.decode("town", after, 2) if after else None
    scope = None if actor.hub_admin else actor.roles.keys()
    rows, total = await TownRepository(session).page(
        scope, wanted, state, (key[0], key[1]) if key else None, size + 1
    )
    shown = list(rows[:size])
    last = shown[-1] if len(rows) > size and shown else None
    cursor = paging.encode("town", (last.name, last.id)) if last else None
    return Page(shown, cursor, total)


async def town_for(session: AsyncSession, actor: Principal, slug: str) -> Town:
    """The town with this slug, if the caller may see it (NOT_FOUND / FORBIDDEN otherwise)."""
    town = await TownRepository(session).by_slug(slug)
    if town is None:
        raise NotFound(f"There is no town '{slug}'.")
    actor.require_town(town.id, slug)
    return town


async def provision_town(
    session: AsyncSession,
    actor: Principal,
    data: TownInput,
    runners: Sequence[StepRunner],
    *,
    step_timeout: float,
    files_backend: str,
) -> Town:
    """Create the town (or find the same one) then run its pending backend steps."""

    async def create_or_match() -> Town:
        actor.require_hub_admin()
        wanted = TownInput(
            validation.slug(data.slug),
            validation.display_name(data.name),
            validation.insee_code(data.insee_code),
        )
        try:
            return await _create_or_match(session, wanted, runners, files_backend)
        except IntegrityError:
            # Someone provisioned the same slug concurrently: compare with theirs.
            await session.rollback()
            return await _create_or_match(session, wanted, runners, files_backend)

    town = await audited(
        session,
        actor,
        "town.provision",
        data.slug,
        create_or_match,
        described=lambda town: (town.slug, town.id),
    )
    steps = list(await TownRepository(session).steps([town.id]))
    missing = plan_steps(town, runners, steps)
    if missing:
        session.add_all(missing)
        try:
            await session.commit()
        except IntegrityError:
            # another replica planned them at the same moment: theirs are the steps
            await session.rollback()
            await session.refresh(town)
        steps = list(await TownRepository(session).steps([town.id]))
    await run_pending(session, actor, town, steps, runners, step_timeout)
    return town


async def _create_or_match(
    session: AsyncSession, wanted: TownInput, runners: Sequence[StepRunner], files_backend: str
) -> Town:
    # slug and INSEE code read in one statement, one snapshot: read apart, another replica's
    # town committed between the two reads looked like someone else's INSEE code
    found = await TownRepository(session).by_slug_or_insee_code(wanted.slug, wanted.insee_code)
    existing = next((town for town in found if town.slug == wanted.slug), None)
    if existing is not None:
        if (existing.name, existing.insee_code) != (wanted.name, wanted.insee_code):
            raise Conflict(
                f"The town '{wanted.slug}' exists with other details "
                f"({existing.name}, {existing.insee_code}); choose another slug."
            )
        return existing
    holder = next((town for town in found if town.insee_code == wanted.insee_code), None)
    if holder is not None:
        raise Conflict(f"INSEE code {wanted.insee_code} already belongs to '{holder.slug}'.")
    town = Town(slug=wanted.slug, name=wanted.name, insee_code=wanted.insee_code)
    session.add(town)
    await session.flush()
    workspace = Workspace(
        name=wanted.name, owner_town_id=town.id, backend=files_backend, root=f"/{wanted.slug}"
    )
    session.add(workspace)
    await session.flush()
    session.add(WorkspaceTown(workspace_id=workspace.id, town_id=town.id))
    await session.flush()
    return town
