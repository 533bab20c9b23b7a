"""The one transport: redirects followed once for every connector (same origin only, same
method and body), a redirect elsewhere reported for an administrator, never as bad input."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from connectors.errors import Misconfigured, Unavailable
from connectors.http import Transport
from hub.backend_errors import api_error
from hub.errors import ErrorCode


@dataclass
class Seen:
    url: str = ""
    requests: list[tuple[str, str, bytes, str | None]] = field(default_factory=list)


async def _serve(handler: web.StreamResponse | object) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def servers() -> AsyncIterator[tuple[Seen, Seen]]:
    """``here`` redirects ``/dav/saclay`` to ``/dav/saclay/`` (as Apache does) and ``/away``
    to ``elsewhere``; both record what they receive."""
    here, elsewhere = Seen(), Seen()

    def recorder(seen: Seen):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            seen.requests.append(
                (request.method, request.path, body, request.headers.get("Authorization"))
            )
            if request.path == "/dav/saclay":
                raise web.HTTPMovedPermanently(f"{seen.url}/dav/saclay/")
            if request.path == "/away":
                raise web.HTTPMovedPermanently(f"{elsewhere.url}/stolen")
            return web.Response(status=207, body=b"<multistatus xmlns='DAV:'/>")

        return handle

    first, here.url = await _serve(recorder(here))
    second, elsewhere.url = await _serve(recorder(elsewhere))
    try:
        yield here, elsewhere
    finally:
        await first.cleanup()
        await second.cleanup()


async def test_a_redirect_to_the_collection_is_followed_with_the_same_method_and_body(
    servers: tuple[Seen, Seen],
) -> None:
    here, _ = servers
    transport = Transport(backend="webdav", username="u", password="p", timeout=5)
    try:
        reply = await transport.request(
            "PROPFIND", f"{here.url}/dav/saclay", what="list", ok=(207,), data=b"<propfind/>"
        )
    finally:
        await transport.aclose()
    assert reply.status == 207 and reply.url == f"{here.url}/dav/saclay/"
    assert [(m, p, b) for m, p, b, _ in here.requests] == [
        ("PROPFIND", "/dav/saclay", b"<propfind/>"),
        ("PROPFIND", "/dav/saclay/", b"<propfind/>"),
    ]


async def test_a_redirect_to_another_server_is_not_followed_and_is_for_an_administrator(
    servers: tuple[Seen, Seen],
) -> None:
    here, elsewhere = servers
    transport = Transport(backend="webdav", username="u", password="p", timeout=5)
    try:
        with pytest.raises(Misconfigured) as refused:
            await transport.request("PROPFIND", f"{here.url}/away", what="list", ok=(207,))
    finally:
        await transport.aclose()
    # the credentials never left for the other server
    assert elsewhere.requests == []
    # and the API answers it as the backend's problem, never as the caller's bad input
    error = api_error(refused.value)
    assert error.code is ErrorCode.BACKEND_UNAVAILABLE
    assert "administrator" in error.message


async def _stream(size: int) -> AsyncIterator[bytes]:
    piece = b"\0" * (1024 * 1024)
    for _ in range(size // len(piece)):
        yield piece


async def test_an_upload_waits_for_a_server_still_writing_it_out_but_not_for_ever() -> None:
    # given a server that answers an upload once it has written it out: 0.9 s after its last
    # byte for the first, never for the second (a transport whose timeout is 0.5 s)
    answers = iter([0.9, 6.0])

    async def slow_to_answer(request: web.Request) -> web.StreamResponse:
        async for _ in request.content.iter_chunked(64 * 1024):
            pass
        await asyncio.sleep(next(answers))
        return web.Response(status=201)

    runner, url = await _serve(slow_to_answer)
    transport = Transport(backend="webdav", username="u", password="p", timeout=0.5)
    size = 32 * 1024 * 1024  # 1 s more to wait at UPLOAD_ANSWER_RATE
    try:
        # when 32 MiB are put, their length known, then the answer 0.9 s later is taken
        await transport.put_stream(f"{url}/big.bin", _stream(size), size=size, what="upload")
        # and one that never comes is given up within the timeout and that allowance
        began = time.monotonic()
        with pytest.raises(Unavailable):
            await transport.put_stream(f"{url}/big.bin", _stream(size), size=None, what="upload")
        assert time.monotonic() - began < 5
    finally:
        await transport.aclose()
        await runner.cleanup()
