"""Who may change whose memberships, and the rules on shares."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

SET = """
mutation Set($person: ID!, $town: String!, $role: Role!, $share: Float) {
  setMembership(person: $person, town: $town, role: $role, share: $share) {
    role share town { slug } person { username }
  }
}
"""
REMOVE = """
mutation Remove($person: ID!, $town: String!) { removeMembership(person: $person, town: $town) }
"""
MEMBERS = 'query { town(slug: "bievres") { members { role share person { username } } } }'
PEOPLE = "query People($search: String) { people(search: $search) { username } }"
AUDIT = "query { auditLog(first: 50) { entries { actor action outcome town { slug } } } }"


def args(
    world: World, who: str, town: str, role: str, share: float | None = None
) -> dict[str, Any]:
    return {"person": world.people[who].id, "town": town, "role": role, "share": share}


async def members(gql: GraphQLClient, world: World) -> dict[str, tuple[str, float | None]]:
    reply = (await gql(MEMBERS, token=world.token("admin"))).ok()
    return {m["person"]["username"]: (m["role"], m["share"]) for m in reply["town"]["members"]}


async def test_town_admin_adds_a_member_to_their_town(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    reply = await gql(SET, args(world, "louis", "bievres", "STAFF"), token=world.token("ines"))

    assert reply.ok()["setMembership"] == {
        "role": "STAFF",
        "share": None,
        "town": {"slug": "bievres"},
        "person": {"username": "louis"},
    }
    assert (await members(gql, world))["louis"] == ("STAFF", None)


async def test_town_admin_cannot_touch_another_town(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    reply = await gql(SET, args(world, "ines", "igny", "TOWN_ADMIN"), token=world.token("ines"))

    assert reply.codes == ["FORBIDDEN"]
    me = await gql("{ towns { slug } }", token=world.token("ines"))
    assert me.ok()["towns"] == [{"slug": "bievres"}]


async def test_town_admin_cannot_change_their_own_membership(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    reply = await gql(SET, args(world, "ines", "bievres", "MANAGER"), token=world.token("ines"))

    assert reply.codes == ["FORBIDDEN"]
    assert (await members(gql, world))["ines"] == ("TOWN_ADMIN", None)


async def test_staff_and_managers_cannot_manage_members(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    by_camille = await gql(
        SET, args(world, "louis", "bievres", "STAFF"), token=world.token("camille")
    )
    by_louis = await gql(
        REMOVE, {"person": world.people["camille"].id, "town": "igny"}, token=world.token("louis")
    )

    assert by_camille.codes == ["FORBIDDEN"]
    assert by_louis.codes == ["FORBIDDEN"]


async def test_shares_stay_within_one_full_post(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    token = world.token("admin")

    above_one = await gql(SET, args(world, "camille", "bievres", "MANAGER", 1.5), token=token)
    negative = await gql(SET, args(world, "camille", "bievres", "MANAGER", -0.1), token=token)
    too_much = await gql(SET, args(world, "camille", "bievres", "MANAGER", 0.4), token=token)
    fine = await gql(SET, args(world, "camille", "bievres", "MANAGER", 0.25), token=token)

    assert above_one.codes == negative.codes == too_much.codes == ["BAD_INPUT"]
    assert fine.ok()["setMembership"]["share"] == 0.25
    assert (await members(gql, world))["camille"] == ("MANAGER", 0.25)


async def test_removing_a_membership(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    token = world.token("ines")
    camille = world.people["camille"].id

    removed = await gql(REMOVE, {"person": camille, "town": "bievres"}, token=token)
    again = await gql(REMOVE, {"person": camille, "town": "bievres"}, token=token)
    unknown_town = await gql(REMOVE, {"person": camille, "town": "atlantis"}, token=token)

    assert removed.ok() == {"removeMembership": True}
    assert again.codes == ["NOT_FOUND"]
    assert unknown_town.codes == ["NOT_FOUND"]
    assert "camille" not in await members(gql, world)


async def test_membership_changes_and_refusals_are_audited_for_the_town(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    await gql(SET, args(world, "louis", "bievres", "STAFF"), token=world.token("ines"))
    await gql(SET, args(world, "ines", "bievres", "MANAGER"), token=world.token("ines"))

    entries = (await gql(AUDIT, token=world.token("ines"))).ok()["auditLog"]["entries"]

    assert [(e["actor"], e["action"], e["outcome"], e["town"]) for e in entries] == [
        ("ines", "membership.set", "FORBIDDEN", {"slug": "bievres"}),
        ("ines", "membership.set", "ok", {"slug": "bievres"}),
        ("system", "town.provision.directory", "ok", {"slug": "bievres"}),
        ("system", "town.provision", "ok", {"slug": "bievres"}),
    ]


async def test_people_search_is_scoped(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    everyone = (await gql(PEOPLE, token=world.token("admin"))).ok()["people"]
    for_ines = (await gql(PEOPLE, token=world.token("ines"))).ok()["people"]
    searched = (await gql(PEOPLE, {"search": "CAM"}, token=world.token("louis"))).ok()["people"]

    assert {p["username"] for p in everyone} == {"admin", "camille", "louis", "ines"}
    assert {p["username"] for p in for_ines} == {"camille", "ines"}
    assert searched == [{"username": "camille"}]


async def test_town_admin_cannot_add_themselves_to_another_town(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    for role in ("STAFF", "MANAGER", "TOWN_ADMIN"):
        reply = await gql(SET, args(world, "ines", "igny", role), token=world.token("ines"))
        assert reply.codes == ["FORBIDDEN"]
    towns = (await gql("{ towns { slug } }", token=world.token("ines"))).ok()["towns"]
    assert towns == [{"slug": "bievres"}]


async def test_no_mutation_can_grant_hub_admin(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    schema = await gql(
        "{ __schema { mutationType { fields { name args { name type { name inputFields "
        "{ name } ofType { name inputFields { name } } } } } } } }",
        token=world.token("ines"),
    )

    names: set[str] = set()
    for field in schema.ok()["__schema"]["mutationType"]["fields"]:
        for arg in field["args"]:
            names.add(arg["name"])
            for kind in (arg["type"], arg["type"].get("ofType") or {}):
                names |= {f["name"] for f in kind.get("inputFields") or []}
    assert not {n for n in names if "admin" in n.lower()}
    me = await gql("{ me { hubAdmin } }", token=world.token("ines"))
    assert me.ok() == {"me": {"hubAdmin": False}}
