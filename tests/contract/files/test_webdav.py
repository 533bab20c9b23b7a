"""What only the generic WebDAV backend (on the real WsgiDAV) must show."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests

from connectors.errors import ConnectorError, Forbidden, RequestError
from connectors.files.webdav import WebDavStore
from connectors.http import CHUNKED_PIECE, Transport
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


async def test_a_put_of_unknown_length_goes_out_in_chunks_of_64_kib_at_most() -> None:
    # given a bare HTTP server that records the chunk sizes of the body it receives
    sizes: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head.lower()
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
            sizes.append(size)
        await reader.readline()
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    http = Transport(backend="webdav", username="u", password="p", timeout=5)

    async def pieces() -> AsyncIterator[bytes]:
        yield b"a" * 300_000  # one large read of the uploaded file
        yield b"b" * 1_000

    # when the bytes are sent without a known length
    try:
        await http.put_stream(f"http://127.0.0.1:{port}/f", pieces(), size=None, what="upload")
    finally:
        await http.aclose()
        server.close()
    # then every chunk is at most 64 KiB, and all the bytes arrived
    assert max(sizes) == CHUNKED_PIECE == 64 * 1024
    assert sum(sizes) == 301_000


async def test_no_answer_is_left_open_for_the_garbage_collector(
    webdav_store: WebDavStore,
) -> None:
    # given every answer webdavclient3 receives recorded
    answers: list[requests.Response] = []
    webdav_store._server.client.session.hooks["response"].append(
        lambda response, *args, **kwargs: answers.append(response)
    )
    # when its calls succeed and fail (MKCOL twice, DELETE of what is not there)
    await webdav_store.make_folder("/dossier")
    for refused in (
        webdav_store.make_folder("/dossier"),
        webdav_store.delete("/absent.txt"),
    ):
        with pytest.raises(ConnectorError):
            await refused
    await webdav_store.delete("/dossier")
    # then every answer was read and closed (none holds a pooled connection until collected)
    assert len(answers) >= 4
    assert all(answer.raw.closed for answer in answers)
