"""Any RFC 4918 WebDAV server: webdavclient3 for MKCOL and DELETE, the shared aiohttp
transport for the rest.

One ``WebDavServer`` per configured server holds what every workspace on it shares: the
transport (one aiohttp pool, the circuit breaker, redirects followed), webdavclient3's client
and its small thread pool. ``WebDavServer.store(root)`` gives the store of one workspace.

webdavclient3 is blocking (requests), so its calls run in the bounded thread pool, off the
event loop; requests follows a same-method redirect of MKCOL and DELETE by itself (301/307/
308, credentials dropped if it leaves the host), and the breaker is asked before each call.

Through the aiohttp transport instead:
- PROPFIND (stat and list), the listing path a person waits on at every folder opened: the
  hop to a worker thread and requests' own overhead cost ~1.5 ms per call over a pooled
  keep-alive connection, and the library's ``list``/``info`` issue extra HEAD requests and
  do not report collections and properties together;
- uploads and ranged downloads, which webdavclient3 cannot do without holding the whole
  file (``upload_to`` wants a buffer or a blocking read callback, ``download_iter`` has no
  Range);
- MOVE, which must be checked: its ``Destination`` is a URL the server decodes, and some
  decode it and then parse it again as a URL (WsgiDAV cuts a name at ``;``). The store asks
  once per server and character whether a name holding a reserved character arrives intact
  (a hidden probe file moved to such a name), refuses names the server would change with
  ``NameRefused`` before touching anything, and checks after each MOVE that the entry the
  server reports is the one asked for.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import functools
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

from connectors.breaker import Breaker
from connectors.errors import (
    Conflict,
    ConnectorError,
    NotFound,
    RequestError,
    TooLarge,
    Unavailable,
    for_status,
)
from connectors.files import search as dav_search
from connectors.files._dav import (
    BASIC_PROPS,
    encode_path,
    propfind_body,
)
from connectors.files._dav_store import DavStore
from connectors.files._names import NameCheck, temporary_name
from connectors.files.port import Entry
from connectors.http import Transport

T = TypeVar("T")
_PROPFIND = propfind_body(BASIC_PROPS)
DISCARD_RECHECKS = (0.02, 0.08, 0.2)


def _read_and_close(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """webdavclient3 sends every request with ``stream=True`` and closes neither the responses
    it raises on (404, 405, 423, ≥ 400) nor DELETE's. Left open, each holds a pooled connection
    until the garbage collector closes it, from whatever thread happens to run then, which
    urllib3's pool refuses (a rare "exception ignored in HTTPResponse.__del__"). The bodies of
    MKCOL and DELETE answers are small: read each at once, then close it."""
    response.content  # noqa: B018 - reading it is the point; requests keeps it for later
    response.close()


class WebDavServer:
    """One WebDAV server at ``url`` (e.g. ``http://host/dav``), shared by its workspaces."""

    backend = "webdav"

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        timeout: float = 10.0,
        max_threads: int = 4,
        transport: Transport | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.base_url = url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path
        self.client = Client(
            {
                "webdav_hostname": self.base_url,
                "webdav_login": username,
                "webdav_password": password,
                "webdav_timeout": timeout,
            }
        )
        self.client.session.hooks["response"].append(_read_and_close)
        self.executor = ThreadPoolExecutor(max_threads, thread_name_prefix="webdav")
        self.transport = transport or Transport(
            backend=self.backend,
            username=username,
            password=password,
            timeout=timeout,
            breaker=breaker,
        )

    def store(self, root: str) -> WebDavStore:
        return WebDavStore(server=self, root=root)

    async def call(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Run a webdavclient3 call in the pool, under the breaker, its errors translated."""
        breaker = self.transport.breaker
        breaker.before()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.executor, functools.partial(fn, *args))
        except (NoConnection, WebDavConnectionError, requests.RequestException) as exc:
            breaker.failure()
            raise Unavailable(f"{what}: {exc.__class__.__name__}", backend=self.backend) from exc
        except ResponseErrorCode as exc:
            if int(exc.code) >= 500:
                breaker.failure()
            else:
                breaker.success()
            raise for_status(int(exc.code), what, backend=self.backend) from exc
        except (
            RemoteResourceNotFound,
            RemoteParentNotFound,
            MethodNotSupported,
            NotEnoughSpace,
            ResourceLocked,
        ) as exc:
            breaker.success()
            raise _library_error(exc, what) from exc
        except WebDavException as exc:
            breaker.success()
            raise RequestError(f"{what}: {exc}", backend=self.backend) from exc
        except BaseException:
            breaker.settle()
            raise
        breaker.success()
        return result

    async def aclose(self) -> None:
        await self.transport.aclose()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.client.session.close()


def _library_error(exc: WebDavException, what: str) -> ConnectorError:
    if isinstance(exc, RemoteResourceNotFound | RemoteParentNotFound):
        return NotFound(f"{what}: not found", backend=WebDavServer.backend)
    if isinstance(exc, NotEnoughSpace):
        return TooLarge(f"{what}: no space left", backend=WebDavServer.backend)
    if isinstance(exc, ResourceLocked):
        return Conflict(f"{what}: locked", backend=WebDavServer.backend)
    return Conflict(f"{what}: already exists", backend=WebDavServer.backend)  # 405


class WebDavStore(DavStore):
    """Files under ``root`` on a WebDAV server: on a shared ``server``, or on one of its own
    built from ``url`` and the credentials (closed with the store)."""

    backend = "webdav"
    propfind_body = _PROPFIND

    def __init__(
        self,
        url: str = "",
        *,
        username: str = "",
        password: str = "",
        root: str = "/",
        timeout: float = 10.0,
        max_threads: int = 4,
        server: WebDavServer | None = None,
    ) -> None:
        self._owns_server = server is None
        self._server = server or WebDavServer(
            url, username=username, password=password, timeout=timeout, max_threads=max_threads
        )
        self._http = self._server.transport
        self._root = root if root.startswith("/") else "/" + root
        self._names = NameCheck(self._http, self._probe)

    def _url(self, path: str) -> str:
        return self._server.base_url + encode_path(self._remote(path))

    def _href_base(self) -> str:
        return self._server.base_path

    async def _mkcol_remote(self, remote: str, what: str) -> None:
        await self._server.call(what, self._mkcol, remote)

    def _mkcol(self, remote: str) -> None:
        self._server.client.execute_request("mkdir", encode_path(remote)).close()

    def _clean(self, remote: str) -> None:
        self._server.client.clean(remote)

    async def make_folder(self, path: str) -> Entry:
        """``MKCOL {root}{path}``: 405 (exists) is Conflict, 409 (no parent) is NotFound."""
        await self._server.call(f"make folder {path}", self._mkcol, self._remote(path))
        return await self._written(path, "make folder")

    async def upload(
        self,
        path: str,
        chunks: AsyncIterator[bytes],
        *,
        size: int | None = None,
        overwrite: bool = False,
    ) -> Entry:
        """``PUT {parent}/.~entente-upload-…`` streamed, then ``MOVE`` into place; ``DELETE``
        of the temporary file on any failure."""
        await self._names.check(path)
        if not overwrite and await self._exists(path):
            raise Conflict(f"upload {path}: already exists", backend=self.backend)
        temp = temporary_name(path)
        try:
            sent = await self._http.put_stream(
                self._url(temp), chunks, size=size, what=f"upload {path}"
            )
            await self._move(f"upload {path}", temp, path, overwrite, size=sent)
        except BaseException:
            await self._discard(temp)
            raise
        return await self._written(path, "upload")

    async def _discard(self, path: str) -> None:
        """Delete a failed upload's temporary file. The PUT the hub cut off may still be
        running on the server and write the file after a first DELETE (seen with WsgiDAV), so
        look again a few times over ~0.3 s and delete it again if it is there. Already gone,
        or the server down: the hidden name stays out of listings, and the sweep of stale
        uploads removes it later."""
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
                self._server.call(f"discard {path}", self._clean, self._remote(path))
            )

    async def _probe(self, char: str) -> bool:
        """Whether a name holding ``char`` arrives intact through a MOVE's Destination."""
        source = temporary_name("/probe")
        target = f"{source}-{char}x"
        await self._http.request(
            "PUT", self._url(source), what="probe names", ok=(200, 201, 204), data=b""
        )
        try:
            await self._move("probe names", source, target, False)
            return await self._exists(target)
        except RequestError:
            return False
        finally:
            for leftover in (source, target, target.split(char)[0]):
                await self._delete_quietly(leftover)

    async def move(self, src: str, dst: str, *, overwrite: bool = False) -> Entry:
        """``MOVE {root}{src}`` with ``Destination: <absolute URL>`` and ``Overwrite: T|F``."""
        await self._names.check(dst)
        await self._move(f"move {src}", src, dst, overwrite)
        return await self._written(dst, "move")

    async def delete(self, path: str) -> None:
        """``DELETE {root}{path}``."""
        await self._server.call(f"delete {path}", self._clean, self._remote(path))

    async def search(self, text: str, *, limit: int) -> builtins.list[Entry] | None:
        """``SEARCH {root}/`` (RFC 5323, scope the root, every depth) when ``OPTIONS`` on the
        root offers ``DAV:basicsearch``; ``None`` otherwise (WsgiDAV, Apache's mod_dav)."""
        arbiter = self._url("/")
        if not await dav_search.offers_basicsearch(self._http, arbiter):
            return None
        pattern = dav_search.like_pattern(dav_search.fold(text))
        body = await dav_search.search(
            self._http, arbiter, dav_search.basicsearch(arbiter, pattern, limit), f"search {text!r}"
        )
        return self._entries(body, exclude="/")[:limit]

    async def aclose(self) -> None:
        if self._owns_server:
            await self._server.aclose()
