"""The files changed most recently in a workspace, found by a bounded walk of its folders
(``hub.files.walk``): its deepest or most crowded corners may be left out."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.files.port import Entry, FileStore
from hub.errors import BadInput
from hub.files.walk import walk

MAX_FIRST = 50
_OLDEST = datetime.min.replace(tzinfo=UTC)


async def recent_files(store: FileStore, first: int, each_call: float) -> list[Entry]:
    """At most ``first`` files, the most recently modified first."""
    if not 1 <= first <= MAX_FIRST:
        raise BadInput(f"'first' is between 1 and {MAX_FIRST}.", field="first")
    files = [entry for entry in (await walk(store, each_call)).entries if not entry.folder]
    files.sort(key=lambda e: e.modified_at or _OLDEST, reverse=True)
    return files[:first]
