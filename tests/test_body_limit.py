"""Request bodies over HUB_MAX_BODY_BYTES: 413 TOO_LARGE, refused before being read."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from html import unescape

import httpx

from hub.identity.sessions import COOKIE, open_session
from hub.services import Services
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.territory import essonne
from tests.support.world import World

MIB = 1024 * 1024
CHUNK = 64 * 1024


class Body:
    """A request body sent piece by piece, counting the pieces the hub asked for."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # a JSON string the hub would have to read whole: {"query": "#xxxx…"}
        yield b'{"query": "#'
        for _ in range(self.size // CHUNK):
            self.pulled += 1
            yield b"x" * CHUNK
        yield b'"}'


def too_large(response: httpx.Response, limit: int) -> bool:
    errors = response.json()["errors"]
    return response.status_code == 413 and errors == [
        {
            "message": f"The request body is larger than {limit} bytes (HUB_MAX_BODY_BYTES).",
            "extensions": {"code": "TOO_LARGE"},
        }
    ]


async def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(
    gql: GraphQLClient,
) -> None:
    body = Body(20 * MIB)  # the review's 20 MB comment, sent without a token

    response = await gql.http.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(20 * MIB + 14)},
    )

    assert too_large(response, MIB)
    assert body.pulled == 0


async def test_a_body_without_a_length_is_cut_at_the_limit(gql: GraphQLClient) -> None:
    body = Body(20 * MIB)  # chunked: the hub learns its size only by reading it

    response = await gql.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert too_large(response, MIB)
    assert body.pulled <= MIB // CHUNK + 1  # stopped at the limit, not read to the end


async def test_the_limit_is_configurable_and_bodies_under_it_pass(
    services: Services, world: World
) -> None:
    await essonne(world)
    small = replace(services, settings=services.settings.model_copy(update={"max_body_bytes": 400}))
    query = "query { towns { slug } }"
    headers = {"Authorization": f"Bearer {world.token('admin')}"}

    async with hub_http(small) as http:
        fits = await http.post("/graphql", json={"query": padded(query, 300)}, headers=headers)
        over = await http.post("/graphql", json={"query": padded(query, 500)}, headers=headers)

    assert fits.status_code == 200 and len(fits.json()["data"]["towns"]) == 3
    assert too_large(over, 400)


async def test_a_portal_form_over_the_limit_is_a_page_in_french(
    services: Services, world: World
) -> None:
    await essonne(world)
    small = replace(
        services, settings=services.settings.model_copy(update={"max_body_bytes": 4096})
    )
    async with world.services.sessions() as session:
        opened = await open_session(session, world.people["ines"])

    async with hub_http(small) as http:
        http.cookies.set(COOKIE, opened.cookie)
        response = await http.post(
            "/towns/bievres/staff",
            data={"csrf": opened.csrf_token, "displayName": "Z" * 8000, "username": "zoe"},
            headers={"Accept": "text/html"},
        )
        page = await http.get("/towns/bievres")

    assert response.status_code == 413
    alerts = [unescape(t) for t in re.findall(r'role="alert">([^<]*)<', response.text)]
    assert alerts == [
        "Le formulaire envoyé est trop volumineux\u202f; raccourcissez les textes et réessayez."
    ]
    assert "zoe" not in page.text


def padded(query: str, length: int) -> str:
    return "#" + "x" * (length - len(query) - 2) + "\n" + query
