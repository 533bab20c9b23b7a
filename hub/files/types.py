"""GraphQL types of workspaces and their entries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from connectors.files.port import Entry as StoredEntry
from hub.errors import Forbidden, NotFound
from hub.files import service
from hub.files.download import download_prefix, quote_path
from hub.files.recent import recent_files
from hub.files.service import Place
from hub.files.viewing import viewable_type
from hub.files.walk import MAX_FOLDERS
from hub.gql.context import Info
from hub.gql.cost import BACKEND_CALL, backend_calls
from hub.towns.models import Workspace as WorkspaceModel

if TYPE_CHECKING:
    from hub.agenda.types import SourceError
    from hub.towns.types import Town


@strawberry.type(description="A file or folder in a workspace.")
class Entry:
    path: str
    name: str
    folder: bool
    size: float | None
    content_type: str | None
    etag: str | None
    modified_at: datetime | None
    download_url: str | None = strawberry.field(
        description="An authenticated, streamed download through the hub (files only)."
    )
    view_url: str | None = strawberry.field(
        description="Opens the file in the browser, sandboxed: PNG, JPEG, GIF and WebP images "
        "and PDF (a PDF that may hold scripts comes as a download); null for other files."
    )
    search_error: Annotated[SourceError, strawberry.lazy("hub.agenda.types")] | None = (
        strawberry.field(
            description="Only in searchFiles: set on the entry standing for a workspace (its "
            'root folder, path "/") whose search failed or stopped before the end '
            "(INCOMPLETE), so that missing results are never silent; null on every match."
        )
    )
    workspace_id: strawberry.Private[str]

    @strawberry.field(description="The workspace holding the entry.")
    async def workspace(self, info: Info) -> Workspace:
        row = await info.context.loaders.workspace.load(self.workspace_id)
        if row is None:  # removed since the entry was read
            raise NotFound("There is no such workspace.")
        return Workspace.of(row)  # the entry came from a workspace the caller opened

    @classmethod
    def of(cls, entry: StoredEntry, download_prefix: str, workspace_id: str) -> Entry:
        """``download_prefix``: the workspace's download URL up to the file's quoted path."""
        download = None if entry.folder else download_prefix + quote_path(entry.path)
        viewable = download and viewable_type(entry.name, entry.content_type)
        return cls(
            path=entry.path,
            name=entry.name,
            folder=entry.folder,
            size=entry.size,  # an int: GraphQL's Float writes it as a float
            content_type=entry.content_type,
            etag=entry.etag,
            modified_at=entry.modified_at,
            download_url=download,
            view_url=f"{download}&inline=1" if viewable else None,
            search_error=None,
            workspace_id=workspace_id,
        )


@strawberry.type(description="A folder of files, a town's own or shared by several towns.")
class Workspace:
    id: strawberry.ID
    name: str
    shared: bool
    backend: strawberry.Private[str]
    root: strawberry.Private[str]
    # False when reached through a town whose files the caller may not open (its DPO).
    opened: strawberry.Private[bool] = True

    @classmethod
    def of(cls, row: WorkspaceModel | Place, *, opened: bool = True) -> Workspace:
        """``opened``: the caller may open it (``entries`` does not check again)."""
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            shared=row.owner_town_id is None,
            backend=row.backend,
            root=row.root,
            opened=opened,
        )

    def _require_opened(self, info: Info) -> None:
        info.context.principal  # noqa: B018 - authenticate before saying anything
        if not self.opened:
            raise Forbidden("Only the town's staff may open its files.")

    @strawberry.field(description="The towns that open this workspace.")
    async def towns(self, info: Info) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        from hub.towns.types import Town

        loaders = info.context.loaders
        town_ids = await loaders.town_ids_of_workspace.load(self.id)
        principal = info.context.principal
        rows = await loaders.town.load_many([t for t in town_ids if principal.sees_town(t)])
        return [Town.of(row) for row in rows if row is not None]

    @strawberry.field(
        description="The entries of a folder of the workspace, folders first.",
        metadata=BACKEND_CALL,
    )
    async def entries(self, info: Info, path: str = "/") -> list[Entry]:
        self._require_opened(info)
        services = info.context.services
        found = await service.list_entries(services.backends.files, self.backend, self.root, path)
        prefix = download_prefix(services.settings.base_url, self.id)
        return [Entry.of(entry, prefix, self.id) for entry in found]

    @strawberry.field(
        description="The files modified most recently anywhere in the workspace, newest first "
        "(found by a bounded walk: 4 levels of folders, 40 folders at most).",
        # Up to MAX_FOLDERS listings: the query cost counts the walk at its bound.
        metadata=backend_calls(MAX_FOLDERS),
    )
    async def recent_files(self, info: Info, first: int = 10) -> list[Entry]:
        self._require_opened(info)
        services = info.context.services
        stores = services.backends.files
        found = await recent_files(stores.store(self.backend, self.root), first, stores.timeout)
        prefix = download_prefix(services.settings.base_url, self.id)
        return [Entry.of(entry, prefix, self.id) for entry in found]
