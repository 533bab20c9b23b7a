"""Stale temporary uploads (a file server that died mid-upload) are swept out of every
workspace by age, at start-up and then periodically, and each sweep is audited."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from connectors.files.port import TEMP_PREFIX
from hub.audit.models import AuditEntry
from hub.files.sweep import sweep_forever, sweep_workspaces
from hub.services import Services
from tests.support.world import World


def _leave(folder: Path, name: str, age: timedelta) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"\0" * 1000)
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


async def test_old_temporaries_go_new_ones_and_files_stay_and_the_sweep_is_audited(
    files_services: Services, files_world: World, on_disk: Path
) -> None:
    # given, on the server's disk, an upload orphaned two days ago in igny (in a sub-folder),
    # one still being written, and an ordinary file
    old = _leave(on_disk / "igny" / "Conseil", f"{TEMP_PREFIX}mort", timedelta(days=2))
    fresh = _leave(on_disk / "igny", f"{TEMP_PREFIX}en-cours", timedelta(seconds=5))
    kept = _leave(on_disk / "bievres", "budget.ods", timedelta(days=30))
    # when the workspaces are swept of temporaries older than a day
    swept = await sweep_workspaces(
        files_services.sessions, files_services.backends.files, timedelta(days=1), limit=10
    )
    # then only the old temporary is gone, and igny's audit trail says so
    assert not old.exists() and fresh.exists() and kept.exists()
    assert [(s.name, s.removed) for s in swept] == [("Igny", (f"/Conseil/{TEMP_PREFIX}mort",))]
    async with files_services.sessions() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "file.sweep"))
        ).all()
    assert [(e.town_id, e.actor, e.details["count"]) for e in entries] == [
        (files_world.towns["igny"].id, "system", 1)
    ]


async def test_the_sweeper_runs_at_once_when_started(
    files_services: Services, files_world: World, on_disk: Path
) -> None:
    # given an orphaned upload
    old = _leave(on_disk / "vauhallan", f"{TEMP_PREFIX}mort", timedelta(days=2))
    # when the sweeper starts (as `hub serve` starts it), with no periodic run after
    await sweep_forever(
        files_services.sessions,
        files_services.backends.files,
        timedelta(days=1),
        interval=0,
        limit=10,
    )
    # then the orphan is gone
    assert not old.exists()
