"""Entries about a town's member carry that town; the log filters by person, action and dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.people.test_staff import ADD, OFFBOARD, staff
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

LOG = """
query Log($town: String, $person: ID, $actions: [String!], $since: DateTime, $until: DateTime) {
  auditLog(town: $town, first: 100, person: $person, actions: $actions, since: $since,
           until: $until) {
    entries {
      action outcome town { slug } by { username } person { username } role share label scope
    }
  }
}
"""
SET = """
mutation Set($person: ID!, $town: String!, $role: Role!, $share: Float) {
  setMembership(person: $person, town: $town, role: $role, share: $share) { role share }
}
"""


async def log(gql: GraphQLClient, world: World, who: str, **filters: Any) -> list[dict[str, Any]]:
    reply = await gql(LOG, filters, token=world.token(who))
    return reply.ok()["auditLog"]["entries"]  # type: ignore[no-any-return]


async def test_the_town_admin_sees_her_own_adding_and_offboarding(
    gql: GraphQLClient, world: World
) -> None:
    # Given Inès adds Zoé to Bièvres, then offboards her
    await essonne(world)
    zoe = (await gql(ADD, staff(), token=world.token("ines"))).ok()["addStaff"]
    (await gql(OFFBOARD, {"person": zoe["id"]}, token=world.token("ines"))).ok()
    # When she reads Bièvres' log
    entries = await log(gql, world, "ines", town="bievres", actions=["person"])
    # Then both are there, with the town, who did it and about whom
    assert [(e["action"], e["town"], e["by"], e["person"]) for e in entries] == [
        ("person.offboard", {"slug": "bievres"}, {"username": "ines"}, {"username": "zoe"}),
        ("person.add", {"slug": "bievres"}, {"username": "ines"}, {"username": "zoe"}),
    ]
    assert entries[1]["role"] == "STAFF" and entries[1]["label"] == "Zoé  Lefèvre"


async def test_offboarding_a_pooled_manager_is_in_each_of_her_towns(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    camille = world.people["camille"].id

    (await gql(OFFBOARD, {"person": camille}, token=world.token("admin"))).ok()

    entries = await log(gql, world, "admin", actions=["person.offboard"])
    assert sorted(e["town"]["slug"] for e in entries) == ["bievres", "igny", "vauhallan"]
    assert [e["action"] for e in await log(gql, world, "ines", actions=["person"])] == [
        "person.offboard"
    ]


async def test_a_refused_offboarding_is_in_the_town_admins_log(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    refused = await gql(OFFBOARD, {"person": world.people["camille"].id}, token=world.token("ines"))

    assert refused.codes == ["FORBIDDEN"]
    (entry,) = await log(gql, world, "ines", town="bievres", actions=["person.offboard"])
    assert (entry["outcome"], entry["person"]) == ("FORBIDDEN", {"username": "camille"})


async def test_roles_and_shares_are_readable_and_filtered_by_person(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    louis = world.people["louis"].id
    await gql(
        SET,
        {"person": louis, "town": "igny", "role": "MANAGER", "share": 0.4},
        token=world.token("admin"),
    )

    about_louis = await log(gql, world, "admin", person=louis)
    by_ines = await log(gql, world, "admin", person=world.people["ines"].id)

    assert [(e["action"], e["role"], e["share"]) for e in about_louis] == [
        ("membership.set", "MANAGER", 0.4)
    ]
    assert by_ines == []


async def test_dates_filter_and_bad_filters(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    now = datetime.now(UTC)

    today = await log(gql, world, "admin", since=(now - timedelta(hours=1)).isoformat())
    later = await log(gql, world, "admin", since=(now + timedelta(hours=1)).isoformat())
    before = await log(gql, world, "admin", until=(now - timedelta(hours=1)).isoformat())
    bad = [
        {"actions": ["Robert'); DROP TABLE--"]},
        {"actions": ["event"] * 21},
        {"since": "2026-12-01T10:00:00"},
        {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
    ]

    assert today and later == [] and before == []
    for filters in bad:
        assert (await gql(LOG, filters, token=world.token("admin"))).codes == ["BAD_INPUT"], filters
