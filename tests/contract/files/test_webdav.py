"""What only the generic WebDAV backend (on the real WsgiDAV) must show."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.errors import RequestError
from connectors.files.webdav import WebDavStore
from hub.embedded.process import EmbeddedServer


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
