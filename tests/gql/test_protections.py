"""Limits, error masking and production hardening of the GraphQL endpoint."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

import httpx
import pytest
from graphql.language.parser import Parser
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Environment, Settings
from hub.services import Services, build_services
from hub.towns import service as town_service
from hub.towns.models import Workspace
from tests.support.graphql import GraphQLClient, hub_http, operation
from tests.support.territory import essonne
from tests.support.world import World

CHAIN = ("members", "person", "memberships", "town")
LEAF = {"towns": "slug", "town": "slug", "members": "role", "person": "username"}


def nested(levels: int) -> str:
    """A query exactly ``levels`` fields deep: towns → members → person → memberships → town…"""
    names = ["towns", *(CHAIN[i % len(CHAIN)] for i in range(levels - 2))]
    inner = LEAF.get(names[-1], "role")
    for name in reversed(names):
        inner = f"{name} {{ {inner} }}"
    return f"query {{ {inner} }}"


def nested_in_fragments(levels: int) -> str:
    """The same depth, each level of the chain in its own fragment."""
    kinds = {"towns": "Town", "town": "Town", "members": "Membership", "person": "Person"}
    kinds["memberships"] = "Membership"
    names = ["towns", *(CHAIN[i % len(CHAIN)] for i in range(levels - 2))]
    fragments = [
        f"fragment F{len(names)} on {kinds[names[-1]]} {{ {LEAF.get(names[-1], 'role')} }}"
    ]
    for i in range(len(names) - 1, 0, -1):
        fragments.append(
            f"fragment F{i} on {kinds[names[i - 1]]} {{ {names[i]} {{ ...F{i + 1} }} }}"
        )
    return "query { towns { ...F1 } } " + " ".join(fragments)


@pytest.mark.parametrize("shape", [nested, nested_in_fragments])
async def test_ten_levels_pass_and_eleven_are_refused(
    gql: GraphQLClient, world: World, shape: Callable[[int], str]
) -> None:
    await essonne(world)
    admin = world.token("admin")

    ten = await gql(shape(10), token=admin)
    eleven = await gql(shape(11), token=admin)

    assert ten.ok()["towns"]
    assert eleven.codes == ["BAD_INPUT"]
    assert eleven.errors[0]["message"] == (
        "The query is 11 levels deep; the limit is 10 (HUB_MAX_QUERY_DEPTH)."
    )


async def test_more_than_fifteen_aliases_are_refused(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    aliases = " ".join(f"a{i}: towns {{ slug }}" for i in range(16))
    fifteen = " ".join(f"a{i}: towns {{ slug }}" for i in range(15))

    refused = await gql(f"query {{ {aliases} }}", token=world.token("admin"))
    allowed = await gql(f"query {{ {fifteen} }}", token=world.token("admin"))

    assert refused.codes == ["BAD_INPUT"]
    assert refused.errors[0]["message"] == (
        "The query has 16 aliases; the limit is 15 (HUB_MAX_QUERY_ALIASES)."
    )
    assert allowed.ok()


async def test_aliases_hidden_in_fragments_count_too(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    fragment_aliases = " ".join(f"s{i}: slug" for i in range(16))

    eight = " ".join(f"s{i}: slug" for i in range(8))

    reply = await gql(
        f"query {{ towns {{ ...F }} }} fragment F on Town {{ {fragment_aliases} }}",
        token=world.token("admin"),
    )
    spread_twice = await gql(
        f"query {{ towns {{ ...E }} again: towns {{ ...E }} }} fragment E on Town {{ {eight} }}",
        token=world.token("admin"),
    )

    assert reply.codes == ["BAD_INPUT"]
    assert spread_twice.errors[0]["message"] == (
        "The query has 17 aliases; the limit is 15 (HUB_MAX_QUERY_ALIASES)."
    )


async def test_token_floods_are_refused(gql: GraphQLClient, world: World) -> None:
    await essonne(world)
    flood = "query { towns { " + "slug " * 2100 + "} }"

    reply = await gql(flood, token=world.token("admin"))

    assert reply.codes == ["BAD_INPUT"]


MAX_QUERY_CHARS = 20_000  # the default of HUB_MAX_QUERY_CHARS


def padded(query: str, length: int) -> str:
    """``query`` preceded by a comment, ``length`` characters in all."""
    return "#" + "x" * (length - len(query) - 2) + "\n" + query


async def test_a_query_longer_than_the_limit_is_refused_before_it_is_parsed(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    limit = MAX_QUERY_CHARS

    at_limit = await gql(padded("query { towns { slug } }", limit), token=world.token("admin"))
    over = await gql(padded("query { towns { slug } }", limit + 1))  # no token needed

    assert at_limit.ok()["towns"]
    assert over.codes == ["BAD_INPUT"]
    assert over.errors[0]["message"] == (
        f"The query has {limit + 1} characters; the limit is {limit} (HUB_MAX_QUERY_CHARS). "
        "Send variables instead of long literals."
    )


async def test_the_loop_answers_while_a_maximal_query_is_parsed(
    gql: GraphQLClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await essonne(world)
    limit = MAX_QUERY_CHARS
    query = padded("query { towns { slug } }", limit)  # the longest query allowed
    parsing, health_answered = threading.Event(), threading.Event()
    answered_during_parse: list[bool] = []
    parse_document = Parser.parse_document

    def slow_parse(parser: Parser) -> object:
        # holds this one parse until /healthz has answered (or 2 s): if parsing ran on the
        # event loop, /healthz could not answer meanwhile
        if len(parser._lexer.source.body) == limit:
            parsing.set()
            answered_during_parse.append(health_answered.wait(timeout=2))
        return parse_document(parser)

    monkeypatch.setattr(Parser, "parse_document", slow_parse)

    big = asyncio.create_task(gql(query, token=world.token("admin")))
    assert await asyncio.to_thread(parsing.wait, 5)
    health = await gql.http.get("/healthz")
    health_answered.set()
    reply = await big

    assert health.status_code == 200
    assert answered_during_parse == [True]
    assert reply.ok()["towns"]


FIFTEEN_LISTINGS_DEEP = (
    "query { towns { members { person { memberships { town { workspace { "
    + " ".join(f'e{i}: entries(path: "/") {{ name }}' for i in range(15))
    + " } } } } } } }"
)


async def test_a_query_that_would_make_too_many_backend_calls_is_refused(
    gql: GraphQLClient, world: World
) -> None:
    await essonne(world)

    reply = await gql(FIFTEEN_LISTINGS_DEEP, token=world.token("admin"))

    assert len(FIFTEEN_LISTINGS_DEEP) < 600  # the review's: 285 listings on its data
    assert reply.codes == ["BAD_INPUT"]
    assert reply.data is None  # refused before anything ran
    message = reply.errors[0]["message"]
    assert message.startswith("The query would cost 150")
    assert "the limit is 5000 (HUB_MAX_QUERY_COST)" in message


async def test_the_query_limits_are_configurable(services: Services, world: World) -> None:
    await essonne(world)
    strict = services.settings.model_copy(
        update={"max_query_cost": 100, "max_query_depth": 3, "max_query_chars": 400}
    )
    recent_files = operation("portal/RecentFiles")  # 4 001: a walk of 40 folders per workspace

    async with hub_http(replace(services, settings=strict)) as http:
        client = GraphQLClient(http)
        admin = world.token("admin")
        costly = await client(recent_files, token=admin)
        deep = await client("query { towns { members { person { username } } } }", token=admin)
        long = await client(padded("query { towns { slug } }", 401), token=admin)
        fine = await client("query { towns { members { role } } }", token=admin)

    assert "the limit is 100 (HUB_MAX_QUERY_COST)" in costly.errors[0]["message"]
    assert "the limit is 3 (HUB_MAX_QUERY_DEPTH)" in deep.errors[0]["message"]
    assert "the limit is 400 (HUB_MAX_QUERY_CHARS)" in long.errors[0]["message"]
    assert fine.ok()["towns"]


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


async def test_production_has_no_ide_and_no_introspection(
    production_http: httpx.AsyncClient,
) -> None:
    page = await production_http.get("/graphql", headers={"Accept": "text/html"})
    introspection = await production_http.post(
        "/graphql", json={"query": "query { __schema { types { name } } }"}
    )

    assert page.status_code in (404, 405)
    body = introspection.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "data" not in body or body["data"] is None


SET_ROLE = 'mutation($r: Role!) { setMembership(person: "p", town: "t", role: $r) { role } }'
PROVISION = "mutation($i: ProvisionTownInput!) { provisionTown(input: $i) { slug } }"
TYPOS = {
    "field": ("query { towns { slg } }", {}),
    "argument": ('query { town(slg: "igny") { slug } }', {}),
    "type": ("query($r: Rol) { towns { slug } }", {}),
    "enum value": ('mutation { setMembership(person: "p", town: "t", role: STAF) { role } }', {}),
    "enum value in a variable": (SET_ROLE, {"r": "STAF"}),
    "input field": (
        'mutation { provisionTown(input: {slug: "a", name: "A", inseCode: "1"}) { slug } }',
        {},
    ),
    "input field in a variable": (PROVISION, {"i": {"slug": "a", "name": "A", "inseCode": "1"}}),
}


@pytest.mark.parametrize("kind", list(TYPOS))
async def test_production_suggests_nothing_of_any_kind(
    production_http: httpx.AsyncClient, gql: GraphQLClient, kind: str
) -> None:
    query, variables = TYPOS[kind]

    development = await gql(query, variables)
    production = await production_http.post(
        "/graphql", json={"query": query, "variables": variables}
    )

    assert "Did you mean" in str(development.errors)  # the typo is one a hint would name
    errors = production.json()["errors"]
    assert errors and all(e["extensions"]["code"] == "BAD_INPUT" for e in errors)
    assert "Did you mean" not in str(errors)


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
