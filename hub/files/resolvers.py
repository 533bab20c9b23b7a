"""Workspaces and their files: each resolver opens the session and calls the service."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from connectors.files.port import Entry as StoredEntry
from hub.files import service
from hub.files.download import download_prefix
from hub.files.types import Entry, Workspace
from hub.gql.context import Info

UPLOAD_HELP = (
    "Store a file, sent as a GraphQL multipart request to /graphql/upload (the only endpoint "
    "that accepts one). A path ending with '/' keeps the file's own name in that folder."
)


def _entry(info: Info, workspace: strawberry.ID, found: StoredEntry) -> Entry:
    return Entry.of(found, download_prefix(info.context.services.settings.base_url, str(workspace)))


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
            row = await service.open_workspace(session, info.context.principal, str(id))
        return Workspace.of(row)


@strawberry.type
class FilesMutation:
    @strawberry.mutation(description="A workspace opened by several towns, with its folder.")
    async def create_shared_workspace(self, info: Info, name: str, towns: list[str]) -> Workspace:
        async with info.context.db() as session:
            row = await service.create_shared_workspace(
                session, info.context.principal, name, towns, info.context.services.backends.files
            )
        return Workspace.of(row)

    @strawberry.mutation(description="Create a folder (CONFLICT if something has that path).")
    async def create_folder(self, info: Info, workspace: strawberry.ID, path: str) -> Entry:
        async with info.context.db() as session:
            found = await service.create_folder(
                session,
                info.context.principal,
                info.context.services.backends.files,
                str(workspace),
                path,
            )
        return _entry(info, workspace, found)

    @strawberry.mutation(description=UPLOAD_HELP)
    async def upload_file(
        self,
        info: Info,
        workspace: strawberry.ID,
        path: str,
        file: Upload,
        overwrite: bool = False,
        keep_both: Annotated[
            bool,
            strawberry.argument(
                description="On a name already taken, store the file under a free numbered "
                'name ("Budget (2).pdf") instead of answering CONFLICT.'
            ),
        ] = False,
    ) -> Entry:
        services = info.context.services
        async with info.context.db() as session:
            found = await service.upload_file(
                session,
                info.context.principal,
                services.backends.files,
                str(workspace),
                path,
                file,  # type: ignore[arg-type]  # strawberry types the scalar as bytes
                max_bytes=services.settings.max_upload_bytes,
                overwrite=overwrite,
                keep_both=keep_both,
            )
        return _entry(info, workspace, found)

    @strawberry.mutation(
        description="Move or rename an entry; CONFLICT if the target exists, unless overwrite."
    )
    async def move_entry(
        self,
        info: Info,
        workspace: strawberry.ID,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
        overwrite: bool = False,
    ) -> Entry:
        async with info.context.db() as session:
            found = await service.move_entry(
                session,
                info.context.principal,
                info.context.services.backends.files,
                str(workspace),
                from_,
                to,
                overwrite=overwrite,
            )
        return _entry(info, workspace, found)

    @strawberry.mutation(description="Delete a file, or a folder with its content.")
    async def delete_entry(self, info: Info, workspace: strawberry.ID, path: str) -> bool:
        async with info.context.db() as session:
            await service.delete_entry(
                session,
                info.context.principal,
                info.context.services.backends.files,
                str(workspace),
                path,
            )
        return True
