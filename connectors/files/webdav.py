"""Any RFC 4918 WebDAV server, through webdavclient3.

webdavclient3 is blocking (requests), so every call runs in a small bounded thread pool, off
the event loop. It carries MKCOL, MOVE and DELETE: its ``execute_request`` gives us its
session, auth and status-to-exception mapping.

PROPFIND (stat and list), upload and download go through aiohttp against the same server.
PROPFIND because it is the listing path, the one a person waits on at every folder opened:
the hop to a worker thread and requests' own overhead cost ~1.5 ms per call over a pooled
aiohttp keep-alive connection, and the library's ``list``/``info`` would not help anyway (they
issue extra HEAD requests and do not report collections and properties together); the
multistatus body is parsed by the shared hardened parser. Upload and download because
webdavclient3 cannot do either without holding the file: ``upload_to`` wants a buffer or a
blocking read callback (an async iterator would need a thread blocked on the event loop per
upload), and it has no Range support (``download_iter`` always fetches the whole body).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from webdav3.client import Client
from webdav3.exceptions import ConnectionException as WebDavConnectionError
from webdav3.exceptions import (
    MethodNotSupported,
    NoConnection,
    NotEnoughSpace,
    RemoteParentNotFound,
    RemoteResourceNotFound,
    ResourceLocked,
    ResponseErrorCode,
    WebDavException,
)

from connectors.errors import (
    Conflict,
    ConnectorError,
    NotFound,
    RequestError,
    TooLarge,
    Unavailable,
)
from connectors.files._dav import (
    BASIC_PROPS,
    encode_path,
    entries,
    error_for_status,
    join,
    propfind_body,
)
from connectors.files._http import DavHttp, HttpDownload
from connectors.files.port import TEMP_PREFIX, Entry

T = TypeVar("T")
_PROPFIND = propfind_body(BASIC_PROPS)
DISCARD_RECHECKS = (0.02, 0.08, 0.2)


def _read_and_close(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """webdavclient3 sends every request with ``stream=True`` and closes neither the responses
    it raises on (404, 405, 423, ≥ 400) nor DELETE's. Left open, each holds a pooled connection
    until the garbage collector closes it, from whatever thread happens to run then, which
    urllib3's pool refuses (a rare "exception ignored in HTTPResponse.__del__"). The bodies of
    MKCOL, MOVE and DELETE answers are small: read each at once, then close it."""
    response.content  # noqa: B018 - reading it is the point; requests keeps it for later
    response.close()


class WebDavStore:
    """Files under ``root`` on the WebDAV server at ``url`` (e.g. ``http://host/dav``)."""

    backend = "webdav"

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        root: str = "/",
        timeout: float = 10.0,
        max_threads: int = 4,
    ) -> None:
        self._base_url = url.rstrip("/")
        self._base_path = urlsplit(self._base_url).path
        self._root = root if root.startswith("/") else "/" + root
        self._client = Client(
            {
                "webdav_hostname": self._base_url,
                "webdav_login": username,
                "webdav_password": password,
                "webdav_timeout": timeout,
            }
        )
        self._client.session.hooks["response"].append(_read_and_close)
        self._executor = ThreadPoolExecutor(max_threads, thread_name_prefix="webdav")
        self._http = DavHttp(
            backend=self.backend, username=username, password=password, timeout=timeout
        )

    @property
    def root(self) -> str:
        return self._root

    def _remote(self, path: str) -> str:
        return join(self._root, path)

    def _url(self, path: str) -> str:
        return self._base_url + encode_path(self._remote(path))

    async def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, functools.partial(fn, *args, **kwargs)
            )
        except (RemoteResourceNotFound, RemoteParentNotFound) as exc:
            raise NotFound(f"{what}: not found", backend=self.backend) from exc
        except MethodNotSupported as exc:
            raise Conflict(f"{what}: already exists", backend=self.backend) from exc
        except NotEnoughSpace as exc:
            raise TooLarge(f"{what}: no space left", backend=self.backend) from exc
        except ResourceLocked as exc:
            raise Conflict(f"{what}: locked", backend=self.backend) from exc
        except ResponseErrorCode as exc:
            raise error_for_status(int(exc.code), what, backend=self.backend) from exc
        except (NoConnection, WebDavConnectionError, requests.RequestException) as exc:
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        except WebDavException as exc:
            raise RequestError(f"{what}: {exc}", backend=self.backend) from exc

    async def _propfind(self, what: str, path: str, depth: int) -> bytes:
        _, body = await self._http.request(
            "PROPFIND",
            self._url(path),
            what=what,
            ok=(207,),
            headers={"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"},
            data=_PROPFIND,
        )
        return body

    def _move(self, src: str, dst: str, overwrite: bool) -> None:
        # not Client.move: its HEAD pre-checks fail on servers that refuse GET on folders
        headers = [
            f"Destination: {self._url(dst)}",
            f"Overwrite: {'T' if overwrite else 'F'}",
        ]
        self._client.execute_request(
            "move", encode_path(self._remote(src)), headers_ext=headers
        ).close()

    def _mkcol(self, remote: str) -> None:
        self._client.execute_request("mkdir", encode_path(remote)).close()

    async def stat(self, path: str) -> Entry:
        """``PROPFIND {root}{path}`` with ``Depth: 0``."""
        body = await self._propfind(f"stat {path}", path, 0)
        found = entries(body, self._base_path + self._root, exclude=None)
        if not found:
            raise NotFound(f"stat {path}: not found", backend=self.backend)
        return found[0]

    async def list(self, path: str) -> list[Entry]:
        """``PROPFIND {root}{path}`` with ``Depth: 1``, the folder itself left out."""
        body = await self._propfind(f"list {path}", path, 1)
        return entries(body, self._base_path + self._root, exclude=path)

    async def make_folder(self, path: str) -> Entry:
        """``MKCOL {root}{path}``: 405 (exists) is Conflict, 409 (no parent) is NotFound."""
        await self._call(f"make folder {path}", self._mkcol, self._remote(path))
        return await self.stat(path)

    async def ensure_folder(self, path: str) -> Entry:
        """``PROPFIND``, then ``MKCOL`` for each folder from the server's top down (the store's
        root included); 405 (exists) is fine."""
        try:
            return await self.stat(path)
        except NotFound:
            pass
        current = ""
        for segment in self._remote(path).strip("/").split("/"):
            current += "/" + segment
            with contextlib.suppress(Conflict):
                await self._call(f"ensure folder {path}", self._mkcol, current)
        entry = await self.stat(path)
        if not entry.folder:
            raise Conflict(f"ensure folder {path}: a file has this name", backend=self.backend)
        return entry

    async def upload(
        self,
        path: str,
        chunks: AsyncIterator[bytes],
        *,
        size: int | None = None,
        overwrite: bool = False,
    ) -> Entry:
        """``PUT {parent}/.~entente-upload-…`` streamed (aiohttp), then ``MOVE`` into place;
        ``DELETE`` of the temporary file on any failure."""
        if not overwrite and await self._exists(path):
            raise Conflict(f"upload {path}: already exists", backend=self.backend)
        parent = path.rsplit("/", 1)[0] or "/"
        temp = parent.rstrip("/") + "/" + TEMP_PREFIX + uuid.uuid4().hex
        try:
            await self._http.put_stream(self._url(temp), chunks, size=size, what=f"upload {path}")
            await self._call(
                f"upload {path}",
                self._move,
                temp,
                path,
                overwrite,
            )
        except BaseException:
            await self._discard(temp)
            raise
        return await self.stat(path)

    async def _exists(self, path: str) -> bool:
        try:
            await self.stat(path)
        except NotFound:
            return False
        return True

    async def _discard(self, path: str) -> None:
        """Delete a failed upload's temporary file. The PUT the hub cut off may still be
        running on the server and write the file after a first DELETE (seen with WsgiDAV), so
        look again a few times over ~0.3 s and delete it again if it is there. Already gone,
        or the server down: the hidden name stays out of listings anyway."""
        await self._delete_quietly(path)
        for pause in DISCARD_RECHECKS:
            await asyncio.sleep(pause)
            try:
                there = await asyncio.shield(self._exists(path))
            except ConnectorError:
                return
            if there:
                await self._delete_quietly(path)

    async def _delete_quietly(self, path: str) -> None:
        with contextlib.suppress(ConnectorError):
            await asyncio.shield(
                self._call(f"discard {path}", self._client.clean, self._remote(path))
            )

    async def download(
        self, path: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> HttpDownload:
        """``GET {root}{path}`` (aiohttp, streamed), with ``Range`` when asked."""
        return await self._http.get_stream(
            self._url(path), byte_range=byte_range, what=f"download {path}"
        )

    async def move(self, src: str, dst: str, *, overwrite: bool = False) -> Entry:
        """``MOVE {root}{src}`` with ``Destination: <absolute URL>`` and ``Overwrite: T|F``."""
        await self._call(
            f"move {src}",
            self._move,
            src,
            dst,
            overwrite,
        )
        return await self.stat(dst)

    async def delete(self, path: str) -> None:
        """``DELETE {root}{path}``."""
        await self._call(f"delete {path}", self._client.clean, self._remote(path))

    async def aclose(self) -> None:
        await self._http.aclose()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._client.session.close()
