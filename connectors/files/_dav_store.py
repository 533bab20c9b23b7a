"""What a file store on a WebDAV server does the same way whatever the server (a generic
WebDAV server or Nextcloud): the PROPFIND reads, the folder chain, MOVE, streamed downloads
and the check that a write left what the server said it did. Each store says where its files
are (``_url``, ``_href_base``) and how a folder is made on its server (``_mkcol_remote``)."""

from __future__ import annotations

import builtins
import contextlib
from abc import ABC, abstractmethod
from typing import ClassVar

from connectors.errors import Conflict, NotFound, Unavailable
from connectors.files._dav import entries, join, same_path
from connectors.files.port import Entry
from connectors.http import UPLOAD_ANSWER_RATE, HttpDownload, Transport


class DavStore(ABC):
    backend: str
    # The properties each server is asked for (Nextcloud's add its own).
    propfind_body: ClassVar[bytes]

    _http: Transport
    _root: str

    @property
    def root(self) -> str:
        return self._root

    @property
    def transport(self) -> Transport:
        return self._http

    def _remote(self, path: str) -> str:
        """``path`` from the top of the server's files, the store's root included."""
        return join(self._root, path)

    @abstractmethod
    def _url(self, path: str) -> str:
        """The absolute URL of ``path`` under the store's root."""

    @abstractmethod
    def _href_base(self) -> str:
        """The path the server's hrefs start with for the top of its files (before the root)."""

    @abstractmethod
    async def _mkcol_remote(self, remote: str, what: str) -> None:
        """``MKCOL`` of ``remote`` (from the top of the server's files): 405 is Conflict."""

    async def _propfind(self, what: str, path: str, depth: int) -> bytes:
        reply = await self._http.request(
            "PROPFIND",
            self._url(path),
            what=what,
            ok=(207,),
            headers={"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"},
            data=self.propfind_body,
        )
        return reply.body

    def _entries(self, body: bytes, exclude: str | None, hidden: bool = False) -> list[Entry]:
        return entries(body, self._href_base() + self._root, exclude=exclude, hidden=hidden)

    async def stat(self, path: str) -> Entry:
        """``PROPFIND`` of ``path`` with ``Depth: 0``."""
        body = await self._propfind(f"stat {path}", path, 0)
        found = self._entries(body, exclude=None, hidden=True)
        if not found or not same_path(found[0].path, path):
            raise NotFound(f"stat {path}: not found", backend=self.backend)
        return found[0]

    async def list(self, path: str) -> builtins.list[Entry]:
        """``PROPFIND`` of ``path`` with ``Depth: 1``, the folder itself left out."""
        return self._entries(await self._propfind(f"list {path}", path, 1), exclude=path)

    async def list_all(self, path: str) -> builtins.list[Entry]:
        """Like ``list``, temporary uploads included."""
        body = await self._propfind(f"list {path}", path, 1)
        return self._entries(body, exclude=path, hidden=True)

    async def ensure_folder(self, path: str) -> Entry:
        """``PROPFIND``, then ``MKCOL`` for each folder from the top of the server's files
        down (the store's root included); one that exists already is fine."""
        try:
            return await self.stat(path)
        except NotFound:
            pass
        current = ""
        for segment in self._remote(path).strip("/").split("/"):
            current += "/" + segment
            with contextlib.suppress(Conflict):
                await self._mkcol_remote(current, f"ensure folder {path}")
        entry = await self.stat(path)
        if not entry.folder:
            raise Conflict(f"ensure folder {path}: a file has this name", backend=self.backend)
        return entry

    async def _move(self, what: str, src: str, dst: str, overwrite: bool, *, size: int = 0) -> None:
        """``size``: the bytes moved, when known. RFC 4918 lets a server carry a MOVE out as a
        copy then a delete (another disk, another storage), and a server still writing out a
        large file answers later: such a MOVE gets the same time as an upload's answer."""
        await self._http.request(
            "MOVE",
            self._url(src),
            what=what,
            ok=(201, 204),
            headers={"Destination": self._url(dst), "Overwrite": "T" if overwrite else "F"},
            answer_within=self._http.timeout + size / UPLOAD_ANSWER_RATE if size else None,
        )

    async def download(
        self, path: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> HttpDownload:
        """``GET`` of ``path``, streamed, with ``Range`` when asked."""
        return await self._http.get_stream(
            self._url(path), byte_range=byte_range, what=f"download {path}"
        )

    async def _written(self, path: str, what: str) -> Entry:
        """The entry a write just made, as the server reports it: its absence after a write
        the server said it did means the server stored something else."""
        try:
            return await self.stat(path)
        except NotFound:
            raise Unavailable(
                f"{what} {path}: the server answered success but has no such entry",
                backend=self.backend,
            ) from None

    async def _exists(self, path: str) -> bool:
        try:
            await self.stat(path)
        except NotFound:
            return False
        return True
