"""The one aiohttp transport of the DAV connectors (WebDAV, Nextcloud, CalDAV).

One ``Transport`` per backend, shared by every store on it (every workspace, every town):
one connection pool, Basic credentials sent with each request (no 401 round trip), answers
read under a size cap, every failure turned into a ``connectors.errors`` error through
``for_status``, and the backend's circuit breaker consulted before each call.

**Redirects are followed here, once for everyone.** RFC 4918 lets a server redirect a
request for a collection named without its trailing slash (Apache's ``DirectorySlash On``
answers ``301`` to ``PROPFIND /dav/saclay``), and a 3xx is no refusal. A redirect to the same
origin is followed with the same method, headers and body, up to ``MAX_REDIRECTS`` times; one
to another origin is not (credentials must not leave for another host) and is reported as
``Misconfigured``. A MOVE or COPY redirected without a ``Location`` names an existing
collection as its ``Destination`` without the slash: it is sent again with it. A streamed
body cannot be sent twice: a PUT that is redirected is reported
the same way (servers redirect collections, never the file URLs a PUT names).
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from connectors.breaker import Breaker
from connectors.errors import (
    ConnectorError,
    Misconfigured,
    RequestError,
    TooLarge,
    Unavailable,
    for_status,
)

READ_CHUNK = 64 * 1024
CHUNKED_PIECE = 64 * 1024
"""The largest chunk of a PUT of unknown length (chunked transfer coding). Servers read a
request body in small blocks, and some copy what is left of the current chunk at each read:
cheroot (WsgiDAV's server) reading 8 KiB blocks out of 256 KiB chunks spent three times the
CPU of a plain PUT of the same 512 MB, and the upload ran at 0.57x; in 64 KiB chunks (curl's
upload buffer size too) its CPU equals the plain PUT's."""
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 307, 308)
SENT_AGAIN_ON_A_CLOSED_CONNECTION = frozenset({"PROPFIND", "REPORT"})
"""Safe methods (RFC 4918 §9.1, RFC 3253 §3.6) that aiohttp does not itself send again when
the kept-alive connection it chose was closed by the server as the request went out (it does
so for GET, HEAD, PUT, DELETE…). RFC 9112 §9.3.1.1 lets a client retry such a request."""
DEFAULT_MAX_ANSWER = 64 * 1024 * 1024
# Past an upload's last byte a server may still be writing it out (or assembling, scanning
# it) before it answers: the wait for that answer grows by a second per this many bytes.
UPLOAD_ANSWER_RATE = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    url: str
    """Where the answer came from (after redirects): hrefs in it are relative to this."""


class SourceFailed(RequestError):
    """The caller's byte iterator raised (e.g. the browser went away mid-upload)."""


async def answer_chunks(content: aiohttp.StreamReader, wait: float) -> AsyncIterator[bytes]:
    """An answer's bytes as they arrive, each wait for the server bounded by ``wait``: what is
    already buffered is taken without a timer, so a fast answer pays for none."""
    while True:
        chunk = content.read_nowait(READ_CHUNK)
        if not chunk:
            if content.at_eof():
                return
            async with asyncio.timeout(wait):
                chunk = await content.read(READ_CHUNK)
            if not chunk:
                return
        yield chunk


class HttpDownload:
    """A streamed GET response; see ``connectors.files.port.Download``."""

    def __init__(self, response: aiohttp.ClientResponse, backend: str, wait: float) -> None:
        self._response = response
        self._backend = backend
        self._wait = wait
        self.status = response.status
        self.size: int | None = response.content_length
        self.content_type: str | None = response.headers.get("Content-Type")
        self.etag: str | None = response.headers.get("ETag")
        self.content_range: str | None = response.headers.get("Content-Range")

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in answer_chunks(self._response.content, self._wait):
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unavailable("download interrupted", backend=self._backend) from exc
        finally:
            await self.close()

    async def close(self) -> None:
        if self._response.content.at_eof():
            self._response.release()
        else:
            # an unread body cannot go back to the pool: drop the connection
            self._response.close()


