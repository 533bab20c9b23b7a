"""GraphQL types of workspaces and their entries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.errors import NotFound
from hub.gql.context import Info
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
        description="An authenticated, streamed download through the hub."
    )


@strawberry.type(description="A folder of files, a town's own or shared by several towns.")
class Workspace:
    id: strawberry.ID
    name: str
    shared: bool

    @classmethod
    def of(cls, row: WorkspaceModel) -> Workspace:
        return cls(id=strawberry.ID(row.id), name=row.name, shared=row.owner_town_id is None)

    @strawberry.field(description="The towns that open this workspace.")
    async def towns(self, info: Info) -> list[Annotated[Town, strawberry.lazy("hub.towns.types")]]:
        from hub.towns.types import Town

        loaders = info.context.loaders
        town_ids = await loaders.town_ids_of_workspace.load(self.id)
        principal = info.context.principal
        rows = await loaders.town.load_many([t for t in town_ids if principal.sees_town(t)])
        return [Town.of(row) for row in rows if row is not None]

    @strawberry.field(description="The entries of a folder of the workspace.")
    async def entries(self, info: Info, path: str = "/") -> list[Entry]:
        raise NotFound("Files are not connected to this hub yet.")
