"""Workspaces and their files: who may open which workspace, and every file operation.

Each operation opens the workspace (NOT_FOUND / FORBIDDEN first, nothing touched), validates
the paths (BAD_INPUT, nothing touched), calls the workspace's store within the backend timeout,
and writes one audit entry per town of the workspace, refusals included. The read transaction
ends before the backend is called, so a long upload holds no database lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.files.port import Entry
from hub.audit.service import audited, record
from hub.db.reads import fetch_rows
from hub.errors import BadInput, ErrorCode, Forbidden, HubError, NotFound, TooLarge
from hub.files import paths
from hub.files.naming import free_name
from hub.files.stores import FileStores, backend_call
from hub.identity.principal import Principal
from hub.towns.models import Workspace, WorkspaceTown
from hub.towns.repository import TownRepository, WorkspaceRepository
from hub.towns.validation import display_name

T = TypeVar("T")
UPLOAD_CHUNK = 256 * 1024
MAX_TARGET = 1000


@dataclass(frozen=True)
class Place:
    """An opened workspace: where its files are, and the towns it belongs to."""

    id: str
    name: str
    backend: str
    root: str
    town_ids: tuple[str, ...]
    owner_town_id: str | None = None


class Readable(Protocol):
    """An uploaded file being received (strawberry's ``Upload``, Starlette's ``UploadFile``,
    or the hub's streamed multipart part)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


def checked(path: str, field: str = "path") -> str:
    """The canonical path, or BAD_INPUT saying why."""
    try:
        return paths.normalise(path)
    except paths.UnsafePath as exc:
        raise BadInput(f"This path cannot be used: {exc.reason}.", field=field) from exc


async def visible_workspaces(session: AsyncSession, actor: Principal) -> Sequence[Workspace]:
    scope = None if actor.hub_admin else actor.working_towns
    return await WorkspaceRepository(session).for_towns(scope)


# Every file request opens its workspace first: one prebuilt statement for the row and its
# towns, read in one round trip (hub.db.reads).
_WORKSPACE_AND_TOWNS = (
    select(
        Workspace.id,
        Workspace.name,
        Workspace.backend,
        Workspace.root,
        Workspace.owner_town_id,
        WorkspaceTown.town_id,
    )
    .outerjoin(WorkspaceTown, WorkspaceTown.workspace_id == Workspace.id)
    .where(Workspace.id == bindparam("workspace_id"))
)


async def open_workspace(session: AsyncSession, actor: Principal, workspace_id: str) -> Place:
    """The workspace, if one of its towns is the caller's (NOT_FOUND / FORBIDDEN otherwise)."""
    rows = await fetch_rows(session, _WORKSPACE_AND_TOWNS, {"workspace_id": workspace_id})
    if not rows:
        raise NotFound("There is no such workspace.")
    town_ids = sorted(row[5] for row in rows if row[5] is not None)
    if not any(actor.works_in(town_id) for town_id in town_ids):
        raise Forbidden("None of this workspace's towns is yours.")
    id_, name, backend, root, owner_town_id, _ = rows[0]
    return Place(id_, name, backend, root, tuple(town_ids), owner_town_id)


async def create_shared_workspace(
    session: AsyncSession,
    actor: Principal,
    name: str,
    slugs: Sequence[str],
    stores: FileStores,
) -> Workspace:
    """The workspace and its folder on the default backend, or neither."""

    async def change() -> Workspace:
        title = display_name(name)
        unique = sorted(set(slugs))
        if len(unique) < 2:
            raise BadInput("A shared workspace joins at least two towns.", field="towns")
        towns = await TownRepository(session).by_slugs(unique)
        missing = set(unique) - {town.slug for town in towns}
        if missing:
            raise NotFound(f"There is no town '{sorted(missing)[0]}'.")
        for town in towns:
            if not actor.administers(town.id):
                raise Forbidden(
                    f"Only administrators of every town may share a workspace ('{town.slug}')."
                )
        workspace = Workspace(name=title, owner_town_id=None, backend=stores.default, root="")
        session.add(workspace)
        await session.flush()
        workspace.root = f"/shared/{workspace.id}"
        session.add_all(WorkspaceTown(workspace_id=workspace.id, town_id=t.id) for t in towns)
        await session.flush()
        async with backend_call("the shared folder", stores.timeout * 3):
            await stores.ensure_workspace_folder(workspace.backend, workspace.root, unique)
        return workspace

    return await audited(session, actor, "workspace.share", name, change)


async def list_entries(stores: FileStores, backend: str, root: str, path: str) -> list[Entry]:
    """The folder's entries, folders first then by name (the workspace already opened)."""
    folder = checked(path)
    store = stores.store(backend, root)
    async with backend_call(f"'{folder}'", stores.timeout):
        found = await store.list(folder)
    return sorted(found, key=lambda entry: (not entry.folder, entry.name.casefold()))


async def create_folder(
    session: AsyncSession, actor: Principal, stores: FileStores, workspace_id: str, path: str
) -> Entry:
    async def change(place: Place) -> Entry:
        folder = _not_root(checked(path), "create")
        async with backend_call(f"'{folder}'", stores.timeout):
            return await stores.store(place.backend, place.root).make_folder(folder)

    return await _file_action(session, actor, "file.mkdir", workspace_id, path, change)


async def move_entry(
    session: AsyncSession,
    actor: Principal,
    stores: FileStores,
    workspace_id: str,
    source: str,
    target: str,
    *,
    overwrite: bool = False,
) -> Entry:
    async def change(place: Place) -> Entry:
        src = _not_root(checked(source, "from"), "move")
        dst = _not_root(checked(target, "to"), "replace")
        if src == dst or dst.startswith(src + "/"):
            raise BadInput("An entry cannot be moved onto or into itself.", field="to")
        async with backend_call(f"'{dst}'", stores.timeout):
            return await stores.store(place.backend, place.root).move(src, dst, overwrite=overwrite)

    return await _file_action(
        session, actor, "file.move", workspace_id, f"{source} -> {target}", change
    )


async def delete_entry(
    session: AsyncSession, actor: Principal, stores: FileStores, workspace_id: str, path: str
) -> None:
    async def change(place: Place) -> None:
        entry = _not_root(checked(path), "delete")
        async with backend_call(f"'{entry}'", stores.timeout):
            await stores.store(place.backend, place.root).delete(entry)

    await _file_action(session, actor, "file.delete", workspace_id, path, change)


async def upload_file(
    session: AsyncSession,
    actor: Principal,
    stores: FileStores,
    workspace_id: str,
    path: str,
    upload: Readable,
    *,
    max_bytes: int,
    overwrite: bool = False,
    keep_both: bool = False,
) -> Entry:
    """Stream ``upload`` into the workspace: written under a hidden name, then moved into place,
    so an upload over ``max_bytes`` or cut off midway leaves nothing visible.

    ``path`` is the file's path; ending with ``/`` it names the folder and the uploaded file
    keeps its own name. A name already taken: CONFLICT, unless ``overwrite`` (replace it) or
    ``keep_both`` (the new file takes a free numbered name, "Budget (2).pdf")."""

    async def change(place: Place) -> Entry:
        if overwrite and keep_both:
            raise BadInput("Ask for overwrite or keepBoth, not both.", field="keepBoth")
        target = _upload_target(path, upload.filename)
        if keep_both:
            folder = paths.parent(target)
            async with backend_call(f"'{folder}'", stores.timeout):
                listed = await stores.store(place.backend, place.root).list(folder)
            target = free_name(target, {entry.name for entry in listed})
        announced = getattr(upload, "min_size", None) or getattr(upload, "size", None)
        if isinstance(announced, int) and announced > max_bytes:
            raise TooLarge(f"The file is larger than the {max_bytes} bytes this hub accepts.")
        source = _Counted(upload, max_bytes)
        store = stores.store(place.backend, place.root)
        try:
            async with backend_call(f"'{target}'", None):
                return await store.upload(target, source.chunks(), overwrite=overwrite)
        except HubError as exc:
            if source.too_large:
                raise TooLarge(
                    f"The file is larger than the {max_bytes} bytes this hub accepts."
                ) from exc
            if source.failed is not None:
                raise BadInput("The upload was interrupted; nothing was saved.") from exc
            raise

    return await _file_action(session, actor, "file.upload", workspace_id, path, change)


def _upload_target(path: str, filename: str | None) -> str:
    if path.endswith("/"):
        if not filename:
            raise BadInput("Name the file: this upload has no file name.", field="path")
        try:
            return paths.join(checked(path), filename)
        except paths.UnsafePath as exc:
            raise BadInput(f"This file name cannot be used: {exc.reason}.", field="file") from exc
    return _not_root(checked(path), "replace")


class _Counted:
    """The upload's bytes, read a chunk at a time and counted: past the limit it stops."""

    def __init__(self, upload: Readable, limit: int) -> None:
        self._upload = upload
        self._limit = limit
        self.received = 0
        self.too_large = False
        self.failed: BaseException | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            try:
                chunk = await self._upload.read(UPLOAD_CHUNK)
            except Exception as exc:
                self.failed = exc
                raise
            if not chunk:
                return
            self.received += len(chunk)
            if self.received > self._limit:
                self.too_large = True
                raise TooLarge("upload over the limit")
            yield chunk


def _not_root(path: str, verb: str) -> str:
    if path == "/":
        raise BadInput(f"The workspace's root folder cannot be {verb}d.", field="path")
    return path


async def _file_action(
    session: AsyncSession,
    actor: Principal,
    action: str,
    workspace_id: str,
    target: str,
    change: Callable[[Place], Awaitable[T]],
) -> T:
    """Open the workspace, end the read transaction, run ``change``, then audit the outcome
    once per town of the workspace (a shared workspace's action shows in each town's log)."""
    place: Place | None = None
    try:
        place = await open_workspace(session, actor, workspace_id)
        await session.rollback()
        result = await change(place)
    except HubError as exc:
        await file_audit(session, actor, action, workspace_id, target, place, exc.code, exc.message)
        raise
    except Exception:
        await file_audit(session, actor, action, workspace_id, target, place, ErrorCode.INTERNAL)
        raise
    await file_audit(session, actor, action, workspace_id, target, place)
    return result


async def file_audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    workspace_id: str,
    target: str,
    place: Place | None,
    outcome: str = "ok",
    message: str | None = None,
) -> None:
    """Commit one entry per town of the workspace (one without town when it was not found)."""
    await session.rollback()
    details: dict[str, Any] = {"workspace": workspace_id.replace("\x00", "")}
    if message:
        details["message"] = message
    label = f"{place.name}:{target}" if place else f"{workspace_id}:{target}"
    # a refused path may hold NUL or control bytes, which PostgreSQL text refuses to store
    label = "".join(char if char.isprintable() else repr(char)[1:-1] for char in label)
    for town_id in (place.town_ids if place else None) or [None]:
        record(
            session,
            actor,
            action,
            label[:MAX_TARGET],
            town_id=town_id,
            outcome=outcome,
            details=details,
        )
    await session.commit()
