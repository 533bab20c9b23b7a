"""Per-request DataLoaders, so nested relations cost one query per level, not per object."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from hub.people.models import Membership, Person
from hub.people.repository import MembershipRepository, PersonRepository
from hub.towns.models import StepRecord, TownLike, Workspace
from hub.towns.repository import TownRepository, WorkspaceRepository

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    """Loaders share the request's session; a lock keeps its use sequential."""

    def __init__(self, session: AsyncSession, lock: asyncio.Lock) -> None:
        self._lock = lock
        towns = TownRepository(session)
        people = PersonRepository(session)
        memberships = MembershipRepository(session)
        workspaces = WorkspaceRepository(session)

        self.town: DataLoader[str, TownLike | None] = DataLoader(
            self._one(towns.records, lambda t: t.id)
        )
        self.person: DataLoader[str, Person | None] = DataLoader(
            self._one(people.by_ids, lambda p: p.id)
        )
        self.workspace: DataLoader[str, Workspace | None] = DataLoader(
            self._one(workspaces.by_ids, lambda w: w.id)
        )
        self.memberships_of_town: DataLoader[str, list[Membership]] = DataLoader(
            self._many(memberships.of_towns, lambda m: m.town_id)
        )
        self.memberships_of_person: DataLoader[str, list[Membership]] = DataLoader(
            self._many(memberships.of_people, lambda m: m.person_id)
        )
        self.steps_of_town: DataLoader[str, list[StepRecord]] = DataLoader(
            self._many(towns.step_records, lambda s: s.town_id)
        )
        self.own_workspace: DataLoader[str, Workspace | None] = DataLoader(
            self._one(towns.own_workspaces, lambda w: w.owner_town_id or "")
        )
        self.town_ids_of_workspace: DataLoader[str, list[str]] = DataLoader(
            self._many_mapped(
                workspaces.town_links, lambda link: link.workspace_id, lambda link: link.town_id
            )
        )

    def _one(
        self, fetch: Callable[[list[str]], Awaitable[Sequence[V]]], key: Callable[[V], str]
    ) -> Callable[[list[str]], Awaitable[list[V | None]]]:
        async def load(keys: list[str]) -> list[V | None]:
            async with self._lock:
                rows = await fetch(keys)
            found = {key(row): row for row in rows}
            return [found.get(k) for k in keys]

        return load

    def _many(
        self, fetch: Callable[[list[str]], Awaitable[Sequence[V]]], key: Callable[[V], str]
    ) -> Callable[[list[str]], Awaitable[list[list[V]]]]:
        return self._many_mapped(fetch, key, lambda row: row)

    def _many_mapped(
        self,
        fetch: Callable[[list[str]], Awaitable[Sequence[V]]],
        key: Callable[[V], str],
        value: Callable[[V], K],
    ) -> Callable[[list[str]], Awaitable[list[list[K]]]]:
        async def load(keys: list[str]) -> list[list[K]]:
            async with self._lock:
                rows = await fetch(keys)
            return _group(rows, keys, key, value)

        return load


def _group(
    rows: Iterable[V], keys: list[str], key: Callable[[V], str], value: Callable[[V], K]
) -> list[list[K]]:
    grouped: dict[str, list[K]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(value(row))
    return [grouped.get(k, []) for k in keys]
