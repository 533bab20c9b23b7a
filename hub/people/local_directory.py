"""The directory of embedded mode: the hub's own database is the directory.

People, towns and memberships already live in the hub's tables, so creating or changing them
"in the directory" has nothing more to do; ids are ``local:{username}`` and town groups
``local:{slug}``. It implements the same port as the Keycloak connector so that the people
service has one code path for both.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.directory.port import (
    Account,
    CreatedPerson,
    DirectoryPerson,
    TownGroup,
    TownHolding,
)
from connectors.errors import NotFound
from hub.people.models import Membership, Person
from hub.towns.models import Town

PREFIX = "local:"


class LocalDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @staticmethod
    def account_id(username: str) -> str:
        """The id of the account of ``username``: the hub's row is the account."""
        return PREFIX + username.lower()

    async def create_person(self, person: DirectoryPerson, *, invite: bool = True) -> CreatedPerson:
        return CreatedPerson(id=self.account_id(person.username), invitation_sent=False)

    async def send_invitation(self, person_id: str) -> None:
        """Embedded mode sends no e-mail: the administrator hands out the password."""

    async def find_person(self, username: str) -> str | None:
        # Usernames are lower case in the hub; Keycloak's lookup ignores case too.
        wanted = username.lower()
        async with self._sessions() as session:
            found = await session.scalar(select(Person.id).where(Person.username == wanted))
        return self.account_id(wanted) if found else None

    async def _require(self, slug: str) -> None:
        """NotFound, as Keycloak answers, for a town the hub does not have. (Accounts are not
        checked: the people service calls this inside its own transaction, before the new
        person's row is committed, and this reads through sessions of its own.)"""
        async with self._sessions() as session:
            if await session.scalar(select(Town.id).where(Town.slug == slug)) is None:
                raise NotFound(f"no town {slug}", backend="local")

    async def update_person(self, person_id: str, display_name: str, email: str) -> None:
        """The hub's row is the directory's: already updated."""

    async def disable_person(self, person_id: str) -> None:
        """``Person.active`` is the account's state: already updated."""

    async def enable_person(self, person_id: str) -> None:
        """``Person.active`` is the account's state: already updated."""

    async def delete_person(self, person_id: str) -> None:
        """The hub's row is the account: the erasure deletes it (``hub.privacy``)."""

    async def ensure_town_group(self, slug: str, name: str) -> TownGroup:
        return TownGroup(group_id=PREFIX + slug, organization_id=None)

    async def add_member(self, slug: str, person_id: str) -> None:
        """Memberships are the hub's rows: already added."""
        await self._require(slug)

    async def remove_member(self, slug: str, person_id: str) -> None:
        """Memberships are the hub's rows: already removed."""
        await self._require(slug)

    async def list_members(self, slug: str) -> list[str]:
        await self._require(slug)
        query = (
            select(Person.username)
            .join(Membership, Membership.person_id == Person.id)
            .join(Town, Town.id == Membership.town_id)
            .where(Town.slug == slug)
            .order_by(Person.username)
        )
        async with self._sessions() as session:
            return [PREFIX + name for name in await session.scalars(query)]

    async def inspect_town(self, slug: str) -> TownHolding:
        """The hub's own rows: the town's group is the town, its members the hub's."""
        async with self._sessions() as session:
            if await session.scalar(select(Town.id).where(Town.slug == slug)) is None:
                return TownHolding(group=False)
        members = await self.list_members(slug)
        accounts = tuple(Account(member, member.removeprefix(PREFIX)) for member in members)
        return TownHolding(group=True, group_members=accounts)

    async def close(self) -> None:
        """Nothing to release."""
