"""Sweeping stale temporary uploads (``.~entente-upload-…``) out of every workspace.

An upload is written under a hidden temporary name, then moved into place; a failed upload
deletes it at once. A file server that dies mid-upload (or a hub killed mid-upload) can
still leave one behind, hidden from listings but taking space forever. So the hub walks each
workspace, at start-up and then every ``HUB_UPLOAD_SWEEP_INTERVAL`` seconds, and deletes the
temporaries older than ``HUB_UPLOAD_SWEEP_AGE`` (an upload still running keeps writing its
file, so its modification time stays recent). Each sweep that removed something is audited
once per town of the workspace. A workspace whose server fails is skipped until next time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.errors import ConnectorError
from connectors.files.port import TEMP_PREFIX, FileStore
from hub.audit.service import record
from hub.files.stores import FileStores
from hub.towns.models import Workspace, WorkspaceTown

log = logging.getLogger(__name__)

MAX_FOLDERS = 2000
"""Folders one workspace's sweep may list (a bound on the walk, not on what it finds)."""
SHOWN = 50
"""Paths an audit entry names (the count is always there)."""


@dataclass(frozen=True)
class Swept:
    workspace_id: str
    name: str
    town_ids: tuple[str, ...]
    removed: tuple[str, ...]


async def stale_uploads(
    store: FileStore, cutoff: datetime, *, max_folders: int = MAX_FOLDERS
) -> list[str]:
    """Delete the temporary uploads under the store's root last written before ``cutoff``;
    return their paths. One whose age the server does not say is left alone."""
    removed: list[str] = []
    folders = ["/"]
    listed = 0
    while folders and listed < max_folders:
        folder = folders.pop()
        listed += 1
        for entry in await store.list_all(folder):
            if entry.name.startswith(TEMP_PREFIX):
                if entry.modified_at is not None and entry.modified_at < cutoff:
                    await store.delete(entry.path)
                    removed.append(entry.path)
            elif entry.folder:
                folders.append(entry.path)
    return removed


async def sweep_workspaces(
    sessions: async_sessionmaker[AsyncSession],
    stores: FileStores,
    max_age: timedelta,
    *,
    now: datetime | None = None,
    limit: float | None = None,
) -> list[Swept]:
    """Sweep every workspace on a connected backend, each within ``limit`` seconds."""
    cutoff = (now or datetime.now(UTC)) - max_age
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Workspace.id, Workspace.name, Workspace.backend, Workspace.root)
            )
        ).all()
        links = (
            await session.execute(select(WorkspaceTown.workspace_id, WorkspaceTown.town_id))
        ).all()
    towns: dict[str, list[str]] = {}
    for workspace_id, town_id in links:
        towns.setdefault(workspace_id, []).append(town_id)
    done: list[Swept] = []
    for workspace_id, name, backend, root in rows:
        if backend not in stores.backends:
            continue
        try:
            async with asyncio.timeout(limit):
                removed = await stale_uploads(stores.store(backend, root), cutoff)
        except (ConnectorError, TimeoutError) as exc:
            log.warning("sweeping stale uploads of %s failed: %s", name, exc)
            continue
        if removed:
            swept = Swept(
                workspace_id, name, tuple(sorted(towns.get(workspace_id, []))), tuple(removed)
            )
            await _audit(sessions, swept)
            done.append(swept)
    return done


async def _audit(sessions: async_sessionmaker[AsyncSession], swept: Swept) -> None:
    details = {
        "workspace": swept.workspace_id,
        "count": len(swept.removed),
        "removed": list(swept.removed[:SHOWN]),
    }
    target = f"{swept.name}: {len(swept.removed)} stale temporary uploads"
    async with sessions() as session:
        for town_id in swept.town_ids or (None,):
            record(session, None, "file.sweep", target, town_id=town_id, details=details)
        await session.commit()
    log.info("removed %d stale temporary uploads from %s", len(swept.removed), swept.name)


async def sweep_forever(
    sessions: async_sessionmaker[AsyncSession],
    stores: FileStores,
    max_age: timedelta,
    *,
    interval: float,
    limit: float,
) -> None:
    """Sweep now, then every ``interval`` seconds (never again when 0), until cancelled."""
    while True:
        try:
            await sweep_workspaces(sessions, stores, max_age, limit=limit)
        except Exception:
            log.exception("sweeping stale uploads failed")
        if interval <= 0:
            return
        await asyncio.sleep(interval)
