"""Whether a PDF may carry scripts, read conservatively: a PDF is shown in the browser only if
this finds none.

Chromium's PDF viewer runs a PDF's own JavaScript (PDFium's form scripts: ``app.alert``…)
whatever the Content-Security-Policy of the response, ``sandbox`` included: it runs inside the
viewer, not in the hub's origin, but its dialogs speak in the hub's name. So the hub opens a
PDF in the browser only when it finds no way for it to hold a script, and offers it as a
download otherwise.

Every script of a PDF hangs from a ``/JS`` or ``/JavaScript`` name (an action, the document's
name tree) or lives in an XFA form (``/XFA``). Names are visible in the file's bytes, or in
its object streams, which are compressed with Flate. So: every name token is read (``#xx``
escapes decoded), in the raw bytes and in every stream that inflates (twice compressed
included). What cannot be read that way makes the answer "not passive": an encrypted file
(``/Encrypt``: its object streams are encrypted), a stream filter other than Flate or an image
codec (ASCII85, hex, LZW, run-length, crypt filters could hide an object stream), more
inflated bytes than ``MAX_INFLATED``. A PDF that is not passive is still a fine download.
"""

from __future__ import annotations

import mmap
import re
import zlib

Data = bytes | mmap.mmap

MAX_INFLATED = 64 * 1024 * 1024
ACTIVE = frozenset({b"JS", b"JavaScript", b"XFA", b"Encrypt"})
UNREADABLE_FILTERS = frozenset(
    {
        b"ASCIIHexDecode",
        b"AHx",
        b"ASCII85Decode",
        b"A85",
        b"LZWDecode",
        b"LZW",
        b"RunLengthDecode",
        b"RL",
        b"Crypt",
    }
)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_END = b"endstream"
_BLOCK = 64 * 1024
_LAYERS = 3


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_INFLATED


def _names_are_passive(data: Data) -> bool:
    for found in _NAME.finditer(data):
        name = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), found.group(1))
        if name in ACTIVE or name in UNREADABLE_FILTERS:
            return False
    return True


def _inflate(data: Data, budget: _Budget) -> bytes | None:
    """What a Flate stream holds (as much as inflates before an error, as PDFium reads a
    damaged stream); None when it is not Flate at all. Raises OverflowError past the budget."""
    inflater = zlib.decompressobj()
    out = bytearray()
    for start in range(0, len(data), _BLOCK):
        try:
            piece = inflater.decompress(data[start : start + _BLOCK], budget.left + 1)
        except zlib.error:
            break
        out += piece
        budget.left -= len(piece)
        if budget.left < 0 or inflater.unconsumed_tail:
            raise OverflowError("inflated past the budget")
        if inflater.eof:
            break
    return bytes(out) if out else None


def _streams_are_passive(data: Data, budget: _Budget, layer: int) -> bool:
    for found in _STREAM.finditer(data):
        start = found.end()
        end = data.find(_END, start)
        if not _layers_are_passive(data[start : end if end >= 0 else len(data)], budget, layer):
            return False
    return True


def _layers_are_passive(body: Data, budget: _Budget, layer: int) -> bool:
    for _ in range(_LAYERS):
        inflated = _inflate(body, budget)
        if inflated is None:
            return True
        if not _names_are_passive(inflated):
            return False
        if layer < _LAYERS and not _streams_are_passive(inflated, budget, layer + 1):
            return False
        body = inflated
    return True


def passive(data: Data) -> bool:
    """Whether the PDF ``data`` shows no way to hold a script (see the module's rules)."""
    budget = _Budget()
    try:
        return _names_are_passive(data) and _streams_are_passive(data, budget, 0)
    except OverflowError:
        return False
