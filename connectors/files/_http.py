"""aiohttp transport shared by the file stores: plain requests with error mapping, a streamed
PUT from an async iterator, and a streamed (optionally ranged) GET."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from connectors.errors import ConnectorError, RequestError, Unavailable
from connectors.files._dav import error_for_status

READ_CHUNK = 64 * 1024
CHUNKED_PIECE = 64 * 1024
"""The largest chunk of a PUT of unknown length (chunked transfer coding). Servers read a
request body in small blocks, and some copy what is left of the current chunk at each read:
cheroot (WsgiDAV's server) reading 8 KiB blocks out of 256 KiB chunks spent three times the
CPU of a plain PUT of the same 512 MB, and the upload ran at 0.57x; in 64 KiB chunks (curl's
upload buffer size too) its CPU equals the plain PUT's."""


class SourceFailed(RequestError):
    """The caller's byte iterator raised (e.g. the browser went away mid-upload)."""


class HttpDownload:
    """A streamed GET response; see ``connectors.files.port.Download``."""

    def __init__(self, response: aiohttp.ClientResponse, backend: str) -> None:
        self._response = response
        self._backend = backend
        self.status = response.status
        self.size: int | None = response.content_length
        self.content_type: str | None = response.headers.get("Content-Type")
        self.etag: str | None = response.headers.get("ETag")
        self.content_range: str | None = response.headers.get("Content-Range")

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(READ_CHUNK):
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

    def __init__(self, chunks: AsyncIterator[bytes], size: int | None, backend: str) -> None:
        self._chunks = chunks
        self._size = size
        self._backend = backend
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

    def failure(self) -> ConnectorError | None:
        if self.error is None:
            return None
        return SourceFailed(f"upload source failed: {self.error}", backend=self._backend)


class DavHttp:
    """One aiohttp session per store, created on first use inside the running loop."""

    def __init__(
        self,
        *,
        backend: str,
        username: str,
        password: str,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        limit: int = 32,
    ) -> None:
        self.backend = backend
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._headers = {"Authorization": f"Basic {credentials}", **(headers or {})}
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                headers=self._headers,
                connector=aiohttp.TCPConnector(limit=self._limit),
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        ok: tuple[int, ...],
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        json: Any = None,
        conflict_on: tuple[int, ...] = (405, 412),
    ) -> tuple[int, bytes]:
        """Send a request and read the whole (small) answer; statuses outside ``ok`` raise."""
        try:
            async with self.session().request(
                method, url, headers=headers, data=data, json=json, allow_redirects=False
            ) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        if status not in ok:
            raise error_for_status(status, what, backend=self.backend, conflict_on=conflict_on)
        return status, body

    async def put_stream(
        self,
        url: str,
        chunks: AsyncIterator[bytes],
        *,
        size: int | None,
        what: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """PUT the caller's bytes as they come (chunked transfer when the size is unknown)."""
        source = CountingSource(chunks, size, self.backend)
        all_headers = dict(headers or {})
        if size is not None:
            all_headers["Content-Length"] = str(size)
        try:
            async with self.session().put(
                url, data=source.__aiter__(), headers=all_headers
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            failure = source.failure()
            if failure is not None:
                raise failure from source.error
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        except Exception as exc:
            failure = source.failure()
            if failure is not None:
                raise failure from exc
            raise
        failure = source.failure()
        if failure is not None:
            raise failure
        if status not in (200, 201, 204):
            raise error_for_status(status, what, backend=self.backend)

    async def get_stream(
        self, url: str, *, byte_range: tuple[int, int | None] | None, what: str
    ) -> HttpDownload:
        """GET with an optional ``Range: bytes=start-end`` (inclusive end)."""
        headers = {}
        if byte_range is not None:
            start, end = byte_range
            headers["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            response = await self.session().get(url, headers=headers, allow_redirects=False)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        if response.status not in (200, 206):
            response.release()
            raise error_for_status(response.status, what, backend=self.backend)
        return HttpDownload(response, self.backend)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
