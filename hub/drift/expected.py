"""What the hub expects each town to have on its backends, read from its own tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.people.models import Membership, Person
from hub.towns.models import Town, Workspace, WorkspaceTown
from hub.towns.provisioning import TownRef


@dataclass(frozen=True)
class Member:
    person_id: str
    username: str
    directory_id: str | None


@dataclass(frozen=True)
class Place:
    """A workspace the town opens: its folder, and the towns whose groups reach it."""

    id: str
    name: str
    backend: str
    root: str
    slugs: tuple[str, ...]


@dataclass(frozen=True)
class Expected:
    town: TownRef
    members: tuple[Member, ...]
    workspaces: tuple[Place, ...]
    roots: Mapping[str, frozenset[str]]
    """Every workspace root, per backend: a folder found elsewhere is never taken for one."""


async def expected_for(session: AsyncSession, towns: Sequence[Town]) -> list[Expected]:
    """Four queries, however many towns."""
    ids = [town.id for town in towns]
    members: dict[str, list[Member]] = defaultdict(list)
    rows = await session.execute(
        select(Membership.town_id, Person.id, Person.username, Person.directory_id)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.town_id.in_(ids))
        .order_by(Person.username)
    )
    for town_id, person_id, username, directory_id in rows:
        members[town_id].append(Member(person_id, username, directory_id))
    links = (
        await session.execute(
            select(WorkspaceTown.workspace_id, WorkspaceTown.town_id, Town.slug).join(
                Town, Town.id == WorkspaceTown.town_id
            )
        )
    ).all()
    opened: dict[str, set[str]] = defaultdict(set)
    slugs: dict[str, list[str]] = defaultdict(list)
    for workspace_id, town_id, slug in links:
        opened[town_id].add(workspace_id)
        slugs[workspace_id].append(slug)
    roots: dict[str, set[str]] = defaultdict(set)
    places: dict[str, Place] = {}
    for workspace in await session.scalars(select(Workspace)):
        roots[workspace.backend].add(workspace.root)
        places[workspace.id] = Place(
            workspace.id,
            workspace.name,
            workspace.backend,
            workspace.root,
            tuple(sorted(slugs[workspace.id])),
        )
    frozen = {backend: frozenset(found) for backend, found in roots.items()}
    return [
        Expected(
            TownRef.of(town),
            tuple(members[town.id]),
            tuple(sorted((places[w] for w in opened[town.id]), key=lambda p: p.root)),
            frozen,
        )
        for town in towns
    ]
