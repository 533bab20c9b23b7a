"""Export files kept in the database, written and read one chunk at a time.

An export can be large (a pooled manager's audit trail of several years): it is written as it
is produced, in ``CHUNK``-byte rows, and sent back the same way, so neither building nor
downloading it holds more than a chunk. The database holds it (not a replica's disk), so
any replica serves the download.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.privacy.models import ExportPart

CHUNK = 256 * 1024


class StoredFile:
    """One file of an export, appended to in the caller's transaction."""

    def __init__(self, session: AsyncSession, export_id: str, name: str) -> None:
        self._session = session
        self._export_id = export_id
        self._name = name
        self._buffer = bytearray()
        self._seq = 0
        self.size = 0

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= CHUNK:
            await self._store(bytes(self._buffer[:CHUNK]))
            del self._buffer[:CHUNK]

    async def close(self) -> int:
        if self._buffer or self._seq == 0:
            await self._store(bytes(self._buffer))
            self._buffer.clear()
        return self.size

    async def _store(self, chunk: bytes) -> None:
        # Core insert: the rows never enter the session's identity map (no memory kept).
        await self._session.execute(
            insert(ExportPart).values(
                export_id=self._export_id, name=self._name, seq=self._seq, data=chunk
            )
        )
        self._seq += 1


class JsonWriter:
    """A JSON object written field by field, lists item by item, one item a line."""

    def __init__(self, out: StoredFile) -> None:
        self._out = out
        self._fields = 0
        self._items = 0

    async def open(self) -> None:
        await self._out.write(b"{")

    async def field(self, key: str, value: Any) -> None:
        await self._key(key)
        await self._out.write(_dumps(value))

    async def open_list(self, key: str) -> None:
        await self._key(key)
        await self._out.write(b"[")
        self._items = 0

    async def item(self, value: Any) -> None:
        await self._out.write((b",\n  " if self._items else b"\n  ") + _dumps(value))
        self._items += 1

    async def close_list(self) -> None:
        await self._out.write(b"\n]" if self._items else b"]")

    async def close(self) -> None:
        await self._out.write(b"\n}\n")

    async def _key(self, key: str) -> None:
        await self._out.write((b",\n" if self._fields else b"\n") + _dumps(key) + b": ")
        self._fields += 1


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=str)


async def chunk_count(session: AsyncSession, export_id: str, name: str) -> int:
    query = select(func.count()).where(ExportPart.export_id == export_id, ExportPart.name == name)
    return int(await session.scalar(query) or 0)


async def read_chunks(
    sessions: async_sessionmaker[AsyncSession], export_id: str, name: str, count: int
) -> AsyncIterator[bytes]:
    """The file's chunks in order, each read on its own (a short transaction each)."""
    for seq in range(count):
        async with sessions() as session:
            chunk = await session.scalar(
                select(ExportPart.data).where(
                    ExportPart.export_id == export_id,
                    ExportPart.name == name,
                    ExportPart.seq == seq,
                )
            )
        if chunk is None:  # deleted meanwhile (expired, or the person erased)
            return
        yield bytes(chunk)
