"""Every query on people and memberships."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.reads import ByKeys, fetch_rows
from hub.people.models import Membership, Person, Role

_HOLDERS = select(Person.username).where(
    or_(Person.username == bindparam("username"), func.lower(Person.email) == bindparam("email"))
)

_MEMBERS_OF_TOWNS = ByKeys(
    Membership.town_id,
    lambda among: select(Membership.town_id, Membership.person_id).where(among),
)


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: str) -> Person | None:
        return await self.session.get(Person, person_id)

    async def by_username(self, username: str) -> Person | None:
        return await self.session.scalar(select(Person).where(Person.username == username))

    async def by_subject(self, subject: str) -> Person | None:
        return await self.session.scalar(select(Person).where(Person.oidc_subject == subject))

    async def by_email(self, email: str) -> Person | None:
        query = select(Person).where(func.lower(Person.email) == email.lower())
        return await self.session.scalar(query)

    async def holders(self, username: str, email: str) -> list[str]:
        """The usernames of whoever has this username or (whatever its case) this address:
        both of a new person's checks in one round trip."""
        rows = await fetch_rows(
            self.session, _HOLDERS, {"username": username, "email": email.lower()}
        )
        return [row[0] for row in rows]

    async def by_ids(self, ids: Collection[str]) -> Sequence[Person]:
        return (await self.session.scalars(select(Person).where(Person.id.in_(ids)))).all()

    async def search(self, text: str | None, town_ids: Collection[str] | None) -> Sequence[Person]:
        """People matching ``text``; only members of ``town_ids`` unless it is None."""
        query = select(Person).where(*_matching(text, town_ids))
        query = query.order_by(Person.display_name, Person.username)
        return (await self.session.scalars(query)).all()

    async def page(
        self,
        text: str | None,
        town_ids: Collection[str] | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> tuple[Sequence[Person], int]:
        """Up to ``limit`` people by name after the (display name, username) ``after``, and
        how many the filters let through in all."""
        filters = _matching(text, town_ids)
        total = await self.session.scalar(select(func.count(Person.id)).where(*filters))
        if after is not None:
            filters.append(tuple_(Person.display_name, Person.username) > tuple_(*after))
        query = select(Person).where(*filters).order_by(Person.display_name, Person.username)
        return (await self.session.scalars(query.limit(limit))).all(), total or 0


def _matching(text: str | None, town_ids: Collection[str] | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if text:
        # autoescape: '%' and '_' typed in a search are characters, not wildcards
        wanted = text.lower()
        filters.append(
            or_(
                func.lower(Person.username).contains(wanted, autoescape=True),
                func.lower(Person.display_name).contains(wanted, autoescape=True),
                func.lower(Person.email).contains(wanted, autoescape=True),
            )
        )
    if town_ids is not None:
        members = select(Membership.person_id).where(Membership.town_id.in_(town_ids))
        filters.append(Person.id.in_(members))
    return filters


class NewMembership(NamedTuple):
    town_id: str
    role: Role
    share: float | None
    mandate_end: date | None


class MembershipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: str, town_id: str) -> Membership | None:
        return await self.session.get(Membership, (person_id, town_id))

    async def insert(self, person_id: str, memberships: Sequence[NewMembership]) -> None:
        """A new person's memberships, in one statement (not objects the session tracks)."""
        if memberships:
            rows = [{"person_id": person_id, **m._asdict()} for m in memberships]
            await self.session.execute(insert(Membership), rows)

    async def of_people(self, person_ids: Collection[str]) -> Sequence[Membership]:
        query = select(Membership).where(Membership.person_id.in_(person_ids))
        return (await self.session.scalars(query)).all()

    async def of_towns(self, town_ids: Collection[str]) -> Sequence[Membership]:
        query = select(Membership).where(Membership.town_id.in_(town_ids))
        return (await self.session.scalars(query)).all()

    async def member_ids(self, town_ids: Sequence[str]) -> dict[str, set[str]]:
        """Each town's members (town id → person ids), read as rows in one round trip."""
        members: dict[str, set[str]] = {town_id: set() for town_id in town_ids}
        for town_id, person_id in await _MEMBERS_OF_TOWNS.rows(self.session, town_ids):
            members[town_id].add(person_id)
        return members
