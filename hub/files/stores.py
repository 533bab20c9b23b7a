"""Which file store serves a workspace, and calling a store within the backend timeout.

A workspace names its backend (``webdav`` or ``nextcloud``) and its root folder there; the
hub keeps one store per (backend, root), made on first use. Stores are light: every store of
a backend shares that backend's one connection (``hub.backends``: one transport, one pool,
one circuit breaker), closed at shutdown.

Every call a request makes to a store goes through ``backend_call``: a per-call
``asyncio.timeout`` (a slow server costs at most ``backend_timeout``), and connector errors
become the API's error codes through the hub's one translator (``hub.backend_errors``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from connectors.checks import Finding
from connectors.files.port import HIDDEN_PREFIX, FileStore
from hub import backend_errors
from hub.errors import BackendUnavailable

log = logging.getLogger(__name__)

StoreFactory = Callable[[str], FileStore]
"""Builds the store of one root folder on a backend."""

MARKER = HIDDEN_PREFIX + "workspace-"


def marker_name(root: str) -> str:
    """The hidden folder that says "this folder is the workspace whose root is ``root``":
    named after the root's last segment, so that the folder is still recognised once someone
    renamed or moved it on the server (``hub.drift.files`` looks for it)."""
    return MARKER + root.rstrip("/").rsplit("/", 1)[-1]


class TeamFolders(Protocol):
    """What the Nextcloud admin API gives provisioning and drift (``NextcloudAdmin``)."""

    async def ensure_group(self, gid: str) -> None: ...

    async def group_exists(self, gid: str) -> bool: ...

    async def ensure_team_folder(self, mount_point: str, group: str) -> int: ...

    async def team_folders(self) -> dict[int, dict[str, Any]]: ...

    async def rename_team_folder(self, folder_id: int, mount_point: str) -> None: ...

    async def unbind_team_folder(self, folder_id: int, group: str) -> None: ...

    async def aclose(self) -> None: ...


class FileStores:
    """The file backends this hub is connected to, and one store per workspace root."""

    def __init__(
        self,
        factories: Mapping[str, StoreFactory] | None = None,
        *,
        default: str = "webdav",
        timeout: float = 2.0,
        team_folders: TeamFolders | None = None,
        hub_group: str | None = None,
        closers: Sequence[Callable[[], Awaitable[None]]] = (),
        checks: Mapping[str, Callable[[], Awaitable[list[Finding]]]] | None = None,
    ) -> None:
        self._factories = dict(factories or {})
        self.default = default
        self.timeout = timeout
        self._team_folders = team_folders
        self._hub_group = hub_group
        self._open: dict[tuple[str, str], FileStore] = {}
        self._closers = list(closers)
        self.checks = dict(checks or {})
        """Per backend, what ``hub check`` asks it (``connectors.checks``)."""

    def team_folders(self, backend: str) -> TeamFolders | None:
        """The team-folder API when ``backend`` keeps workspaces as team folders."""
        return self._team_folders if backend == "nextcloud" else None

    def folder_groups(self, slugs: Sequence[str]) -> set[str]:
        """The groups a team folder of these towns is given: theirs and the hub's own."""
        return {*slugs, *([self._hub_group] if self._hub_group else [])}

    @property
    def connected(self) -> bool:
        return bool(self._factories)

    @property
    def backends(self) -> list[str]:
        return sorted(self._factories)

    def store(self, backend: str, root: str) -> FileStore:
        """The store of ``root`` on ``backend``; BACKEND_UNAVAILABLE if not connected."""
        key = (backend, root)
        found = self._open.get(key)
        if found is None:
            factory = self._factories.get(backend)
            if factory is None:
                raise BackendUnavailable(
                    f"The '{backend}' file server is not connected to this hub."
                )
            found = self._open[key] = factory(root)
        return found

    async def ensure_workspace_folder(self, backend: str, root: str, groups: Sequence[str]) -> None:
        """The workspace's folder exists (safe to call twice): a plain directory on WebDAV,
        holding its marker (``marker_name``); on Nextcloud a team folder at ``root`` bound to
        each town's group and the hub's own (the team folder has an id of its own)."""
        if backend == "nextcloud" and self._team_folders is not None:
            mount_point = root.strip("/")
            for group in sorted(self.folder_groups(groups)):
                await self._team_folders.ensure_group(group)
                await self._team_folders.ensure_team_folder(mount_point, group)
            return
        store = self.store(backend, root)
        await store.ensure_folder("/")
        await store.ensure_folder("/" + marker_name(root))

    async def aclose(self) -> None:
        stores, self._open = list(self._open.values()), {}
        for store in stores:
            with contextlib.suppress(Exception):
                await store.aclose()
        if self._team_folders is not None:
            with contextlib.suppress(Exception):
                await self._team_folders.aclose()
        for close in self._closers:
            with contextlib.suppress(Exception):
                await close()


def backend_call(what: str, limit: float | None) -> AbstractAsyncContextManager[None]:
    """Run the block within ``limit`` seconds, translating the store's errors for the API.

    ``what`` finishes sentences such as "Not found: …", e.g. "'/a.txt'"."""
    return backend_errors.backend_call(
        limit, backend_errors.Wording(what=what, server="file server")
    )
