"""A real Radicale for the test session, and a connected ``CalDAVStore`` per test.

radicale      session-scoped: one Radicale in a temporary directory (EmbeddedServer)
caldav_store  function-scoped: a ``CalDAVStore`` on that server's account, closed after
              the test; ``caldav_store.calendar_id`` names a calendar unique to the test
              (not created: call ``ensure_calendar``)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from caldav.davclient import DAVClient

from connectors.calendar.caldav_store import CalDAVStore
from hub.embedded.process import EmbeddedServer
from hub.embedded.radicale import start_radicale


def radicale_home(server: EmbeddedServer) -> str:
    """The account's calendar home on Radicale: ``/{user}/``."""
    return f"{server.url}{server.username}/"


def plain_client(server: EmbeddedServer) -> DAVClient:
    """caldav's own synchronous client: the independent reader that checks what the hub wrote
    (use it in a ``with`` block, off the event loop)."""
    return DAVClient(
        url=radicale_home(server),
        username=server.username,
        password=server.password,
        auth_type="basic",
    )


class TestCalDAVStore(CalDAVStore):
    """The store, plus the calendar id reserved for the running test."""

    __test__ = False  # not a test class, whatever pytest thinks of its name
    calendar_id: str

    @property
    def home_path(self) -> str:
        return self._home_path


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    # A short refusal delay keeps the suite fast; the refusals themselves are unchanged.
    server = start_radicale(Path(tmp_path_factory.mktemp("radicale")), failed_login_delay=0.05)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def caldav_store(radicale: EmbeddedServer) -> AsyncIterator[TestCalDAVStore]:
    store = TestCalDAVStore(radicale_home(radicale), radicale.username, radicale.password)
    store.calendar_id = f"cal-{uuid.uuid4().hex[:12]}"
    try:
        yield store
    finally:
        await store.aclose()
