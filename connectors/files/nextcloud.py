"""Nextcloud: files over WebDAV (``/remote.php/dav/files/{user}``) and large uploads through
chunked upload v2 (``/remote.php/dav/uploads/{user}``), on the shared aiohttp transport
(groups and team folders: ``nextcloud_admin``).

Chunked uploads hold one chunk in memory at a time (Nextcloud needs every chunk but the last
to be at least 5 MiB, so a chunk is buffered to know its size); plain uploads stream.
"""

from __future__ import annotations

import builtins
import contextlib
import uuid
from collections.abc import AsyncIterator

from connectors.errors import (
    Conflict,
    ConnectorError,
    RequestError,
    TooLarge,
)
from connectors.files import search as dav_search
from connectors.files._dav import (
    NEXTCLOUD_PROPS,
    encode_path,
    join,
    propfind_body,
)
from connectors.files._dav_store import DavStore
from connectors.files._names import NameCheck, temporary_name
from connectors.files.port import Entry
from connectors.http import UPLOAD_ANSWER_RATE, SourceFailed, Transport

MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNKS = 10_000
_PROPFIND = propfind_body(NEXTCLOUD_PROPS)


class _Reader:
    """Re-slices the caller's chunks into pieces of a chosen size."""

    def __init__(self, chunks: AsyncIterator[bytes], backend: str) -> None:
        self._chunks = chunks
        self._backend = backend
        self._pending = bytearray()
        self.exhausted = False

    async def read(self, size: int) -> bytes:
        while len(self._pending) < size and not self.exhausted:
            try:
                self._pending += await anext(self._chunks)
            except StopAsyncIteration:
                self.exhausted = True
            except Exception as exc:
                raise SourceFailed(f"upload source failed: {exc}", backend=self._backend) from exc
        piece = bytes(self._pending[:size])
        del self._pending[:size]
        return piece

    async def rest(self, first: bytes) -> AsyncIterator[bytes]:
        yield first
        while piece := await self.read(256 * 1024):
            yield piece


