"""The admin's long lists a page at a time: towns and people by name, searchable, with a
cursor that continues exactly where the page ended, on each database."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub.people.models import Role
from hub.towns.models import ProvisioningStep
from tests.support.executor import items_through_general_path
from tests.support.graphql import GraphQLClient
from tests.support.world import World

TOWNS_PAGE = """query T($first: Int, $after: String, $search: String, $state: ProvisioningState) {
  townsPage(first: $first, after: $after, search: $search, state: $state) {
    towns { slug name inseeCode provisioning { state } } next total } }"""
PEOPLE_PAGE = """query P($first: Int, $after: String, $search: String) {
  peoplePage(first: $first, after: $after, search: $search) { people { username } next total } }"""
AUDIT = """query A($search: String) { auditLog(search: $search) { entries { action target } } }"""


async def towns(world: World, count: int) -> None:
    for n in range(count):
        # names that sort apart from their slugs, two of them equal
        name = "Saint-Martin" if n in (3, 4) else f"Commune {count - n:02d}"
        await world.town(f"town-{n:02d}", name, f"10{n:03d}")


async def all_pages(gql: GraphQLClient, token: str, query: str, key: str, **given: object):
    seen, after, pages = [], None, 0
    while True:
        data = (await gql(query, {**given, "after": after}, token=token)).ok()
        page = data[key]
        seen += page["towns" if key == "townsPage" else "people"]
        pages += 1
        after = page["next"]
        if after is None:
            return seen, page["total"], pages


async def test_towns_come_page_by_page_by_name_each_once(gql: GraphQLClient, world: World) -> None:
    # given 11 towns (two with the same name) and a hub administrator
    await towns(world, 11)
    await world.person("admin", hub_admin=True)
    # when he reads them 4 at a time
    seen, total, pages = await all_pages(
        gql, world.token("admin"), TOWNS_PAGE, "townsPage", first=4
    )
    # then each town came once, in name order, over 3 pages, and the total says 11
    assert total == 11 and pages == 3
    assert sorted(t["slug"] for t in seen) == [f"town-{n:02d}" for n in range(11)]
    assert [t["name"] for t in seen] == sorted(t["name"] for t in seen)


async def test_towns_searched_by_name_slug_or_insee_and_failed_ones(
    gql: GraphQLClient, world: World
) -> None:
    await towns(world, 6)
    await world.person("admin", hub_admin=True)
    token = world.token("admin")
    # given one town whose files step failed
    async with world.services.sessions() as session:
        failed = ProvisioningStep(
            town_id=world.towns["town-02"].id, name="files", position=1, error="down"
        )
        session.add(failed)
        await session.commit()

    async def slugs(**given: object) -> list[str]:
        page = (await gql(TOWNS_PAGE, given, token=token)).ok()["townsPage"]
        return sorted(t["slug"] for t in page["towns"])

    assert await slugs(search="saint-MARTIN") == ["town-03", "town-04"]
    assert await slugs(search="10005") == ["town-05"]
    assert await slugs(search="town-01") == ["town-01"]
    assert await slugs(search="%") == []  # a plain character, not a wildcard
    assert await slugs(state="FAILED") == ["town-02"]
    assert len(await slugs(state="COMPLETE")) == 5
    # when the step is done, the town is no longer among the failed ones
    async with world.services.sessions() as session:
        await session.execute(update(ProvisioningStep).values(done=True, error=None))
        await session.commit()
    assert await slugs(state="FAILED") == []


async def test_a_member_pages_through_their_own_towns_only(
    gql: GraphQLClient, world: World
) -> None:
    await towns(world, 5)
    await world.person("louis")
    await world.member("louis", "town-01")
    await world.member("louis", "town-03", Role.TOWN_ADMIN)
    page = (await gql(TOWNS_PAGE, {}, token=world.token("louis"))).ok()["townsPage"]
    assert sorted(t["slug"] for t in page["towns"]) == ["town-01", "town-03"]
    assert page["total"] == 2


async def test_people_come_page_by_page_and_searched(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)
    for n in range(9):
        await world.person(f"agent{n}")
    token = world.token("admin")
    seen, total, pages = await all_pages(gql, token, PEOPLE_PAGE, "peoplePage", first=4)
    assert total == 10 and pages == 3
    assert sorted(p["username"] for p in seen) == sorted(
        ["admin", *(f"agent{n}" for n in range(9))]
    )
    found = (await gql(PEOPLE_PAGE, {"search": "AGENT3"}, token=token)).ok()["peoplePage"]
    assert [p["username"] for p in found["people"]] == ["agent3"] and found["next"] is None


async def test_bad_pages_are_bad_input(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)
    token = world.token("admin")
    for query, variables, field in (
        (TOWNS_PAGE, {"first": 0}, "first"),
        (TOWNS_PAGE, {"first": 201}, "first"),
        (TOWNS_PAGE, {"after": "not-a-cursor"}, "after"),
        (PEOPLE_PAGE, {"search": "x" * 101}, "search"),
        # a cursor of the other list
        (PEOPLE_PAGE, {"after": "WyJ0b3duIiwgIkEiLCAiYiJd"}, "after"),
    ):
        reply = await gql(query, variables, token=token)
        assert reply.codes == ["BAD_INPUT"], (variables, reply.errors)
        assert reply.errors[0]["extensions"].get("field") == field


async def test_the_audit_log_is_searched(gql: GraphQLClient, world: World) -> None:
    await world.person("admin", hub_admin=True)
    token = world.token("admin")
    await gql(
        'mutation { provisionTown(input: {slug: "massy", name: "Massy", inseeCode: "91377"}) '
        "{ slug } }",
        token=token,
    )
    entries = (await gql(AUDIT, {"search": "MASS"}, token=token)).ok()["auditLog"]["entries"]
    assert entries and all("massy" in e["target"] for e in entries)
    assert (await gql(AUDIT, {"search": "nothing-like-it"}, token=token)).ok() == {
        "auditLog": {"entries": []}
    }


async def test_a_page_of_towns_reads_their_provisioning_at_once(
    gql: GraphQLClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 5 towns, one whose files step failed, and graphql-core's per-item path counted
    await towns(world, 5)
    await world.person("admin", hub_admin=True)
    async with world.services.sessions() as session:
        town = world.towns["town-02"].id
        session.add(ProvisioningStep(town_id=town, name="files", position=1, error="down"))
        await session.commit()
    per_item = items_through_general_path(monkeypatch)
    by_fragment = """query { townsPage { towns { ...T } } towns { slug provisioning { state } } }
      fragment T on Town { slug provisioning { state steps { name done error } } }"""
    # when the page and the whole list are read with each town's provisioning
    data = (await gql(by_fragment, token=world.token("admin"))).ok()
    # then each town has its own state and steps
    for listed in (data["townsPage"]["towns"], data["towns"]):
        states = {t["slug"]: t["provisioning"]["state"] for t in listed}
        assert states == {f"town-{n:02d}": "FAILED" if n == 2 else "COMPLETE" for n in range(5)}
    steps = {t["slug"]: t["provisioning"]["steps"] for t in data["townsPage"]["towns"]}
    assert {"name": "files", "done": False, "error": "down"} in steps["town-02"]
    # and no town went through the per-item path: the steps were read with the list
    assert per_item == []
    # a town on its own still gets its provisioning (through the loader)
    one = await gql(
        '{ town(slug: "town-02") { provisioning { state } } }', token=world.token("admin")
    )
    assert one.ok()["town"]["provisioning"]["state"] == "FAILED"
