"""One ``store`` fixture, parametrised over every FileStore backend: the generic WebDAV store
on the real WsgiDAV and on the real Apache httpd (mod_dav), and the Nextcloud store on the
Nextcloud double. Plus the two broken
servers every backend must survive: a closed port and a server that never answers."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from connectors.files.nextcloud import NextcloudStore
from connectors.files.nextcloud_admin import NextcloudAdmin
from connectors.files.port import FileStore
from connectors.files.webdav import WebDavStore
from hub.embedded.process import free_port
from tests.doubles.nextcloud import NextcloudDouble

StoreFactory = Callable[[str, float], FileStore]


def _root() -> str:
    return f"/t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def nextcloud_store(nextcloud_double: NextcloudDouble) -> AsyncIterator[NextcloudStore]:
    store = NextcloudStore(
        nextcloud_double.url,
        username=nextcloud_double.username,
        password=nextcloud_double.password,
        root=_root(),
        timeout=5.0,
    )
    await store.ensure_folder("/")
    try:
        yield store
    finally:
        await store.aclose()


@pytest.fixture
async def nextcloud_admin(nextcloud_double: NextcloudDouble) -> AsyncIterator[NextcloudAdmin]:
    admin = NextcloudAdmin(
        nextcloud_double.url,
        username=nextcloud_double.username,
        password=nextcloud_double.password,
        timeout=5.0,
    )
    try:
        yield admin
    finally:
        await admin.aclose()


@pytest.fixture(params=["webdav", "apache", "nextcloud"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


STORES = {"webdav": "webdav_store", "apache": "apache_store", "nextcloud": "nextcloud_store"}


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest) -> FileStore:
    fixture: FileStore = request.getfixturevalue(STORES[backend])
    return fixture


@pytest.fixture
async def store_at(backend: str) -> AsyncIterator[StoreFactory]:
    """Build a store of the current backend pointed at any URL (for broken servers)."""
    made: list[FileStore] = []

    def make(url: str, timeout: float) -> FileStore:
        if backend in ("webdav", "apache"):
            built: FileStore = WebDavStore(
                url, username="u", password="p", root="/x", timeout=timeout
            )
        else:
            built = NextcloudStore(url, username="u", password="p", root="/x", timeout=timeout)
        made.append(built)
        return built

    yield make
    for built in made:
        await built.aclose()


@pytest.fixture
def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A socket that listens (so connecting succeeds) but never accepts nor answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
