"""One-round-trip reads give exactly what SQLAlchemy gives, on each database."""

from __future__ import annotations

from datetime import datetime

import aiosqlite.core
import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.reads import ByKeys, fetch_rows
from hub.people.models import Membership, Person, Role
from hub.services import Services
from hub.towns.models import Town

PERSON_AND_TOWNS = (
    select(
        Person.username,
        Person.active,
        Person.hub_admin,
        Person.created_at,
        Person.password_hash,
        Membership.role,
        Membership.share,
        Town.slug,
    )
    .outerjoin(Membership, Membership.person_id == Person.id)
    .outerjoin(Town, Town.id == Membership.town_id)
    .where(Person.username == bindparam("username"))
    .order_by(Town.slug)
)


async def seed(services: Services) -> None:
    async with services.sessions() as session:
        alice = Person(username="alice", display_name="A", email="a@x.example", hub_admin=True)
        bob = Person(username="bob", display_name="B", email="b@x.example", active=False)
        igny = Town(slug="igny", name="Igny", insee_code="91312")
        massy = Town(slug="massy", name="Massy", insee_code="91377")
        session.add_all([alice, bob, igny, massy])
        await session.flush()
        session.add_all(
            [
                Membership(person_id=alice.id, town_id=igny.id, role=Role.TOWN_ADMIN, share=0.25),
                Membership(person_id=alice.id, town_id=massy.id, role=Role.STAFF),
            ]
        )
        await session.commit()


@pytest.mark.postgres
@pytest.mark.parametrize("username", ["alice", "bob", "nobody"])
async def test_rows_and_their_types_are_sqlalchemys(services: Services, username: str) -> None:
    # given people with and without memberships (booleans, an enum, a date, nulls)
    await seed(services)
    async with services.sessions() as session:
        # when the same statement is read both ways
        expected = [
            tuple(row)
            for row in (await session.execute(PERSON_AND_TOWNS, {"username": username})).all()
        ]
        got = await fetch_rows(session, PERSON_AND_TOWNS, {"username": username})
    # then the rows are equal, value for value and type for type
    assert got == expected
    assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected]
    if username == "alice":
        assert got[0][1] is True and got[0][5] is Role.TOWN_ADMIN
        assert isinstance(got[0][3], datetime) and got[0][3].tzinfo is not None


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls sent to aiosqlite's thread, by name, from now on."""
    sent: list[str] = []
    queue = aiosqlite.core.Connection._execute

    async def counted(self: aiosqlite.core.Connection, fn: object, *args: object) -> object:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await queue(self, fn, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return sent


@pytest.mark.postgres
async def test_on_sqlite_a_read_is_one_hop_to_the_driver_thread(
    services: Services, db_kind: str, hops: list[str]
) -> None:
    await seed(services)
    async with services.sessions() as session:
        await session.connection()
        hops.clear()
        # when one statement is read
        rows = await fetch_rows(session, PERSON_AND_TOWNS, {"username": "alice"})
        read_hops = list(hops)
    # then it took one hop on SQLite (none on PostgreSQL, which has no such thread)
    assert [row[7] for row in rows] == ["igny", "massy"]
    assert read_hops == (["_execute_fetchall"] if db_kind == "sqlite" else [])


@pytest.mark.postgres
async def test_a_session_that_only_read_ends_without_a_hop_and_a_write_is_still_undone(
    services: Services, db_kind: str, hops: list[str]
) -> None:
    await seed(services)
    # when a session reads, then ends
    async with services.sessions() as session:
        await fetch_rows(session, PERSON_AND_TOWNS, {"username": "alice"})
        hops.clear()
    read_then_closed = list(hops)
    # and another writes, then ends without committing
    async with services.sessions() as session:
        session.add(Town(slug="palaiseau", name="Palaiseau", insee_code="91477"))
        await session.flush()
        hops.clear()
    written_then_closed = list(hops)
    # then ending the first asked nothing of the driver's thread (it had nothing to undo),
    # the second rolled back, and the town it wrote is not there
    async with services.sessions() as session:
        towns = (await session.scalars(select(Town.slug).order_by(Town.slug))).all()
    assert towns == ["igny", "massy"]
    if db_kind == "sqlite":
        assert read_then_closed == []
        assert written_then_closed == ["rollback"]


TOWNS_BY_SLUGS = ByKeys(
    Town.slug, lambda among: select(Town.slug, Town.insee_code).where(among).order_by(Town.slug)
)


async def _in_list(session: AsyncSession, slugs: list[str]) -> list[tuple[object, ...]]:
    query = select(Town.slug, Town.insee_code).where(Town.slug.in_(slugs)).order_by(Town.slug)
    return [tuple(row) for row in (await session.execute(query)).all()]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "slugs",
    [[], ["igny"], ["massy", "igny"], ["igny", "igny", "nowhere"], ["it's", 'a "quote"', "é"]],
)
async def test_a_read_by_keys_gives_what_in_gives(services: Services, slugs: list[str]) -> None:
    # given two towns
    await seed(services)
    async with services.sessions() as session:
        # when the same rows are read by a list of keys (any length, repeats, odd characters)
        got = await TOWNS_BY_SLUGS.rows(session, slugs)
        expected = await _in_list(session, slugs)
    # then one prepared statement gives exactly what an IN (…) of that length gives
    assert list(got) == expected
