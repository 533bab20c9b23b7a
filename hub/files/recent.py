"""The files changed most recently in a workspace, found by a bounded walk of its folders.

A folder listing is one PROPFIND; the walk goes level by level, a few folders at a time, and
stops at ``MAX_DEPTH`` levels or ``MAX_FOLDERS`` listings, whichever comes first, so a large
workspace costs the same bounded time as a small one (its deepest or most crowded corners may
then be left out). A subfolder the server refuses is skipped; the root failing fails the call.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from connectors.files.port import Entry, FileStore
from hub.errors import BadInput
from hub.files.stores import backend_call

MAX_DEPTH = 4
MAX_FOLDERS = 40
PARALLEL = 6
MAX_FIRST = 50
_OLDEST = datetime.min.replace(tzinfo=UTC)


async def recent_files(store: FileStore, first: int, each_call: float) -> list[Entry]:
    """At most ``first`` files, the most recently modified first."""
    if not 1 <= first <= MAX_FIRST:
        raise BadInput(f"'first' is between 1 and {MAX_FIRST}.", field="first")
    gate = asyncio.Semaphore(PARALLEL)

    async def listing(folder: str) -> list[Entry]:
        async with gate, backend_call(f"'{folder}'", each_call):
            return await store.list(folder)

    files: list[Entry] = []
    level, listed = ["/"], 0
    for depth in range(MAX_DEPTH + 1):
        batch = level[: MAX_FOLDERS - listed]
        listed += len(batch)
        found = await asyncio.gather(*(listing(f) for f in batch), return_exceptions=True)
        level = []
        for result in found:
            if isinstance(result, BaseException):
                if depth == 0 or not isinstance(result, Exception):
                    raise result
                continue  # a subfolder the server would not list: the rest still counts
            for entry in result:
                if entry.folder:
                    level.append(entry.path)
                else:
                    files.append(entry)
        if not level or listed >= MAX_FOLDERS:
            break
    files.sort(key=lambda e: e.modified_at or _OLDEST, reverse=True)
    return files[:first]
