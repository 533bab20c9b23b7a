"""A person sees only the towns they belong to; hub admins see all."""

from __future__ import annotations

from datetime import timedelta

from tests.support.graphql import GraphQLClient, token_for
from tests.support.territory import essonne
from tests.support.world import World

TOWNS = "query { towns { slug } }"
TOWN = "query Town($slug: String!) { town(slug: $slug) { slug name } }"
COLLEAGUES = """
query { towns { slug members { role person { username memberships { town { slug } } } } } }
"""
ME = "query { me { hubAdmin person { username } memberships { role share town { slug } } } }"


def slugs(data: dict[str, list[dict[str, str]]]) -> list[str]:
    return [t["slug"] for t in data["towns"]]


async def test_each_person_sees_their_towns(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    assert slugs((await gql(TOWNS, token=world.token("camille"))).ok()) == [
        "bievres",
        "igny",
        "vauhallan",
    ]
    assert slugs((await gql(TOWNS, token=world.token("louis"))).ok()) == ["igny"]
    assert slugs((await gql(TOWNS, token=world.token("ines"))).ok()) == ["bievres"]
    assert len(slugs((await gql(TOWNS, token=world.token("admin"))).ok())) == 3


async def test_another_towns_slug_answers_exactly_as_an_unknown_one(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    token = world.token("louis")

    hidden = await gql(TOWN, {"slug": "bievres"}, token=token)
    unknown = await gql(TOWN, {"slug": "atlantis"}, token=token)
    own = await gql(TOWN, {"slug": "igny"}, token=token)

    assert hidden.codes == unknown.codes == ["NOT_FOUND"]
    assert hidden.data == unknown.data == {"town": None}
    assert [e["message"] for e in hidden.errors] == ["There is no town 'bievres' that you can see."]
    assert [e["message"] for e in unknown.errors] == [
        "There is no town 'atlantis' that you can see."
    ]
    assert own.ok() == {"town": {"slug": "igny", "name": "Igny"}}


async def test_colleagues_memberships_elsewhere_stay_hidden(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    towns = (await gql(COLLEAGUES, token=world.token("louis"))).ok()["towns"]

    members = {m["person"]["username"]: m for m in towns[0]["members"]}
    assert set(members) == {"camille", "louis"}
    assert members["camille"]["person"]["memberships"] == [{"town": {"slug": "igny"}}]


async def test_me_tells_roles_and_shares(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    me = (await gql(ME, token=world.token("camille"))).ok()["me"]

    assert me["hubAdmin"] is False
    assert me["person"] == {"username": "camille"}
    shares = {m["town"]["slug"]: (m["role"], m["share"]) for m in me["memberships"]}
    assert shares == {
        "igny": ("MANAGER", 0.5),
        "bievres": ("MANAGER", 0.3),
        "vauhallan": ("MANAGER", 0.2),
    }


async def test_no_token_bad_token_expired_token_are_unauthenticated(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    expired = token_for(world.services, world.people["camille"], ttl=timedelta(seconds=-120))

    assert (await gql(TOWNS)).codes == ["UNAUTHENTICATED"]
    assert (await gql(TOWNS, token="not-a-jwt")).codes == ["UNAUTHENTICATED"]
    assert (await gql(TOWNS, token=expired)).codes == ["UNAUTHENTICATED"]
    tampered = world.token("louis")[:-4] + "AAAA"
    assert (await gql(TOWNS, token=tampered)).codes == ["UNAUTHENTICATED"]


async def test_a_disabled_persons_valid_token_is_refused(gql: GraphQLClient, world: World) -> None:
    await world.town("igny", "Igny", "91312")
    await world.person("gone", active=False)
    await world.member("gone", "igny")

    reply = await gql(TOWNS, token=world.token("gone"))

    assert reply.codes == ["UNAUTHENTICATED"]
    assert reply.data is None
