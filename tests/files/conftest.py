"""The hub wired to the real WsgiDAV: each test gets its own top folder on the server, so the
towns' folders (``/igny``…) of one test never meet another's.

files_services   the hub's services with WebDAV connected (and a 64 KiB upload limit)
files_gql        GraphQL over HTTP to that hub; ``.http`` reaches /download and /graphql/upload
files_world      the demo's shape (``essonne``) built through those services
on_disk          the folder WsgiDAV serves for this test, to check what really is on the server
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.files.webdav import WebDavStore
from hub.backends import Endpoints
from hub.config import Settings
from hub.embedded.process import EmbeddedServer
from hub.embedded.stack import Endpoint
from hub.services import Services, build_services
from tests.support.database import empty_tables
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.territory import essonne
from tests.support.world import World

UPLOAD_LIMIT = 64 * 1024


@pytest.fixture
def top_folder() -> str:
    return f"h-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def on_disk(wsgidav: EmbeddedServer, top_folder: str) -> Path:
    assert wsgidav.log_path is not None
    return wsgidav.log_path.parent / "files" / top_folder


@pytest.fixture
async def files_services(
    hub_engine: AsyncEngine, hub_settings: Settings, wsgidav: EmbeddedServer, top_folder: str
) -> AsyncIterator[Services]:
    await empty_tables(hub_engine)
    top = WebDavStore(
        wsgidav.url, username=wsgidav.username, password=wsgidav.password, root=f"/{top_folder}"
    )
    await top.ensure_folder("/")
    await top.aclose()
    settings = hub_settings.model_copy(
        update={"max_upload_bytes": UPLOAD_LIMIT, "backend_timeout": 2.0}
    )
    endpoint = Endpoint(f"{wsgidav.url}/{top_folder}", wsgidav.username, wsgidav.password)
    services = build_services(settings, engine=hub_engine, endpoints=Endpoints(webdav=endpoint))
    try:
        yield services
    finally:
        await services.backends.aclose()


@pytest.fixture
async def files_gql(files_services: Services) -> AsyncIterator[GraphQLClient]:
    async with hub_http(files_services) as http:
        yield GraphQLClient(http)


@pytest.fixture
async def files_world(files_services: Services) -> World:
    return await essonne(World(files_services))
