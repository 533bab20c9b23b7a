"""What only the generic WebDAV backend (on the real WsgiDAV) must show."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.errors import Forbidden, RequestError
from connectors.files.webdav import WebDavStore
from hub.embedded.process import EmbeddedServer
from hub.embedded.wsgidav import start_wsgidav


async def test_cut_off_upload_leaves_no_partial_file_on_disk(
    wsgidav: EmbeddedServer, webdav_store: WebDavStore
) -> None:
    # given the store's folder on the server's disk
    assert wsgidav.log_path is not None
    folder = Path(wsgidav.log_path).parent / "files" / webdav_store.root.strip("/")

    # and a source that fails midway, once WsgiDAV has started writing the (hidden) file
    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(300_000)
        async with asyncio.timeout(5):
            while not any(folder.iterdir()):
                await asyncio.sleep(0.01)
        raise ConnectionResetError("gone")

    # when it is uploaded
    with pytest.raises(RequestError):
        await webdav_store.upload("/coupé.bin", broken(), size=None)

    # then the partial file WsgiDAV wrote in place was deleted by the store
    assert list(folder.iterdir()) == []


async def test_embedded_wsgidav_restart_keeps_files_and_credentials(tmp_path: Path) -> None:
    # given an embedded WsgiDAV that stored a file, then stopped
    first = start_wsgidav(tmp_path)
    try:
        store = WebDavStore(first.url, username=first.username, password=first.password)
        await store.upload("/gardé.txt", _one(b"toujours"), size=8)
        await store.aclose()
    finally:
        first.stop()

    # when it starts again on the same data folder
    second = start_wsgidav(tmp_path)
    try:
        store = WebDavStore(second.url, username=second.username, password=second.password)
        download = await store.download("/gardé.txt")
        body = b"".join([chunk async for chunk in download.chunks()])
        wrong = WebDavStore(second.url, username=second.username, password="not-it")
        with pytest.raises(Forbidden):
            await wrong.list("/")
        await wrong.aclose()
        await store.aclose()
    finally:
        second.stop()

    # then the same password works, a wrong one does not, and the file is still there
    assert second.password == first.password
    assert body == b"toujours"
    assert (tmp_path / "wsgidav.password").stat().st_mode & 0o077 == 0


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data
