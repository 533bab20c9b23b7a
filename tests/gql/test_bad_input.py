"""Input the hub cannot use is BAD_INPUT naming what is wrong, never INTERNAL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from hub.towns.models import Workspace
from tests.support.graphql import GraphQLClient, Reply
from tests.support.territory import essonne
from tests.support.world import World

LONE_SURROGATE = "\ud800"
SEARCH = "query($s: String) { people(search: $s) { username } }"
READS = {
    "people(search:)": (SEARCH, "s"),
    "town(slug:)": ("query($s: String!) { town(slug: $s) { slug } }", "s"),
    "workspace(id:)": ("query($s: ID!) { workspace(id: $s) { name } }", "s"),
    "entries(path:)": (
        "query($w: ID!, $s: String!) { workspace(id: $w) { entries(path: $s) { name } } }",
        "s",
    ),
}


async def send(gql: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> Reply:
    """As a client sends it: JSON may carry a lone surrogate ("\\ud800"), UTF-8 cannot."""
    body = json.dumps({"query": query, "variables": variables})  # ASCII, escapes kept
    response = await gql.http.post(
        "/graphql",
        content=body.encode("ascii"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    answer = response.json()
    return Reply(response.status_code, answer.get("data"), answer.get("errors") or [])


async def igny_workspace(world: World) -> str:
    async with world.services.sessions() as session:
        found = await session.scalar(
            select(Workspace.id).where(Workspace.owner_town_id == world.towns["igny"].id)
        )
    assert found is not None
    return found


@pytest.mark.parametrize("read", list(READS))
async def test_a_lone_surrogate_in_an_argument_is_bad_input(
    gql: GraphQLClient, world: World, read: str
) -> None:
    await essonne(world)
    query, name = READS[read]
    variables = {name: f"ig{LONE_SURROGATE}ny", "w": await igny_workspace(world)}

    reply = await send(gql, query, variables, world.token("admin"))
    after = await gql("query { towns { slug } }", token=world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]
    assert reply.errors[0]["extensions"]["field"] == name
    assert "surrogate" in reply.errors[0]["message"]
    assert len(after.ok()["towns"]) == 3  # and the database session is fine


async def test_a_lone_surrogate_in_the_query_text_is_bad_input(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    query = f'query {{ town(slug: "ig{LONE_SURROGATE}ny") {{ slug }} }}'

    reply = await send(gql, query, {}, world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]


async def test_a_search_longer_than_a_hundred_characters_is_bad_input(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    longest = await gql(SEARCH, {"s": "x" * 100}, token=world.token("admin"))
    too_long = await gql(SEARCH, {"s": "x" * 50_000}, token=world.token("admin"))

    assert longest.ok() == {"people": []}
    assert too_long.codes == ["BAD_INPUT"]
    assert too_long.errors[0]["extensions"]["field"] == "search"
    assert too_long.errors[0]["message"] == "Search for at most 100 characters."


@pytest.mark.parametrize(("search", "found"), [("_", ["jean_paul"]), ("%", ["cent%"])])
async def test_wildcards_in_a_search_are_plain_characters(
    gql: GraphQLClient, world: World, search: str, found: list[str]
) -> None:
    await essonne(world)
    await world.person("jean_paul")
    await world.person("cent%")

    reply = await gql(SEARCH, {"s": search}, token=world.token("admin"))

    assert [p["username"] for p in reply.ok()["people"]] == found
