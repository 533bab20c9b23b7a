"""Streaming a file out of a workspace: byte ranges, headers, and a body read chunk by chunk.

The hub holds at most one chunk of the file at a time. The backend gets ``backend_timeout``
to send the response headers and then each chunk; past that the stream is cut (the status
line is gone by then, so the client sees a short body, never a wrong one).
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import unicodedata
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.files.port import Download, Entry, FileStore
from hub.errors import BadInput, ErrorCode, HubError
from hub.files import viewing
from hub.files.service import Place, checked, file_audit, open_workspace
from hub.files.stores import FileStores, backend_call
from hub.identity.principal import Principal

ByteRange = tuple[int, int | None]
SEND_SIZE = 512 * 1024
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


class Unsatisfiable(Exception):
    """The Range asks for bytes the file does not have (answered with 416)."""


@dataclass
class Delivery:
    """What the HTTP layer sends: a status, headers and (unless 416) a streamed body."""

    status: int
    headers: dict[str, str]
    download: Download | None = None
    timeout: float | None = None
    _closed: bool = field(default=False, init=False)

    async def body(self) -> AsyncIterator[bytes]:
        if self.download is None:
            return
        chunks = aiter(self.download.chunks())
        pending = bytearray()
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timeout):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                # the store reads 64 KiB pieces: sending fewer, larger ones costs less per byte
                pending += chunk
                if len(pending) >= SEND_SIZE:
                    yield bytes(pending)
                    pending.clear()
            if pending:
                yield bytes(pending)
        finally:
            await self.close()

    async def close(self) -> None:
        if self.download is not None and not self._closed:
            self._closed = True
            await self.download.close()


def download_url(base_url: str, workspace_id: str, path: str) -> str:
    """Where ``GET`` streams the file (``hub.files.web``)."""
    return download_prefix(base_url, workspace_id) + quote_path(path)


def download_prefix(base_url: str, workspace_id: str) -> str:
    """The part of a download URL every file of the workspace shares."""
    return f"{base_url}/download/{quote(workspace_id, safe='')}?path="


class _PercentEncoded(dict[int, str]):
    """For ``str.translate``: each character as ``quote(path, safe="/")`` writes it.

    urllib's quote calls a Python function per byte of a non-ASCII name, and a listing quotes
    every file's path; translate looks each character up in C. Unreserved characters and ``/``
    are listed up front; any other one is encoded on first sight and kept (at most a few
    thousand: a hostile listing of every code point must not grow this without end)."""

    def __missing__(self, code: int) -> str:
        encoded = "".join(f"%{byte:02X}" for byte in chr(code).encode("utf-8"))
        if len(self) < 4096:
            self[code] = encoded
        return encoded


_PERCENT_ENCODED = _PercentEncoded(
    (code, chr(code))
    for code in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/"
)


def quote_path(path: str) -> str:
    """``path`` percent-encoded for a query string, ``/`` kept (as ``quote(path, safe="/")``)."""
    return path.translate(_PERCENT_ENCODED)


_RANGE = re.compile(r"bytes=[ \t]*([0-9]*)-([0-9]*)[ \t]*", re.ASCII | re.IGNORECASE)
# A position past any file: Python refuses to read more than 4 300 digits, and no file is
# anywhere near 10**18 bytes, so longer numbers are compared by their length alone.
_DIGITS = 18
_BEYOND = 10**_DIGITS


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return _BEYOND if len(digits) > _DIGITS else int(digits)


def parse_range(header: str | None, size: int | None) -> ByteRange | None:
    """The one range of a ``Range: bytes=…`` header (inclusive end), or None to send the whole
    file: no header, a malformed one, or several ranges (RFC 9110 §14.2 lets a server ignore
    them). Raises ``Unsatisfiable`` when the range starts past the end (§15.5.17: 416).

    Digits are ASCII digits only (``str.isdigit`` also takes "²", which ``int`` refuses)."""
    found = _RANGE.fullmatch(header) if header else None
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        if size is None:
            return None
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start, end = _position(first), _position(last) if last else None
    if end is not None and end < start:
        return None
    if size is not None:
        if start >= size:
            raise Unsatisfiable
        end = size - 1 if end is None else min(end, size - 1)
    elif start >= _BEYOND:
        return None
    if end is not None and end >= _BEYOND:
        end = None
    return start, end


def attachment(name: str) -> str:
    """``Content-Disposition`` with an ASCII fallback and the exact UTF-8 name (RFC 6266)."""
    return disposition("attachment", name)


def disposition(kind: str, name: str) -> str:
    """``kind`` (``attachment`` or ``inline``) with the file's name, as ``attachment``."""
    plain = "".join(
        char if char.isascii() and char.isprintable() and char not in '"\\' else "_"
        for char in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(char)
    )
    return f"{kind}; filename=\"{plain or 'download'}\"; filename*=UTF-8''{quote(name, safe='')}"


