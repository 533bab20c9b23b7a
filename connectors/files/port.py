"""What the hub needs from a file store, whatever the backend.

A store is built for one ``root`` folder on the backend (a town's workspace, e.g.
``/Entente/Saint-Martin``). Every path given to or returned by a store is relative to that
root, POSIX-like and absolute: ``/`` is the root itself, ``/Conseil/ordre du jour.pdf`` a file
in it. Paths arrive already validated and NFC-normalised (``hub.files.paths``); the store only
percent-encodes them for the wire.

Errors are those of ``connectors.errors``: ``NotFound`` (``ParentMissing`` without a parent
folder), ``Conflict`` (exists already, or a MOVE/upload would overwrite without
``overwrite=True``), ``TooLarge`` (413/507), ``NameRefused`` (the server would not keep the
name as sent: nothing was written), ``Forbidden`` (the server refused the hub's own account),
``Misconfigured``, ``Unavailable`` (refused connection, timeout, 5xx, or skipped by the
breaker).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

HIDDEN_PREFIX = ".~entente-"
"""Names the hub keeps for itself: listings never show them, ``hub.files.paths`` refuses them
as user-chosen names."""
TEMP_PREFIX = HIDDEN_PREFIX + "upload-"
"""Uploads are streamed under this hidden name in the target folder, then moved into place."""


@dataclass(frozen=True)
class Entry:
    """One file or folder as the backend describes it. ``etag`` is always in its quoted HTTP
    form (usable in ``If-Match``); ``size`` of a folder is known on Nextcloud only."""

    path: str
    name: str
    folder: bool
    size: int | None
    content_type: str | None
    etag: str | None
    modified_at: datetime | None
    file_id: str | None = None
    permissions: str | None = None


class Download(Protocol):
    """A streamed GET: headers are known, the body is read chunk by chunk, then closed."""

    status: int
    size: int | None
    content_type: str | None
    etag: str | None
    content_range: str | None

    def chunks(self) -> AsyncIterator[bytes]:
        """The body, in the order received; never the whole file at once."""
        ...

    async def close(self) -> None:
        """Release the connection (safe to call twice, and after a partial read)."""
        ...


class FileStore(Protocol):
    """Files and folders under one root on one backend."""

    backend: str

    async def ensure_folder(self, path: str) -> Entry:
        """Create ``path`` and its missing parents; an existing folder is fine."""
        ...

    async def list(self, path: str) -> list[Entry]:
        """The direct children of folder ``path`` (not the folder itself)."""
        ...

    async def list_all(self, path: str) -> builtins.list[Entry]:
        """Like ``list``, hidden names (``HIDDEN_PREFIX``: uploads in progress…) included."""
        ...

    async def stat(self, path: str) -> Entry:
        """The file or folder at ``path``."""
        ...

    async def make_folder(self, path: str) -> Entry:
        """Create folder ``path``: ``Conflict`` if it exists, ``NotFound`` if no parent."""
        ...

    async def upload(
        self,
        path: str,
        chunks: AsyncIterator[bytes],
        *,
        size: int | None = None,
        overwrite: bool = False,
    ) -> Entry:
        """Stream ``chunks`` into file ``path``; a failed upload leaves nothing visible."""
        ...

    async def download(
        self, path: str, *, byte_range: tuple[int, int | None] | None = None
    ) -> Download:
        """Start a streamed download of ``path``; ``byte_range`` is inclusive, end optional."""
        ...

    async def move(self, src: str, dst: str, *, overwrite: bool = False) -> Entry:
        """Move or rename ``src`` to ``dst``; ``Conflict`` if ``dst`` exists and not overwrite."""
        ...

    async def delete(self, path: str) -> None:
        """Delete a file, or a folder with its content."""
        ...

    async def search(self, text: str, *, limit: int) -> builtins.list[Entry] | None:
        """Entries anywhere under the root whose name may match ``text``, by the server's own
        search: a superset of the matches (filter it with ``connectors.files.search.matches``),
        the most recently modified first, at most ``limit`` (a full answer may have left some
        out). ``None`` when the server has no search: walk the folders instead."""
        ...

    async def aclose(self) -> None:
        """Release connections and threads."""
        ...