class CountingSource:
    """Wraps the caller's iterator: counts bytes, enforces the announced size, and remembers
    whether a failure came from the caller (``SourceFailed``) or from the network."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        size: int | None,
        backend: str,
        on_end: Callable[[int], None] | None = None,
    ) -> None:
        self._chunks = chunks
        self._size = size
        self._backend = backend
        self._on_end = on_end
        self.sent = 0
        self.error: BaseException | None = None

    async def __aiter__(self) -> AsyncIterator[bytes | memoryview]:
        try:
            async for chunk in self._chunks:
                self.sent += len(chunk)
                if self._size is not None and self.sent > self._size:
                    raise ValueError(f"more than the announced {self._size} bytes")
                if self._size is None and len(chunk) > CHUNKED_PIECE:
                    view = memoryview(chunk)
                    for start in range(0, len(chunk), CHUNKED_PIECE):
                        yield view[start : start + CHUNKED_PIECE]
                    continue
                yield chunk
        except Exception as exc:
            self.error = exc
            raise
        if self._size is not None and self.sent != self._size:
            self.error = ValueError(f"{self.sent} bytes sent, {self._size} announced")
            raise self.error
        if self._on_end is not None:
            self._on_end(self.sent)

    def failure(self) -> ConnectorError | None:
        if self.error is None:
            return None
        return SourceFailed(f"upload source failed: {self.error}", backend=self._backend)


def basic_authorization(username: str, password: str) -> str:
    # Built by hand: aiohttp 3.14 deprecates BasicAuth, and its replacement is not in 3.9.
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class Transport:
    """HTTP to one backend. ``session`` may be injected (tests, tracing); the transport closes
    only a session it created. ``timeout`` bounds connecting and each wait for bytes, so a
    long transfer that keeps moving is never cut, and a silent server costs ``timeout``.

    Those waits are bounded here (``asyncio.timeout`` around each read), never by aiohttp's
    ``sock_read``: aiohttp 3.14 re-arms that timer when a paused read resumes, even when the
    resumption is what completes the answer and puts the connection back in the pool. The
    timer then fires on the idle connection, and the next request given it fails at once
    with ``SocketTimeoutError``: one files benchmark in four lost an upload that way, after
    its large downloads, and any answer larger than aiohttp's buffer can do it."""

    def __init__(
        self,
        *,
        backend: str,
        username: str,
        password: str,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        limit: int = 32,
        limit_per_host: int = 0,
        max_answer: int = DEFAULT_MAX_ANSWER,
        session: aiohttp.ClientSession | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.backend = backend
        self.timeout = timeout
        # No sock_read, ever (see the class's docstring): each wait is bounded here, read by read.
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout)
        self._headers = {
            "Authorization": basic_authorization(username, password),
            **(headers or {}),
        }
        self._limit = limit
        self._limit_per_host = limit_per_host
        self.max_answer = max_answer
        self._session = session
        self._owns_session = session is None
        self.breaker = breaker or Breaker(backend)
        self.capabilities: dict[str, bool] = {}
        """What the stores learnt about the server (e.g. names it keeps as sent)."""

    def session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop, as aiohttp requires.
        if self._session is None or (self._owns_session and self._session.closed):
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(
                    limit=self._limit, limit_per_host=self._limit_per_host
                ),
            )
            self._owns_session = True
        return self._session

    def _all_headers(self, headers: Mapping[str, str] | None) -> dict[str, str]:
        return {**self._headers, **(headers or {})}

    async def send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        data: bytes | Mapping[str, str] | None = None,
        json: Any = None,
        answer_within: float | None = None,
    ) -> Reply:
        """Send a request (following same-origin redirects) and read its whole answer, within
        the size cap, whatever its status. ``answer_within`` replaces the timeout for each wait
        for the answer's bytes (a request the server takes long to carry out)."""
        self.breaker.before()
        began = time.monotonic()
        wait = self.timeout if answer_within is None else answer_within
        try:
            reply = await self._send(
                method, url, what, self._all_headers(headers), data, json, wait
            )
        except Unavailable:
            self.breaker.failure()
            raise
        except asyncio.CancelledError:
            # the caller's deadline (the same timeout) cut a request the server never answered
            if time.monotonic() - began >= 0.9 * self.timeout:
                self.breaker.failure()
            else:
                self.breaker.settle()
            raise
        except BaseException:
            self.breaker.settle()
            raise
        if reply.status >= 500:
            self.breaker.failure()
        else:
            self.breaker.success()
        return reply

    async def _send(
        self,
        method: str,
        url: str,
        what: str,
        headers: dict[str, str],
        data: bytes | Mapping[str, str] | None,
        json: Any,
        wait: float,
    ) -> Reply:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = await self._head(method, url, headers, data, json, wait)
                async with response:
                    status = response.status
                    location = response.headers.get("Location")
                    if status in REDIRECTS and location:
                        response.release()
                        url = self.redirect_target(url, location, what, status)
                        continue
                    destination = headers.get("Destination", "")
                    if status in REDIRECTS and destination and not destination.endswith("/"):
                        # a MOVE/COPY redirected without a Location: the redirect is the
                        # Destination's, an existing collection named without its slash
                        # (Apache's mod_dav looks the Destination up through mod_dir)
                        response.release()
                        headers = {**headers, "Destination": destination + "/"}
                        continue
                    body = await self._read(response, what, wait)
                    return Reply(status, response.headers, body, url)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise Unavailable(
                    f"{what}: {exc.__class__.__name__}", backend=self.backend
                ) from exc
        raise Misconfigured(f"{what}: more than {MAX_REDIRECTS} redirects", backend=self.backend)

    async def _head(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: bytes | Mapping[str, str] | None,
        json: Any,
        wait: float,
    ) -> aiohttp.ClientResponse:
        """The answer up to its head, within ``wait``. A server closes an idle kept-alive
        connection when it likes (Apache after 5 s, cheroot after 10 s), and a request may
        go out on it just then: a safe request is sent once more, on a new connection."""
        send = partial(
            self.session().request,
            method,
            url,
            headers=headers,
            data=data,
            json=json,
            allow_redirects=False,
            timeout=self._timeout,
        )
        async with asyncio.timeout(wait):
            try:
                return await send()
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                refused = isinstance(exc, aiohttp.ClientConnectorError)  # never connected
                if refused or method not in SENT_AGAIN_ON_A_CLOSED_CONNECTION:
                    raise
            return await send()

    def redirect_target(self, url: str, location: str, what: str, status: int) -> str:
        """The absolute URL to follow, if it stays on the same origin."""
        here = URL(url, encoded=True)
        there = here.join(URL(location, encoded=True))
        if there.origin() != here.origin():
            raise Misconfigured(
                f"{what}: redirected ({status}) to another server, {there.origin()}",
                backend=self.backend,
            )
        return str(there)

    async def _read(self, response: aiohttp.ClientResponse, what: str, wait: float) -> bytes:
        if response.content_length is not None and response.content_length > self.max_answer:
            raise TooLarge(f"{what}: answer over {self.max_answer} bytes", backend=self.backend)
        chunks: list[bytes] = []
        size = 0
        async for chunk in answer_chunks(response.content, wait):
            size += len(chunk)
            if size > self.max_answer:
                raise TooLarge(f"{what}: answer over {self.max_answer} bytes", backend=self.backend)
            chunks.append(chunk)
        return b"".join(chunks)

    async def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        ok: tuple[int, ...],
        headers: Mapping[str, str] | None = None,
        data: bytes | Mapping[str, str] | None = None,
        json: Any = None,
        conflict_on: tuple[int, ...] = (405, 412),
        answer_within: float | None = None,
    ) -> Reply:
        """``send``, then statuses outside ``ok`` raise through ``for_status``."""
        reply = await self.send(
            method,
            url,
            what=what,
            headers=headers,
            data=data,
            json=json,
            answer_within=answer_within,
        )
        if reply.status not in ok:
            raise for_status(reply.status, what, backend=self.backend, conflict_on=conflict_on)
        return reply

    async def put_stream(
        self,
        url: str,
        chunks: AsyncIterator[bytes],
        *,
        size: int | None,
        what: str,
        headers: Mapping[str, str] | None = None,
    ) -> int:
        """PUT the caller's bytes as they come (chunked transfer when the size is unknown);
        the number of bytes sent."""
        self.breaker.before()
        loop = asyncio.get_running_loop()
        all_headers = self._all_headers(headers)
        if size is not None:
            all_headers["Content-Length"] = str(size)
        try:
            async with asyncio.timeout(None) as answer:

                def sent_all(sent: int) -> None:
                    answer.reschedule(loop.time() + self.timeout + sent / UPLOAD_ANSWER_RATE)

                source = CountingSource(chunks, size, self.backend, on_end=sent_all)
                async with self.session().put(
                    url,
                    data=source.__aiter__(),
                    headers=all_headers,
                    allow_redirects=False,
                    timeout=self._timeout,
                ) as response:
                    await response.read()
                    status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            failure = source.failure()
            if failure is not None:
                self.breaker.settle()
                raise failure from source.error
            self.breaker.failure()
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        except BaseException as exc:
            self.breaker.settle()
            failure = source.failure()
            if failure is not None and isinstance(exc, Exception):
                raise failure from exc
            raise
        failure = source.failure()
        if failure is not None:
            self.breaker.settle()
            raise failure
        if status >= 500:
            self.breaker.failure()
        else:
            self.breaker.success()
        if status not in (200, 201, 204):
            raise for_status(status, what, backend=self.backend)
        return source.sent

    async def get_stream(
        self, url: str, *, byte_range: tuple[int, int | None] | None, what: str
    ) -> HttpDownload:
        """GET with an optional ``Range: bytes=start-end`` (inclusive end), streamed."""
        headers = {}
        if byte_range is not None:
            start, end = byte_range
            headers["Range"] = f"bytes={start}-{'' if end is None else end}"
        self.breaker.before()
        all_headers = self._all_headers(headers)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with asyncio.timeout(self.timeout):
                    response = await self.session().get(
                        url, headers=all_headers, allow_redirects=False, timeout=self._timeout
                    )
                location = response.headers.get("Location")
                if response.status in REDIRECTS and location:
                    response.release()
                    url = self.redirect_target(url, location, what, response.status)
                    continue
                break
            else:
                raise Misconfigured(f"{what}: too many redirects", backend=self.backend)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.breaker.failure()
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        except BaseException:
            self.breaker.settle()
            raise
        if response.status >= 500:
            self.breaker.failure()
        else:
            self.breaker.success()
        if response.status not in (200, 206):
            response.release()
            raise for_status(response.status, what, backend=self.backend)
        return HttpDownload(response, self.backend, self.timeout)

    async def aclose(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None
