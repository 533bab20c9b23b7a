"""addStaff and offboardStaff on the hub's own (local) directory."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

ADD = """
mutation Add($input: AddStaffInput!) {
  addStaff(input: $input) {
    id username displayName email active memberships { role town { slug } }
  }
}
"""
OFFBOARD = "mutation Off($person: ID!) { offboardStaff(person: $person) { username active } }"


def staff(username: str = "zoe", towns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "input": {
            "username": username,
            "displayName": "Zoé  Lefèvre",
            "email": f"{username}@bievres.example",
            "towns": towns if towns is not None else [{"town": "bievres", "role": "STAFF"}],
        }
    }


async def test_town_admin_adds_staff_to_their_town(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    person = (await gql(ADD, staff(), token=world.token("ines"))).ok()["addStaff"]

    assert person["displayName"] == "Zoé Lefèvre"
    assert person["active"] is True
    assert person["memberships"] == [{"role": "STAFF", "town": {"slug": "bievres"}}]


async def test_adding_staff_elsewhere_or_twice_is_refused(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    token = world.token("ines")

    elsewhere = await gql(ADD, staff(towns=[{"town": "igny", "role": "STAFF"}]), token=token)
    first = await gql(ADD, staff(), token=token)
    twice = await gql(ADD, staff(), token=token)
    bad_name = await gql(ADD, staff(username="Zoé!"), token=token)

    assert elsewhere.codes == ["FORBIDDEN"]
    assert first.ok()
    assert twice.codes == ["CONFLICT"]
    assert bad_name.codes == ["BAD_INPUT"]


async def test_offboarding_disables_the_person_and_their_token(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    louis_token = world.token("louis")

    reply = await gql(OFFBOARD, {"person": world.people["louis"].id}, token=world.token("admin"))

    assert reply.ok()["offboardStaff"] == {"username": "louis", "active": False}
    assert (await gql("{ towns { slug } }", token=louis_token)).codes == ["UNAUTHENTICATED"]


async def test_town_admin_cannot_offboard_a_pooled_manager(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    reply = await gql(OFFBOARD, {"person": world.people["camille"].id}, token=world.token("ines"))

    assert reply.codes == ["FORBIDDEN"]
