"""Small files for tests: a PDF of one page, with or without a script, plain or with its
objects compressed in an object stream (as PDF 1.5 writers do); a PNG of one colour."""

from __future__ import annotations

import struct
import zlib


def pdf(text: str, *, script: str | None = None, object_stream: bool = False) -> bytes:
    """A one-page PDF saying ``text``; ``script`` runs when it opens (an OpenAction)."""
    catalog = (
        b"<< /Type /Catalog /Pages 2 0 R" + (b" /OpenAction 5 0 R" if script else b"") + b" >>"
    )
    content = f"BT /F1 24 Tf 30 100 Td ({text}) Tj ET".encode()
    objects = {
        1: catalog,
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 6 0 R >> >> >>",
        4: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    if script is not None:
        objects[5] = b"<< /S /JavaScript /JS (" + script.encode() + b") >>"
    if object_stream and script is not None:
        packed = b"5 0 " + objects.pop(5)
        data = zlib.compress(packed)
        objects[7] = (
            b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(data)
            + data
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def png(width: int = 120, height: int = 80, rgb: tuple[int, int, int] = (230, 120, 20)) -> bytes:
    """A PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
