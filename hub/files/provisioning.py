"""The files step of ``provisionTown``: the town's folder exists on the default backend."""

from __future__ import annotations

from hub.files.stores import FileStores
from hub.towns.provisioning import TownRef


class FilesStep:
    """A directory on plain WebDAV, a team folder bound to the town's group on Nextcloud.

    The folder is the one ``provisionTown`` gives the town's workspace (``/{slug}``); creating
    it again finds it and changes nothing."""

    name = "files"

    def __init__(self, stores: FileStores) -> None:
        self.stores = stores

    async def run(self, town: TownRef) -> None:
        await self.stores.ensure_workspace_folder(self.stores.default, f"/{town.slug}", [town.slug])
