"""A hub whose towns live on the real WsgiDAV (a folder of the test's own) and Radicale, with
the directory of embedded mode; and one whose directory is Keycloak (the double and a real
one, through the ``inspector`` fixture), for the directory's drift.

drift_hub      services, GraphQL client and the demo's towns on WsgiDAV and Radicale
keycloak_hub   the same towns, directory on Keycloak only (no file or calendar server)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.directory.keycloak import KeycloakDirectory
from connectors.files.webdav import WebDavStore
from hub.backends import Endpoints
from hub.config import Settings
from hub.embedded.process import EmbeddedServer
from hub.embedded.stack import Endpoint
from hub.people.directory_sync import DirectoryStep
from hub.services import Services, build_services
from tests.agenda.fixtures import delete_calendars
from tests.contract.directory.conftest import connect
from tests.contract.directory.inspectors import Inspector
from tests.files.conftest import on_disk, top_folder
from tests.servers.radicale import radicale_home
from tests.support.database import empty_tables
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.territory import essonne
from tests.support.world import World

__all__ = ["DriftHub", "drift_hub", "keycloak_hub", "on_disk", "top_folder"]


@dataclass
class DriftHub:
    services: Services
    gql: GraphQLClient
    world: World
    on_disk: Path
    """The folder WsgiDAV serves for this test (the towns' folders are in it)."""
    radicale: EmbeddedServer

    @property
    def admin(self) -> str:
        return self.world.token("admin")


@pytest.fixture
async def drift_hub(
    hub_engine: AsyncEngine,
    hub_settings: Settings,
    wsgidav: EmbeddedServer,
    radicale: EmbeddedServer,
    top_folder: str,
    on_disk: Path,
) -> AsyncIterator[DriftHub]:
    await empty_tables(hub_engine)
    top = WebDavStore(
        wsgidav.url, username=wsgidav.username, password=wsgidav.password, root=f"/{top_folder}"
    )
    await top.ensure_folder("/")
    await top.aclose()
    endpoints = Endpoints(
        caldav=Endpoint(radicale_home(radicale), radicale.username, radicale.password),
        webdav=Endpoint(f"{wsgidav.url}/{top_folder}", wsgidav.username, wsgidav.password),
    )
    services = build_services(hub_settings, engine=hub_engine, endpoints=endpoints)
    world = World(services)
    try:
        await essonne(world)
        async with hub_http(services) as http:
            yield DriftHub(services, GraphQLClient(http), world, on_disk, radicale)
    finally:
        await services.backends.aclose()
        await delete_calendars(radicale, list(world.towns))


@pytest.fixture
async def keycloak_hub(
    inspector: Inspector, services: Services, gql: GraphQLClient, world: World
) -> AsyncIterator[tuple[Inspector, KeycloakDirectory]]:
    directory = connect(inspector)
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    try:
        await essonne(world)
        yield inspector, directory
    finally:
        await directory.close()
