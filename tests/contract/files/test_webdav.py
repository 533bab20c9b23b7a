"""What only the generic WebDAV backend (on the real WsgiDAV) must show."""

from __future__ import annotations

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
    # given a source that fails midway (WsgiDAV writes PUT bodies in place, partial or not)
    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(300_000)
        raise ConnectionResetError("gone")

    # when it is uploaded
    with pytest.raises(RequestError):
        await webdav_store.upload("/coupé.bin", broken(), size=None)

    # then the store's folder on the server's disk is empty: the temporary file was deleted
    assert wsgidav.log_path is not None
    folder = Path(wsgidav.log_path).parent / "files" / webdav_store.root.strip("/")
    assert list(folder.iterdir()) == []
