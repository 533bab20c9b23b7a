"""What addStaff asks of the database in embedded mode, where the hub's tables are the directory:
one connection, each row written once, and the same refusals as ever."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import AuditEntry
from hub.people.models import Membership, Person
from hub.people.repository import PersonRepository
from hub.services import Services
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

PEOPLE = 'query People { people(search: "zoe") { username } }'
ADD = "mutation Add($input: AddStaffInput!) { addStaff(input: $input) { id username } }"


def staff(username: str, email: str, towns: int = 1) -> dict[str, Any]:
    places = [
        {"town": "bievres", "role": "STAFF"},
        {"town": "igny", "role": "MANAGER", "share": 0.5},
    ]
    return {
        "input": {
            "username": username,
            "displayName": "Zoé Lefèvre",
            "email": email,
            "towns": places[:towns],
        }
    }


@contextmanager
def watched(engine: AsyncEngine) -> Iterator[tuple[list[str], list[object]]]:
    """The statements SQLAlchemy sends (verb and table) and the connections it takes."""
    statements: list[str] = []
    checkouts: list[object] = []

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        words = sql.split()
        verb = words[0].upper()
        table = words[2] if verb in ("INSERT", "UPDATE") and words[1].upper() == "INTO" else ""
        if verb == "UPDATE":
            table = words[1]
        elif verb == "SELECT":
            table = words[words.index("FROM") + 1]
        statements.append(f"{verb} {table}")

    def on_checkout(connection: object, *_args: Any) -> None:
        checkouts.append(connection)

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine.pool, "checkout", on_checkout)
    try:
        yield statements, checkouts
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_statement)
        event.remove(sync_engine.pool, "checkout", on_checkout)


async def test_adding_staff_takes_one_connection_and_writes_each_row_once(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    # given the Essonne towns and their administrator, in embedded mode
    await essonne(world)
    token = world.token("admin")

    # when Zoé is added to a town
    with watched(services.engine) as (statements, checkouts):
        person = (await gql(ADD, staff("zoe", "zoe@bievres.example"), token=token)).ok()

    # then the request used one connection: the directory (the hub's own tables) was not
    # asked through sessions of its own; and each row was written once, the person's with
    # its directory id (the reads go to the driver in one round trip each, hub.db.reads)
    assert len(checkouts) == 1
    assert statements == ["INSERT person", "INSERT membership", "INSERT audit_entry"]
    # and Zoé has her account's id, her membership and her audit entry
    await _added_with_account_memberships_and_trail(services, person["addStaff"]["id"], 1)


async def test_adding_staff_to_two_towns_writes_both_memberships_and_trails(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await essonne(world)
    token = world.token("admin")

    person = (await gql(ADD, staff("zoe", "zoe@bievres.example", 2), token=token)).ok()

    await _added_with_account_memberships_and_trail(services, person["addStaff"]["id"], 2)


async def _added_with_account_memberships_and_trail(
    services: Services, person_id: str, towns: int
) -> None:
    async with services.sessions() as session:
        zoe = await session.get(Person, person_id)
        assert zoe is not None and zoe.directory_id == "local:zoe"
        roles = await session.scalars(
            select(Membership.role).where(Membership.person_id == zoe.id).order_by(Membership.role)
        )
        assert [role.value for role in roles] == ["MANAGER", "STAFF"][-towns:]
        trail = await session.scalars(
            select(AuditEntry.outcome).where(
                AuditEntry.action == "person.add", AuditEntry.subject_id == zoe.id
            )
        )
        assert list(trail) == ["ok"] * towns


async def test_an_address_or_a_username_in_use_is_refused_whichever_is_taken(
    gql: GraphQLClient, world: World
) -> None:
    # given Zoé, added by the administrator
    await essonne(world)
    token = world.token("admin")
    (await gql(ADD, staff("zoe", "zoe@bievres.example"), token=token)).ok()

    # when someone else is given her address (in another case), her username, or both
    address = await gql(ADD, staff("zoe2", "Zoe@Bievres.example"), token=token)
    username = await gql(ADD, staff("zoe", "autre@bievres.example"), token=token)
    both = await gql(ADD, staff("zoe", "zoe@bievres.example"), token=token)

    # then each is a conflict on the field concerned, the username first
    assert address.codes == ["CONFLICT"] and address.errors[0]["extensions"]["field"] == "email"
    assert username.codes == ["CONFLICT"]
    assert username.errors[0]["extensions"]["field"] == "username"
    assert both.errors[0]["extensions"]["field"] == "username"
    # and nobody was added by the refusals
    people = await gql(PEOPLE, token=token)
    assert people.ok()["people"] == [{"username": "zoe"}]


async def test_the_first_town_refused_in_the_list_gives_the_error(
    gql: GraphQLClient, world: World
) -> None:
    # given Inès, who administers Bièvres only
    await essonne(world)
    token = world.token("ines")
    zoe = staff("zoe", "zoe@bievres.example")

    # when she lists a town that does not exist, or one she does not administer, first
    zoe["input"]["towns"] = [
        {"town": "bievres", "role": "STAFF"},
        {"town": "nulle-part", "role": "STAFF"},
    ]
    missing = await gql(ADD, zoe, token=token)
    zoe["input"]["towns"] = [
        {"town": "igny", "role": "STAFF"},
        {"town": "nulle-part", "role": "STAFF"},
    ]
    elsewhere = await gql(ADD, zoe, token=token)

    # then each is refused by the first town that fails, and nobody is added
    assert missing.codes == ["NOT_FOUND"]
    assert elsewhere.codes == ["FORBIDDEN"]
    assert (await gql(PEOPLE, token=world.token("admin"))).ok()["people"] == []


async def test_a_username_taken_between_the_check_and_the_insert_is_a_conflict(
    gql: GraphQLClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Zoé, added already, and a check that ran before she was (as when another replica
    # adds her at the same moment)
    await essonne(world)
    token = world.token("admin")
    (await gql(ADD, staff("zoe", "zoe@bievres.example"), token=token)).ok()

    async def nobody(*_: object) -> list[str]:
        return []

    monkeypatch.setattr(PersonRepository, "holders", nobody)

    # when she is added again, and then someone else with her address
    username = await gql(ADD, staff("zoe", "autre@bievres.example"), token=token)
    address = await gql(ADD, staff("zoe2", "zoe@bievres.example"), token=token)

    # then the database's unique index decides: a conflict on the field, not INTERNAL
    assert username.codes == ["CONFLICT"]
    assert username.errors[0]["extensions"]["field"] == "username"
    assert address.codes == ["CONFLICT"]
    assert address.errors[0]["extensions"]["field"] == "email"
    # and nobody was added by the refusals
    monkeypatch.undo()
    assert (await gql(PEOPLE, token=token)).ok()["people"] == [{"username": "zoe"}]
