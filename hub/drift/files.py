"""Each workspace's folder on its file server.

On a plain WebDAV server the folder is recognised by the hidden marker inside it
(``hub.files.stores.marker_name``): a folder someone renamed is found among its siblings by
its marker, and moved back. On Nextcloud the workspace is a team folder, which has an id of its
own: one bound to the town's group under another mount point is the town's, renamed; the
groups that reach it are the towns' and the hub's, no fewer and no more.
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Sequence
from functools import partial
from typing import Any

from connectors.errors import NotFound
from connectors.files.port import HIDDEN_PREFIX, Entry
from hub.drift.attempts import Failures
from hub.drift.expected import Expected, Place
from hub.drift.findings import Backend, Drift, DriftKind, Thing
from hub.files.stores import FileStores, TeamFolders, marker_name

FILES = Backend.FILES
MAX_SIBLINGS = 50
"""Folders beside a missing workspace folder that are looked into for its marker."""


def _split(root: str) -> tuple[str, str]:
    parent, leaf = posixpath.split(root.rstrip("/"))
    return parent or "/", leaf


async def _stat(stores: FileStores, backend: str, root: str, path: str) -> Entry | None:
    try:
        return await stores.store(backend, root).stat(path)
    except NotFound:
        return None


async def _moved_to(stores: FileStores, place: Place, roots: frozenset[str]) -> str | None:
    """Where the folder went: the sibling holding its marker, if any."""
    parent, _ = _split(place.root)
    try:
        siblings = await stores.store(place.backend, parent).list("/")
    except NotFound:
        return None
    candidates = [
        entry.name
        for entry in siblings
        if entry.folder
        and not entry.name.startswith(HIDDEN_PREFIX)
        and posixpath.join(parent, entry.name) not in roots
    ][:MAX_SIBLINGS]
    gate = asyncio.Semaphore(4)

    async def marked(name: str) -> str | None:
        async with gate:
            found = await _stat(stores, place.backend, parent, f"/{name}/{marker_name(place.root)}")
        return posixpath.join(parent, name) if found is not None and found.folder else None

    for found in await asyncio.gather(*(marked(name) for name in candidates)):
        if found is not None:
            return found
    return None


async def _folder(stores: FileStores, place: Place, roots: frozenset[str]) -> list[Drift]:
    entry = await _stat(stores, place.backend, place.root, "/")
    if entry is not None and entry.folder:
        return []
    if entry is not None:
        return [
            Drift(
                FILES,
                DriftKind.MISSING,
                Thing.WORKSPACE_FOLDER,
                place.root,
                f"A file has taken the place of the workspace folder {place.root}.",
                repairable=False,
                workspace=place.id,
            )
        ]
    moved = await _moved_to(stores, place, roots)
    if moved is not None:
        return [
            Drift(
                FILES,
                DriftKind.RENAMED,
                Thing.WORKSPACE_FOLDER,
                place.root,
                f"The workspace folder {place.root} was renamed {moved} on the file server.",
                found=moved,
                workspace=place.id,
            )
        ]
    return [
        Drift(
            FILES,
            DriftKind.MISSING,
            Thing.WORKSPACE_FOLDER,
            place.root,
            f"The workspace folder {place.root} is gone from the file server; repairing makes "
            "it again, empty (the hub cannot bring its files back).",
            workspace=place.id,
        )
    ]


def _groups(folder: dict[str, Any]) -> set[str]:
    groups = folder.get("groups") or {}
    return set(groups) if isinstance(groups, dict) else set()


async def _team_folder(
    admin: TeamFolders, stores: FileStores, place: Place, roots: frozenset[str]
) -> list[Drift]:
    mount_point = place.root.strip("/")
    folders = await admin.team_folders()
    wanted = stores.folder_groups(place.slugs)
    drifts: list[Drift] = []
    known = {root.strip("/") for root in roots}
    mine = [f for f in folders.values() if f.get("mount_point") == mount_point] or [
        f
        for f in folders.values()
        if f.get("mount_point") not in known and _groups(f) & set(place.slugs)
    ]
    if not mine:
        drifts.append(
            Drift(
                FILES,
                DriftKind.MISSING,
                Thing.TEAM_FOLDER,
                mount_point,
                f"The team folder {mount_point} is gone from Nextcloud; repairing makes it "
                "again, empty (the hub cannot bring its files back).",
                workspace=place.id,
            )
        )
    else:
        found = str(mine[0].get("mount_point"))
        if found != mount_point:
            drifts.append(
                Drift(
                    FILES,
                    DriftKind.RENAMED,
                    Thing.TEAM_FOLDER,
                    mount_point,
                    f"The team folder {mount_point} was renamed {found} in Nextcloud.",
                    found=found,
                    workspace=place.id,
                )
            )
        bound = _groups(mine[0])
        for group in sorted(wanted - bound):
            drifts.append(
                Drift(
                    FILES,
                    DriftKind.MISSING,
                    Thing.FOLDER_GROUP,
                    group,
                    f"The group '{group}' no longer reaches the team folder {mount_point}.",
                    workspace=place.id,
                )
            )
        for group in sorted(bound - wanted):
            drifts.append(
                Drift(
                    FILES,
                    DriftKind.EXTRA,
                    Thing.FOLDER_GROUP,
                    group,
                    f"The team folder {mount_point} is also given to the group '{group}', "
                    "which the hub did not give it.",
                    workspace=place.id,
                )
            )
    for group in sorted(wanted):
        if not await admin.group_exists(group):
            drifts.append(
                Drift(
                    FILES,
                    DriftKind.MISSING,
                    Thing.GROUP,
                    group,
                    f"Nextcloud has no group '{group}'.",
                    workspace=place.id,
                )
            )
    return drifts


async def check(stores: FileStores, expected: Expected) -> list[Drift]:
    drifts: list[Drift] = []
    for place in expected.workspaces:
        roots = expected.roots.get(place.backend, frozenset())
        admin = stores.team_folders(place.backend)
        if admin is not None:
            drifts += await _team_folder(admin, stores, place, roots)
        else:
            drifts += await _folder(stores, place, roots)
    return drifts


async def repair(
    stores: FileStores, expected: Expected, drifts: Sequence[Drift], failures: Failures
) -> None:
    """Folders moved back or named back, missing ones made again (empty), groups given back
    and groups the hub did not give taken off."""
    places = {place.id: place for place in expected.workspaces}
    for drift in drifts:
        place = places.get(drift.workspace or "")
        if place is None or not drift.repairable:
            continue
        admin = stores.team_folders(place.backend)
        if drift.kind is DriftKind.RENAMED and drift.found is not None:
            if admin is not None:
                await failures.attempt(
                    f"name the team folder {drift.found} back {drift.name}",
                    partial(_rename_team_folder, admin, drift.found, drift.name),
                )
            else:
                await failures.attempt(
                    f"move {drift.found} back to {place.root}",
                    partial(_move_back, stores, place, drift.found),
                )
        elif drift.kind is DriftKind.EXTRA and admin is not None:
            await failures.attempt(
                f"take the group '{drift.name}' off the team folder {place.root}",
                partial(_unbind, admin, place.root, drift.name),
            )
    for place in expected.workspaces:
        if any(d.workspace == place.id and d.repairable for d in drifts):
            await failures.attempt(
                f"make the workspace folder {place.root} again",
                partial(stores.ensure_workspace_folder, place.backend, place.root, place.slugs),
            )


async def _move_back(stores: FileStores, place: Place, found: str) -> None:
    parent, leaf = _split(place.root)
    _, moved = _split(found)
    await stores.store(place.backend, parent).move(f"/{moved}", f"/{leaf}")


async def _team_folder_id(admin: TeamFolders, mount_point: str) -> int | None:
    for folder_id, folder in (await admin.team_folders()).items():
        if folder.get("mount_point") == mount_point:
            return folder_id
    return None


async def _rename_team_folder(admin: TeamFolders, found: str, mount_point: str) -> None:
    folder_id = await _team_folder_id(admin, found)
    if folder_id is not None:
        await admin.rename_team_folder(folder_id, mount_point)


async def _unbind(admin: TeamFolders, root: str, group: str) -> None:
    folder_id = await _team_folder_id(admin, root.strip("/"))
    if folder_id is not None:
        await admin.unbind_team_folder(folder_id, group)
