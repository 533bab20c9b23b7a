"""GraphQL types of workspaces and their entries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from connectors.files.port import Entry as StoredEntry
from hub.files import service
from hub.files.download import download_prefix, quote_path
from hub.files.recent import recent_files
from hub.files.service import Place
from hub.gql.context import Info
from hub.gql.cost import BACKEND_CALL
from hub.towns.models import Workspace as WorkspaceModel

if TYPE_CHECKING:
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

    @classmethod
    def of(cls, entry: StoredEntry, download_prefix: str) -> Entry:
        """``download_prefix``: the workspace's download URL up to the file's quoted path."""
        return cls(
            path=entry.path,
            name=entry.name,
            folder=entry.folder,
            size=entry.size,  # an int: GraphQL's Float writes it as a float
            content_type=entry.content_type,
            etag=entry.etag,
            modified_at=entry.modified_at,
            download_url=None if entry.folder else download_prefix + quote_path(entry.path),
        )


@strawberry.type(description="A folder of files, a town's own or shared by several towns.")
class Workspace:
    id: strawberry.ID
    name: str
    shared: bool
    backend: strawberry.Private[str]
    root: strawberry.Private[str]

    @classmethod
    def of(cls, row: WorkspaceModel | Place) -> Workspace:
        """Only for a row the caller may open: ``entries`` does not check again."""
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            shared=row.owner_town_id is None,
            backend=row.backend,
            root=row.root,
        )

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
        info.context.principal  # noqa: B018 - authenticate before saying anything
        services = info.context.services
        found = await service.list_entries(services.backends.files, self.backend, self.root, path)
        prefix = download_prefix(services.settings.base_url, self.id)
        return [Entry.of(entry, prefix) for entry in found]

    @strawberry.field(
        description="The files modified most recently anywhere in the workspace, newest first "
        "(found by a bounded walk: 4 levels of folders, 40 folders at most).",
        metadata=BACKEND_CALL,
    )
    async def recent_files(self, info: Info, first: int = 10) -> list[Entry]:
        info.context.principal  # noqa: B018 - authenticate before saying anything
        services = info.context.services
        stores = services.backends.files
        found = await recent_files(stores.store(self.backend, self.root), first, stores.timeout)
        prefix = download_prefix(services.settings.base_url, self.id)
        return [Entry.of(entry, prefix) for entry in found]
