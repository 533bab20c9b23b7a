"""A hub whose towns have calendars on the session's real Radicale.

calendar_hub   services + GraphQL client + world, calendars on Radicale, backend timeout
               0.5 s; the towns' calendars are deleted after the test
hanging_url    a server that accepts connections and never answers
closed_url     a port nothing listens on
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest

from connectors.calendar.caldav_store import CalDAVStore
from hub.backends import Endpoints
from hub.embedded.process import EmbeddedServer, free_port
from hub.embedded.stack import Endpoint
from hub.services import Services, build_services
from tests.servers.radicale import radicale_home
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.world import World

TIMEOUT = 0.5


@dataclass
class CalendarHub:
    services: Services
    gql: GraphQLClient
    world: World
    radicale: EmbeddedServer
    stores: list[CalDAVStore] = field(default_factory=list)

    def store(self, url: str | None = None) -> CalDAVStore:
        """A store on Radicale (or on ``url``), closed after the test. Its own request timeout
        is long: the hub's deadline is the one under test."""
        store = CalDAVStore(
            url or radicale_home(self.radicale),
            self.radicale.username,
            self.radicale.password,
            timeout=10 * TIMEOUT,
        )
        self.stores.append(store)
        return store


async def delete_calendars(radicale: EmbeddedServer, slugs: list[str]) -> None:
    token = base64.b64encode(f"{radicale.username}:{radicale.password}".encode()).decode()
    async with aiohttp.ClientSession() as http:
        for slug in slugs:
            url = f"{radicale_home(radicale)}{slug}/"
            async with http.delete(url, headers={"Authorization": f"Basic {token}"}) as reply:
                assert reply.status in (200, 204, 404)


@pytest.fixture
async def calendar_hub(services: Services, radicale: EmbeddedServer) -> AsyncIterator[CalendarHub]:
    settings = services.settings.model_copy(update={"backend_timeout": TIMEOUT})
    endpoint = Endpoint(radicale_home(radicale), radicale.username, radicale.password)
    own = build_services(settings, engine=services.engine, endpoints=Endpoints(caldav=endpoint))
    world = World(own)
    stores: list[CalDAVStore] = []
    try:
        async with hub_http(own) as http:
            yield CalendarHub(own, GraphQLClient(http), world, radicale, stores)
    finally:
        await own.backends.aclose()
        for store in stores:
            await store.aclose()
        await delete_calendars(radicale, list(world.towns))


@pytest.fixture
async def hanging_url() -> AsyncIterator[str]:
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # never answers; closed when the test ends

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/entente/"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.fixture
def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}/entente/"