def content_type(name: str, *given: str | None) -> str:
    for value in given:
        if value and value.split(";")[0].strip().lower() != "application/octet-stream":
            return value
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


async def open_download(
    session: AsyncSession,
    actor: Principal,
    stores: FileStores,
    workspace_id: str,
    path: str,
    range_header: str | None = None,
    *,
    inline: bool = False,
) -> Delivery:
    """Check access and the path, audit the download, and start reading it from the store;
    ``inline``: open it in the browser if it is of a passive type (``hub.files.viewing``)."""
    place: Place | None = None
    try:
        place = await open_workspace(session, actor, workspace_id)
        await session.rollback()
        delivery = await _start(stores, place, checked(path), range_header, inline)
    except HubError as exc:
        await file_audit(
            session, actor, "file.download", workspace_id, path, place, exc.code, exc.message
        )
        raise
    except Exception:
        await file_audit(
            session, actor, "file.download", workspace_id, path, place, ErrorCode.INTERNAL
        )
        raise
    try:
        await file_audit(session, actor, "file.download", workspace_id, path, place)
    except BaseException:
        await delivery.close()
        raise
    return delivery


async def _start(
    stores: FileStores, place: Place, path: str, range_header: str | None, inline: bool
) -> Delivery:
    store = stores.store(place.backend, place.root)
    async with backend_call(f"'{path}'", stores.timeout):
        entry = await store.stat(path)
    if entry.folder:
        raise BadInput("A folder cannot be downloaded; open it instead.", field="path")
    shown = viewing.viewable_type(entry.name, entry.content_type) if inline else None
    if shown == viewing.PDF:  # shown only once checked, whole, for scripts
        checked_pdf = None
        if (entry.size or 0) <= viewing.MAX_PDF:
            checked_pdf = await _pdf(stores, store, path, entry)
        if checked_pdf is not None:
            return checked_pdf
        shown = None
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": attachment(entry.name),
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        # An uploaded page, SVG or script opened from this URL would otherwise run in the
        # hub's origin (the portal's CSP allows 'self' scripts, and this URL is 'self'): as
        # a sandboxed document it has an opaque origin, no script and nothing to load.
        "Content-Security-Policy": DOWNLOAD_POLICY,
    }
    if shown is not None:  # an image (see hub.files.viewing)
        headers["Content-Disposition"] = disposition("inline", entry.name)
        headers["Content-Security-Policy"] = viewing.policy(shown)
    try:
        byte_range = parse_range(range_header, entry.size)
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{entry.size if entry.size is not None else '*'}"
        return Delivery(416, headers)
    async with backend_call(f"'{path}'", stores.timeout):
        download = await store.download(path, byte_range=byte_range)
    headers["Content-Type"] = shown or content_type(
        entry.name, entry.content_type, download.content_type
    )
    headers.update(_body_headers(download, entry.etag))
    status = 206 if download.status == 206 and download.content_range else 200
    if status == 200:
        headers.pop("Content-Range", None)
    return Delivery(status, headers, download, stores.timeout)


async def _pdf(stores: FileStores, store: FileStore, path: str, entry: Entry) -> Delivery | None:
    """The whole PDF, read to a temporary file and checked for scripts: opened in the browser
    when passive, a download otherwise; None when it turns out larger than ``MAX_PDF``. Sent
    whole, without ranges, so that what is shown is what was checked."""
    async with backend_call(f"'{path}'", stores.timeout):
        download = await store.download(path)
        spooled = await viewing.SpooledFile.read(download, viewing.MAX_PDF, stores.timeout)
    if spooled is None:
        return None
    try:
        shown = await spooled.passive_pdf()
    except BaseException:
        await spooled.close()
        raise
    headers = {
        "Accept-Ranges": "none",
        "Content-Disposition": disposition("inline" if shown else "attachment", entry.name),
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": viewing.PDF_POLICY if shown else DOWNLOAD_POLICY,
        "Content-Type": viewing.PDF,
        "Content-Length": str(spooled.size),
    }
    if spooled.etag or entry.etag:
        headers["ETag"] = str(spooled.etag or entry.etag)
    return Delivery(200, headers, spooled, stores.timeout)


def _body_headers(download: Download, etag: str | None) -> Mapping[str, str]:
    headers: dict[str, str] = {}
    if download.size is not None:
        headers["Content-Length"] = str(download.size)
    if download.content_range:
        headers["Content-Range"] = download.content_range
    if download.etag or etag:
        headers["ETag"] = str(download.etag or etag)
    return headers
