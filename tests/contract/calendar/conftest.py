"""The CalendarStore contract runs on every real CalDAV server the suite starts: Radicale and
Xandikos. ``dav`` names the server of the running test; ``caldav_store`` is a store on it
whose ``calendar_id`` is unique to the test (not created: call ``ensure_calendar``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from caldav.davclient import DAVClient

from hub.embedded.process import EmbeddedServer
from tests.servers.radicale import TestCalDAVStore, radicale_home
from tests.servers.xandikos import xandikos_home


@dataclass(frozen=True)
class DavServer:
    name: str
    server: EmbeddedServer
    home: str
    """The account's calendar home URL (ends with '/')."""

    @property
    def home_path(self) -> str:
        return urlsplit(self.home).path

    def plain_client(self) -> DAVClient:
        """caldav's own synchronous client, the independent reader (off the event loop)."""
        return DAVClient(
            url=self.home,
            username=self.server.username,
            password=self.server.password,
            auth_type="basic",
        )


@pytest.fixture(params=["radicale", "xandikos"])
def dav(request: pytest.FixtureRequest) -> DavServer:
    server: EmbeddedServer = request.getfixturevalue(request.param)
    home = radicale_home(server) if request.param == "radicale" else xandikos_home(server)
    return DavServer(request.param, server, home)


@pytest.fixture
async def caldav_store(dav: DavServer) -> AsyncIterator[TestCalDAVStore]:
    store = TestCalDAVStore(dav.home, dav.server.username, dav.server.password)
    store.calendar_id = f"cal-{uuid.uuid4().hex[:12]}"
    try:
        yield store
    finally:
        await store.aclose()
