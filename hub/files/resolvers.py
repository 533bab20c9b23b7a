"""Workspaces and their files: each resolver opens the session and calls the service."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from connectors.files.port import Entry as StoredEntry
from hub.files import search, service
from hub.files.download import download_prefix
from hub.files.types import Entry, Workspace
from hub.files.walk import MAX_FOLDERS
from hub.gql.context import Info
from hub.gql.cost import backend_calls

UPLOAD_HELP = (
    "Store a file, sent as a GraphQL multipart request to /graphql/upload (the only endpoint "
    "that accepts one). A path ending with '/' keeps the file's own name in that folder."
)


def _entry(info: Info, workspace: strawberry.ID, found: StoredEntry) -> Entry:
    prefix = download_prefix(info.context.services.settings.base_url, str(workspace))
    return Entry.of(found, prefix, str(workspace))


SEARCH_HELP = (
    "Files and folders whose name holds the text (2 to 100 characters; case, accents and the "
    "ligatures œ æ ß set aside) in every workspace the caller may open, or those of the towns "
    "named (at most 10 workspaces), best matches first: the name itself, then names starting "
    "with the text, then a word starting with it. Each workspace is searched by its file "
    "server's own search when it has one (WebDAV SEARCH, Nextcloud), else by a bounded walk "
    "of its folders; at most 50 matches per workspace. A workspace whose search failed or "
    "stopped before the end gives one more entry, its root folder, with searchError set."
)


@strawberry.type
class FilesQuery:
    @strawberry.field(
        description=SEARCH_HELP,
        # one server search, or a walk of up to MAX_FOLDERS listings, per workspace
        metadata=backend_calls(search.MAX_WORKSPACES * MAX_FOLDERS),
    )
    async def search_files(
        self, info: Info, text: str, towns: list[str] | None = None
    ) -> list[Entry]:
        principal = info.context.principal
        folded = search.checked_text(text)
        async with info.context.db() as session:
            workspaces = await search.search_scope(session, principal, towns)
        services = info.context.services
        found = await search.search_workspaces(services.backends.files, workspaces, folded, text)
        base = services.settings.base_url
        entries = [
            Entry.of(match.entry, download_prefix(base, match.workspace.id), match.workspace.id)
            for match in found.matches
        ]
        return entries + [_shortfall(shortfall) for shortfall in found.shortfalls]

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


def _shortfall(shortfall: search.Shortfall) -> Entry:
    from hub.agenda.types import SourceError

    workspace = shortfall.workspace
    error = SourceError(
        source="files",
        code=shortfall.code,
        message=shortfall.message,
        town_id=workspace.owner_town_id,
    )
    return Entry(
        path="/",
        name=workspace.name,
        folder=True,
        size=None,
        content_type=None,
        etag=None,
        modified_at=None,
        download_url=None,
        view_url=None,
        search_error=error,
        workspace_id=workspace.id,
    )


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
