"""A connection back in the transport's pool stays usable however long it waits there.

aiohttp 3.14 re-arms its ``sock_read`` timer when a paused read resumes, even when that
resumption is what completes the answer and puts the connection back in the pool: the timer
then fires on the idle connection and the next request handed that connection fails at once
with ``SocketTimeoutError``. It happens whenever the end of an answer arrives while more than
aiohttp's buffer (128 KiB by default) waits unread: a large download or listing read a little
slower than it came. In the files benchmark one run in four lost an upload to
BACKEND_UNAVAILABLE this way, after the large downloads before it.

The server here sends each answer in a single write, and the session reads with a 1 KiB
buffer, so that the answer always overflows it: the same sequence, every time. The session
otherwise is the one the transport made for itself before (``sock_read`` as its default),
so that a transport leaning on aiohttp's timer again fails here.

A server also closes an idle kept-alive connection when it likes, and a request may go out
on it just then: aiohttp sends GET, PUT or DELETE again by itself, not the WebDAV methods. A
safe one (PROPFIND, REPORT) is now sent again on a new connection; a MOVE, which the server
may have carried out, is not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from connectors.errors import Unavailable
from connectors.http import Transport

BODY = b"x" * 16 * 1024
TIMEOUT = 0.2


async def _answer_in_one_write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Each request (no body) answered 200 with ``BODY``, head and body in one write."""
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
                + BODY
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def transport() -> AsyncIterator[tuple[Transport, str]]:
    server = await asyncio.start_server(_answer_in_one_write, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    session = aiohttp.ClientSession(
        read_bufsize=1024,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=TIMEOUT, sock_read=TIMEOUT),
    )
    transport = Transport(
        backend="webdav", username="u", password="p", timeout=TIMEOUT, session=session
    )
    try:
        yield transport, f"http://127.0.0.1:{port}/file"
    finally:
        await session.close()
        server.close()
        await server.wait_closed()


async def _read(transport: Transport, url: str) -> bytes:
    return (await transport.send("GET", url, what="read")).body


async def _download(transport: Transport, url: str) -> bytes:
    download = await transport.get_stream(url, byte_range=None, what="download")
    return b"".join([chunk async for chunk in download.chunks()])


@pytest.mark.parametrize("take", [_read, _download], ids=["answer read whole", "download"])
async def test_a_connection_idle_in_the_pool_serves_the_next_request(
    transport: tuple[Transport, str], take: Callable[[Transport, str], Awaitable[bytes]]
) -> None:
    client, url = transport
    # given an answer taken whole, its connection back in the pool
    assert await take(client, url) == BODY
    # when the connection waits there longer than the backend's timeout
    await asyncio.sleep(TIMEOUT * 2)
    # then the next request on it is answered (it failed at once with SocketTimeoutError)
    assert await take(client, url) == BODY


async def test_a_server_that_stops_sending_still_costs_only_the_timeout(
    transport: tuple[Transport, str],
) -> None:
    # the waits the transport now bounds itself: a server that sends its head and then
    # nothing more is given up after the timeout, not waited for
    async def head_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await writer.drain()
        await asyncio.sleep(5)
        writer.close()

    client, _ = transport
    server = await asyncio.start_server(head_only, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    try:
        loop = asyncio.get_running_loop()
        for take in (_read, _download):
            began = loop.time()
            with pytest.raises(Unavailable):
                await take(client, url)
            assert loop.time() - began < TIMEOUT * 5
    finally:
        server.close()


class ClosingServer:
    """Answers the first request of each connection (kept alive), then closes the connection
    when the next request arrives on it, unanswered: a server whose keep-alive timeout ran out
    just as that request went out. Records each request's method."""

    def __init__(self) -> None:
        self.methods: list[str] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self._record(head)
            body = await reader.readexactly(_length(head))
            writer.write(
                b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            self._record(await reader.readuntil(b"\r\n\r\n"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _record(self, head: bytes) -> None:
        self.methods.append(head.split(b" ", 1)[0].decode())


def _length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.fixture
async def closing() -> AsyncIterator[tuple[ClosingServer, Transport, str]]:
    recorder = ClosingServer()
    server = await asyncio.start_server(recorder, "127.0.0.1", 0)
    transport = Transport(backend="webdav", username="u", password="p", timeout=2.0, limit=1)
    try:
        yield recorder, transport, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/f/"
    finally:
        await transport.aclose()
        server.close()


@pytest.mark.parametrize("method", ["PROPFIND", "REPORT"])
async def test_a_safe_request_on_a_connection_the_server_just_closed_is_sent_again(
    closing: tuple[ClosingServer, Transport, str], method: str
) -> None:
    recorder, client, url = closing
    body = b"<d:propfind xmlns:d='DAV:'><d:allprop/></d:propfind>"
    # given a first answer on a kept-alive connection
    assert (await client.send(method, url, what="first", data=body)).body == body
    # when the server closes that connection as the next request goes out on it
    reply = await client.send(method, url, what="second", data=body)
    # then the request went out again on a new connection, and was answered
    assert reply.status == 207 and reply.body == body
    assert recorder.methods == [method] * 3


async def test_a_move_on_a_connection_the_server_just_closed_is_not_sent_again(
    closing: tuple[ClosingServer, Transport, str],
) -> None:
    # a MOVE the server may have carried out before closing must not be made twice
    recorder, client, url = closing
    await client.send("PROPFIND", url, what="first", data=b"")
    with pytest.raises(Unavailable):
        await client.send("MOVE", url, what="move", headers={"Destination": url + "x"})
    assert recorder.methods == ["PROPFIND", "MOVE"]