class NextcloudStore(DavStore):
    """Files under ``root`` in ``username``'s Nextcloud home (a team folder is a folder there)."""

    backend = "nextcloud"
    propfind_body = _PROPFIND

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        root: str = "/",
        timeout: float = 10.0,
        chunk_threshold: int = 10 * 1024 * 1024,
        chunk_size: int = 10 * 1024 * 1024,
        transport: Transport | None = None,
    ) -> None:
        """``transport`` is the server's shared one (every workspace on it); without it the
        store makes its own and closes it with itself."""
        if chunk_size < MIN_CHUNK:
            raise ValueError(f"Nextcloud refuses chunks under {MIN_CHUNK} bytes")
        self._base_url = url.rstrip("/")
        self._user = username
        self._files = f"/remote.php/dav/files/{encode_path(username)}"
        self._uploads = f"/remote.php/dav/uploads/{encode_path(username)}"
        self._root = root if root.startswith("/") else "/" + root
        self._chunk_threshold = chunk_threshold
        self._chunk_size = chunk_size
        self._owns_transport = transport is None
        self._http = transport or Transport(
            backend=self.backend, username=username, password=password, timeout=timeout
        )
        self._names = NameCheck(self._http, self._probe)

    def _url(self, path: str) -> str:
        return self._base_url + self._files + encode_path(join(self._root, path))

    def _href_base(self) -> str:
        # hrefs come back decoded-able: compare with the decoded user segment
        return f"/remote.php/dav/files/{self._user}"

    async def _mkcol_remote(self, remote: str, what: str) -> None:
        url = self._base_url + self._files + encode_path(remote)
        await self._http.request("MKCOL", url, what=what, ok=(201,))

    async def make_folder(self, path: str) -> Entry:
        """``MKCOL /remote.php/dav/files/{user}{root}{path}``."""
        await self._http.request("MKCOL", self._url(path), what=f"make folder {path}", ok=(201,))
        return await self._written(path, "make folder")

    async def upload(
        self,
        path: str,
        chunks: AsyncIterator[bytes],
        *,
        size: int | None = None,
        overwrite: bool = False,
    ) -> Entry:
        """Small files: ``PUT`` to a hidden name then ``MOVE``. Large files (over the threshold,
        or unknown size that turns out large): chunked upload v2 (``MKCOL uploads/{user}/{id}``,
        ``PUT …/{n}``, ``MOVE …/.file``). Either way a failure leaves nothing visible."""
        await self._names.check(path)
        if not overwrite and await self._exists(path):
            raise Conflict(f"upload {path}: already exists", backend=self.backend)
        if size is not None and size > self._chunk_threshold:
            await self._upload_chunked(path, _Reader(chunks, self.backend), b"", size, overwrite)
        elif size is not None:
            await self._upload_simple(path, chunks, size, overwrite)
        else:
            reader = _Reader(chunks, self.backend)
            head = await reader.read(self._chunk_threshold + 1)
            if reader.exhausted and len(head) <= self._chunk_threshold:
                await self._upload_simple(path, reader.rest(head), len(head), overwrite)
            else:
                await self._upload_chunked(path, reader, head, None, overwrite)
        return await self._written(path, "upload")

    async def _probe(self, char: str) -> bool:
        """Whether a name holding ``char`` arrives intact through a MOVE's Destination."""
        source = temporary_name("/probe")
        target = f"{source}-{char}x"
        what = "probe names"
        await self._http.request("PUT", self._url(source), what=what, ok=(201, 204), data=b"")
        try:
            await self._http.request(
                "MOVE",
                self._url(source),
                what=what,
                ok=(201, 204),
                headers={"Destination": self._url(target), "Overwrite": "F"},
            )
            return await self._exists(target)
        except RequestError:
            return False
        finally:
            for leftover in (source, target, target.split(char)[0]):
                await self._discard(self._url(leftover))

    async def _upload_simple(
        self, path: str, chunks: AsyncIterator[bytes], size: int | None, overwrite: bool
    ) -> None:
        temp = temporary_name(path)
        try:
            sent = await self._http.put_stream(
                self._url(temp), chunks, size=size, what=f"upload {path}"
            )
            await self._move(f"upload {path}", temp, path, overwrite, size=sent)
        except BaseException:
            await self._discard(self._url(temp))
            raise

    async def _upload_chunked(
        self, path: str, reader: _Reader, head: bytes, size: int | None, overwrite: bool
    ) -> None:
        if size is not None and -(-size // self._chunk_size) > MAX_CHUNKS:
            raise TooLarge(f"upload {path}: more than {MAX_CHUNKS} chunks", backend=self.backend)
        folder = f"{self._base_url}{self._uploads}/entente-{uuid.uuid4()}"
        destination = {"Destination": self._url(path)}
        if size is not None:
            destination["OC-Total-Length"] = str(size)
        what = f"upload {path}"
        await self._http.request("MKCOL", folder, what=what, ok=(201,), headers=destination)
        try:
            number = 0
            pending = head
            sent = 0
            while True:
                if len(pending) < self._chunk_size and not reader.exhausted:
                    pending += await reader.read(self._chunk_size - len(pending))
                piece, pending = pending[: self._chunk_size], pending[self._chunk_size :]
                if not piece and number > 0:
                    break
                number += 1
                if number > MAX_CHUNKS:
                    raise TooLarge(f"{what}: more than {MAX_CHUNKS} chunks", backend=self.backend)
                await self._http.request(
                    "PUT",
                    f"{folder}/{number}",
                    what=what,
                    ok=(201, 204),
                    headers=destination,
                    data=piece,
                )
                sent += len(piece)
                if reader.exhausted and not pending:
                    break
            if size is not None and sent != size:
                raise SourceFailed(
                    f"{what}: {sent} bytes sent, {size} announced", backend=self.backend
                )
            # Nextcloud assembles the chunks before it answers: longer for a larger file.
            await self._http.request(
                "MOVE",
                f"{folder}/.file",
                what=what,
                ok=(201, 204),
                headers={**destination, "Overwrite": "T" if overwrite else "F"},
                answer_within=self._http.timeout + sent / UPLOAD_ANSWER_RATE,
            )
        except BaseException:
            await self._discard(folder)
            raise

    async def _discard(self, url: str) -> None:
        # gone already or server down: Nextcloud expires uploads after 24 h anyway
        with contextlib.suppress(ConnectorError):
            await self._http.request("DELETE", url, what="discard upload", ok=(204,))

    async def move(self, src: str, dst: str, *, overwrite: bool = False) -> Entry:
        """``MOVE …{src}`` with ``Destination: <absolute URL>`` and ``Overwrite: T|F``."""
        await self._names.check(dst)
        await self._move(f"move {src}", src, dst, overwrite)
        return await self._written(dst, "move")

    async def delete(self, path: str) -> None:
        """``DELETE /remote.php/dav/files/{user}{root}{path}``."""
        await self._http.request("DELETE", self._url(path), what=f"delete {path}", ok=(204,))

    async def search(self, text: str, *, limit: int) -> builtins.list[Entry] | None:
        """``SEARCH /remote.php/dav/`` (the arbiter), scope ``/files/{user}{root}``: Nextcloud's
        file search, when ``OPTIONS`` there offers ``DAV:basicsearch`` (``None`` otherwise).
        The scope is a path under the DAV root, sent as it is: Nextcloud does not decode it."""
        arbiter = f"{self._base_url}/remote.php/dav/"
        if not await dav_search.offers_basicsearch(self._http, arbiter):
            return None
        scope = f"/files/{self._user}{join(self._root, '/')}"
        pattern = dav_search.like_pattern(dav_search.fold(text))
        request = dav_search.basicsearch(scope, pattern, limit, dav_search.NEXTCLOUD_SEARCH_PROPS)
        body = await dav_search.search(self._http, arbiter, request, f"search {text!r}")
        return self._entries(body, exclude="/")[:limit]

    async def aclose(self) -> None:
        if self._owns_transport:
            await self._http.aclose()
