"""The real WsgiDAV, started once per session in a temporary folder, and a fresh
``WebDavStore`` per test rooted in its own folder (tests never see each other's files)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from connectors.files.webdav import WebDavStore
from hub.embedded.process import EmbeddedServer
from hub.embedded.wsgidav import start_wsgidav


@pytest.fixture(scope="session")
def wsgidav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = start_wsgidav(tmp_path_factory.mktemp("wsgidav"))
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def fresh_store(server: EmbeddedServer) -> AsyncIterator[WebDavStore]:
    """A store on ``server`` rooted in a new folder of its own, closed afterwards."""
    store = WebDavStore(
        server.url,
        username=server.username,
        password=server.password,
        root=f"/t-{uuid.uuid4().hex[:12]}",
        timeout=5.0,
    )
    await store.ensure_folder("/")
    try:
        yield store
    finally:
        await store.aclose()


@pytest.fixture
async def webdav_store(wsgidav: EmbeddedServer) -> AsyncIterator[WebDavStore]:
    async with fresh_store(wsgidav) as store:
        yield store
