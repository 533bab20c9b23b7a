"""A bounded walk of a workspace's folders, for what the file server cannot be asked at once.

A folder listing is one PROPFIND; the walk goes level by level, a few folders at a time, and
stops at ``MAX_DEPTH`` levels, ``MAX_FOLDERS`` listings or a deadline, whichever comes first,
so a large or slow workspace costs the same bounded time as a small one. What it could not
reach (deeper levels, folders past the bound, a subfolder the server would not list, the rest
once the deadline passed) makes the walk incomplete, and it says so; the root failing fails
the walk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from connectors.files.port import Entry, FileStore
from hub.files.stores import backend_call

MAX_DEPTH = 4
MAX_FOLDERS = 40
PARALLEL = 6


@dataclass(frozen=True)
class Walk:
    entries: list[Entry]
    """Every file and folder listed, level by level."""
    complete: bool
    """Whether every folder of the workspace was listed."""


async def walk(store: FileStore, each_call: float | None, *, deadline: float | None = None) -> Walk:
    """List the root, then its folders level by level within the bounds; ``deadline`` is a
    time of the running loop's clock (``loop.time()``)."""
    gate = asyncio.Semaphore(PARALLEL)

    async def listing(folder: str) -> list[Entry]:
        async with gate, backend_call(f"'{folder}'", each_call):
            return await store.list(folder)

    found: list[Entry] = []
    level, listed, complete = ["/"], 0, True
    for depth in range(MAX_DEPTH + 1):
        batch = level[: MAX_FOLDERS - listed]
        complete = complete and len(batch) == len(level)
        listed += len(batch)
        try:
            async with asyncio.timeout_at(deadline):
                results = await asyncio.gather(*map(listing, batch), return_exceptions=True)
        except TimeoutError:
            if depth == 0:
                raise
            return Walk(found, complete=False)
        level = []
        for result in results:
            if isinstance(result, BaseException):
                if depth == 0 or not isinstance(result, Exception):
                    raise result
                complete = False  # a subfolder the server would not list: the rest still counts
                continue
            found.extend(result)
            level.extend(entry.path for entry in result if entry.folder)
        if not level:
            return Walk(found, complete)
        if listed >= MAX_FOLDERS:
            return Walk(found, complete=False)
    return Walk(found, complete=False)  # folders left below the deepest level listed
