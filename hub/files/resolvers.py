"""Workspaces and their files."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from hub.errors import NotFound
from hub.files import service
from hub.files.types import Entry, Workspace
from hub.gql.context import Info

FILES_PENDING = "Files are not connected to this hub yet."


@strawberry.type
class FilesQuery:
    @strawberry.field(description="Every workspace the caller can open.")
    async def workspaces(self, info: Info) -> list[Workspace]:
        async with info.context.db() as session:
            rows = await service.visible_workspaces(session, info.context.principal)
        return [Workspace.of(row) for row in rows]

    @strawberry.field(description="A workspace by id.")
    async def workspace(self, info: Info, id: strawberry.ID) -> Workspace | None:
        async with info.context.db() as session:
            row = await service.workspace_for(session, info.context.principal, str(id))
        return Workspace.of(row)


@strawberry.type
class FilesMutation:
    @strawberry.mutation(description="A workspace opened by several towns.")
    async def create_shared_workspace(self, info: Info, name: str, towns: list[str]) -> Workspace:
        async with info.context.db() as session:
            row = await service.create_shared_workspace(
                session, info.context.principal, name, towns, info.context.services.files_backend
            )
        return Workspace.of(row)

    @strawberry.mutation
    async def create_folder(self, info: Info, workspace: strawberry.ID, path: str) -> Entry:
        info.context.principal  # noqa: B018 - authenticate before saying anything
        raise NotFound(FILES_PENDING)

    @strawberry.mutation
    async def upload_file(
        self, info: Info, workspace: strawberry.ID, path: str, file: Upload
    ) -> Entry:
        info.context.principal  # noqa: B018
        raise NotFound(FILES_PENDING)

    @strawberry.mutation
    async def move_entry(
        self,
        info: Info,
        workspace: strawberry.ID,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
    ) -> Entry:
        info.context.principal  # noqa: B018
        raise NotFound(FILES_PENDING)

    @strawberry.mutation
    async def delete_entry(self, info: Info, workspace: strawberry.ID, path: str) -> bool:
        info.context.principal  # noqa: B018
        raise NotFound(FILES_PENDING)
