"""An upload's MOVE into place may take as long as the upload's own answer (RFC 4918 lets a
server carry a MOVE out as a copy then a delete; a server still writing a large file out
answers it later)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from connectors.files.webdav import WebDavStore
from tests.support.local_server import serving

SIZE = 32 * 1024 * 1024  # 1 s more to wait at the upload answer rate
FOUND = f"""<d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/big.bin</d:href>
<d:propstat><d:prop><d:resourcetype/><d:getcontentlength>{SIZE}</d:getcontentlength></d:prop>
<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"""


async def _zeros() -> AsyncIterator[bytes]:
    piece = b"\0" * (1024 * 1024)
    for _ in range(SIZE // len(piece)):
        yield piece


async def test_an_upload_waits_for_a_move_that_copies_a_large_file() -> None:
    # given a server whose MOVE of the uploaded file answers 0.9 s later (a store whose
    # timeout is 0.5 s)
    moved: list[str] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.method == "PUT":
            async for _ in request.content.iter_chunked(64 * 1024):
                pass
            return web.Response(status=201)
        if request.method == "MOVE":
            await asyncio.sleep(0.9)
            moved.append(request.headers["Destination"])
            return web.Response(status=201)
        if request.method == "PROPFIND" and request.path == "/dav/big.bin" and moved:
            return web.Response(status=207, body=FOUND, content_type="application/xml")
        return web.Response(status=404)

    app = web.Application(client_max_size=2 * SIZE)
    app.router.add_route("*", "/{tail:.*}", handle)
    async with serving(app) as port:
        store = WebDavStore(
            f"http://127.0.0.1:{port}/dav", username="u", password="p", root="/", timeout=0.5
        )
        try:
            # when 32 MiB are uploaded
            entry = await store.upload("/big.bin", _zeros(), size=SIZE, overwrite=True)
        finally:
            await store.aclose()
    # then the MOVE's late answer was waited for, and the file is there
    assert moved == [f"http://127.0.0.1:{port}/dav/big.bin"]
    assert entry.path == "/big.bin" and entry.size == SIZE
