"""Limits, error masking and production hardening of the GraphQL endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Environment, Settings
from hub.services import Services, build_services
from hub.towns import service as town_service
from hub.towns.models import Workspace
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.territory import essonne
from tests.support.world import World


def nested(depth: int) -> str:
    """A query ``depth`` levels deep through towns → members → person → memberships → …"""
    inner = "slug"
    for level in range(depth - 1):
        inner = (
            f"members {{ person {{ memberships {{ town {{ {inner} }} }} }} }}"
            if level % 2 == 0
            else inner
        )
    return f"query {{ towns {{ {inner} }} }}"


async def test_queries_deeper_than_ten_levels_are_refused(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    deep = (
        "query { towns { members { person { memberships { town { members { person { "
        "memberships { town { members { person { username } } } } } } } } } } } }"
    )

    reply = await gql(deep, token=world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]
    assert "depth" in reply.errors[0]["message"]


async def test_more_than_fifteen_aliases_are_refused(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    aliases = " ".join(f"a{i}: towns {{ slug }}" for i in range(16))
    fifteen = " ".join(f"a{i}: towns {{ slug }}" for i in range(15))

    refused = await gql(f"query {{ {aliases} }}", token=world.token("admin"))
    allowed = await gql(f"query {{ {fifteen} }}", token=world.token("admin"))

    assert refused.codes == ["BAD_INPUT"]
    assert allowed.ok()


async def test_aliases_hidden_in_fragments_count_too(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    fragment_aliases = " ".join(f"s{i}: slug" for i in range(16))

    reply = await gql(
        f"query {{ towns {{ ...F }} }} fragment F on Town {{ {fragment_aliases} }}",
        token=world.token("admin"),
    )

    assert reply.codes == ["BAD_INPUT"]


async def test_token_floods_are_refused(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    flood = "query { towns { " + "slug " * 2100 + "} }"

    reply = await gql(flood, token=world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]


async def test_unexpected_errors_are_masked(
    gql: GraphQLClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await essonne(world)

    async def broken(*_: object) -> None:
        raise RuntimeError("password=hunter2 in a stack trace")

    monkeypatch.setattr(town_service, "visible_towns", broken)

    reply = await gql("query { towns { slug } }", token=world.token("admin"))

    assert reply.codes == ["INTERNAL"]
    assert "hunter2" not in str(reply.errors)
    assert "hunter2" in caplog.text  # the details are logged for the operators


async def test_a_failing_field_lets_its_siblings_finish_their_database_reads(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    louis = world.token("louis")
    async with world.services.sessions() as session:
        igny = await session.scalar(
            select(Workspace.id).where(Workspace.owner_town_id == world.towns["igny"].id)
        )
    # entries fails at once; towns is then reading the database through its loader
    query = (
        'query($id: ID!) { workspace(id: $id) { towns { slug } entries(path: "<b>") { name } } }'
    )

    refused = await gql(query, {"id": igny}, token=louis)
    after = await gql("query { towns { slug } }", token=louis)

    assert refused.codes == ["BAD_INPUT"]
    assert after.ok() == {"towns": [{"slug": "igny"}]}


async def test_syntax_errors_are_bad_input(gql: GraphQLClient, world: World) -> None:
    await essonne(world)

    assert (await gql("query { towns { ", token=world.token("admin"))).codes == ["BAD_INPUT"]
    assert (await gql("query { nope }", token=world.token("admin"))).codes == ["BAD_INPUT"]


async def test_graphiql_and_introspection_outside_production(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    page = await gql.http.get("/graphql", headers={"Accept": "text/html"})
    schema = await gql("query { __schema { queryType { name } } }", token=world.token("admin"))

    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert schema.ok() == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.fixture
async def production_http(hub_engine: AsyncEngine, tmp_path: object) -> Iterator[httpx.AsyncClient]:
    settings = Settings(
        env=Environment.PRODUCTION,
        data_dir=tmp_path,  # type: ignore[arg-type]
        oidc_issuer="http://127.0.0.1:9",
        oidc_client_id="entente-hub",
    )
    async with hub_http(build_services(settings, engine=hub_engine)) as http:
        yield http  # type: ignore[misc]


async def test_production_has_no_ide_no_introspection_no_suggestions(
    production_http: httpx.AsyncClient,
) -> None:
    page = await production_http.get("/graphql", headers={"Accept": "text/html"})
    introspection = await production_http.post(
        "/graphql", json={"query": "query { __schema { types { name } } }"}
    )
    typo = await production_http.post("/graphql", json={"query": "query { town { slg } }"})

    assert page.status_code in (404, 405)
    body = introspection.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "data" not in body or body["data"] is None
    assert "Did you mean" not in str(typo.json())


async def test_relations_cost_the_same_queries_for_more_towns(
    gql: GraphQLClient, world: World, services: Services
) -> None:
    await essonne(world)
    query = """query { towns { slug provisioning { state } workspace { name towns { slug } }
      members { role person { username memberships { role town { slug } } } } } }"""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        (await gql(query, token=world.token("admin"))).ok()
        with_three = len(statements)
        for i in range(4):
            await world.town(f"ville-{i}", f"Ville {i}", f"9100{i + 1}")
            await world.person(f"agent{i}")
            await world.member(f"agent{i}", f"ville-{i}")
        statements.clear()
        towns = (await gql(query, token=world.token("admin"))).ok()["towns"]
        with_seven = len(statements)
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)

    assert len(towns) == 7
    assert with_seven == with_three


@pytest.mark.parametrize(
    ("method", "body", "headers"),
    [
        ("POST", b"{not json", {"Content-Type": "application/json"}),
        ("POST", b"[1, 2", {"Content-Type": "application/json"}),
        ("GET", None, {"Accept": "application/json"}),
    ],
)
async def test_requests_that_are_not_graphql_get_a_coded_error(
    gql: GraphQLClient, world: World, method: str, body: bytes | None, headers: dict[str, str]
) -> None:
    await essonne(world)
    reply = await gql.http.request(
        method,
        "/graphql" + ("?query={towns{slug}}" if method == "GET" else ""),
        content=body,
        headers={**headers, "Authorization": f"Bearer {world.token('admin')}"},
    )
    assert 400 <= reply.status_code < 500
    assert [e["extensions"]["code"] for e in reply.json()["errors"]] == ["BAD_INPUT"]
