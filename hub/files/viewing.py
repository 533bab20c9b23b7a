"""Opening a file in the browser instead of downloading it: which files, and how they are sent.

Only passive types, decided by the hub from the file's name and the type the file server
stored, never from the request: PNG, JPEG, GIF, WebP images (never SVG, which is a document
that can hold scripts) and PDF. The name's extension gives the type sent; a stored type that
says otherwise (an ``.png`` the server calls ``text/html``) keeps the file a download.

A file opened in the browser keeps the download's protections: ``nosniff`` (the browser
takes the type sent, so an HTML page renamed ``.png`` is a broken image, never a page) and a
``sandbox`` CSP (an opaque origin, no script, nothing loaded), plus ``style-src
'unsafe-inline'`` for images only (Chromium lays its image page out with inline styles).
Chromium's PDF viewer shows a PDF under that same policy, but runs the PDF's own scripts
whatever the policy: a PDF opens in the browser only when ``hub.files.pdf_scripts`` finds
no way for it to hold one (read once whole, to a temporary file, up to ``MAX_PDF`` bytes);
otherwise, or larger, it is a download.
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import tempfile
from collections.abc import AsyncIterator
from typing import IO

from connectors.files.port import Download
from hub.files.pdf_scripts import passive

PDF = "application/pdf"
VIEWABLE = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": PDF,
}
SAME_TYPE = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": PDF}
IMAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
PDF_POLICY = "sandbox; default-src 'none'"
MAX_PDF = 32 * 1024 * 1024
_READ = 256 * 1024


def viewable_type(name: str, stored_type: str | None) -> str | None:
    """The type to open ``name`` with in the browser, or None: it is a download."""
    # posixpath.splitext's extension, cheaper (every file of a listing is asked): the part
    # from the last dot, unless only dots come before it (".png" is a name, not a type)
    dot = name.rfind(".")
    wanted = VIEWABLE.get(name[dot:].lower()) if dot > 0 else None
    if wanted is None or not name[:dot].lstrip("."):
        return None
    stored = (stored_type or "").split(";")[0].strip().lower()
    if stored and stored != "application/octet-stream" and SAME_TYPE.get(stored, stored) != wanted:
        return None
    return wanted


def policy(content_type: str) -> str:
    return PDF_POLICY if content_type == PDF else IMAGE_POLICY


class SpooledFile:
    """A whole file read from the store into a temporary file (a ``Download`` again)."""

    status = 200
    content_type: str | None = None
    content_range: str | None = None
    size: int | None
    etag: str | None

    def __init__(self, handle: IO[bytes], size: int, etag: str | None) -> None:
        self._handle = handle
        self.size = size
        self.etag = etag

    @classmethod
    async def read(
        cls, download: Download, limit: int, each_chunk: float | None
    ) -> SpooledFile | None:
        """The download's body in a temporary file (each chunk within ``each_chunk`` seconds);
        None, and nothing kept, past ``limit`` bytes."""
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), or here
        size = 0
        try:
            chunks = aiter(download.chunks())
            while True:
                async with asyncio.timeout(each_chunk):
                    chunk = await anext(chunks, b"")
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    handle.close()
                    return None
                await asyncio.to_thread(handle.write, chunk)
        except BaseException:
            handle.close()
            raise
        finally:
            await download.close()
        return cls(handle, size, download.etag)

    async def passive_pdf(self) -> bool:
        def check() -> bool:
            self._handle.flush()
            if self.size == 0:
                return True
            with mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return passive(data)

        return await asyncio.to_thread(check)

    async def chunks(self) -> AsyncIterator[bytes]:
        await asyncio.to_thread(self._handle.seek, 0)
        while chunk := await asyncio.to_thread(self._handle.read, _READ):
            yield chunk

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
