"""Which file store serves a workspace, and calling a store within the backend timeout.

A workspace names its backend (``webdav`` or ``nextcloud``) and its root folder there; the
hub keeps one store per (backend, root), opened on first use and closed at shutdown, so a
listing reuses its connections instead of opening new ones.

Every call a request makes to a store goes through ``backend_call``: a per-call
``asyncio.timeout`` (a slow server costs at most ``backend_timeout``), and connector errors
become the API's error codes (``Unavailable`` and timeouts are BACKEND_UNAVAILABLE).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from connectors import errors as remote
from connectors.files.port import FileStore
from hub.errors import BackendUnavailable, BadInput, Conflict, Forbidden, NotFound, TooLarge

log = logging.getLogger(__name__)

StoreFactory = Callable[[str], FileStore]
"""Builds the store of one root folder on a backend."""


class TeamFolders(Protocol):
    """What the Nextcloud admin API gives provisioning (``NextcloudAdmin``)."""

    async def ensure_group(self, gid: str) -> None: ...

    async def ensure_team_folder(self, mount_point: str, group: str) -> int: ...

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
    ) -> None:
        self._factories = dict(factories or {})
        self.default = default
        self.timeout = timeout
        self._team_folders = team_folders
        self._hub_group = hub_group
        self._open: dict[tuple[str, str], FileStore] = {}

    @property
    def connected(self) -> bool:
        return bool(self._factories)

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
        """The workspace's folder exists (safe to call twice): a plain directory on WebDAV; on
        Nextcloud a team folder at ``root`` bound to each town's group and the hub's own."""
        if backend == "nextcloud" and self._team_folders is not None:
            mount_point = root.strip("/")
            for group in [*groups, *([self._hub_group] if self._hub_group else [])]:
                await self._team_folders.ensure_group(group)
                await self._team_folders.ensure_team_folder(mount_point, group)
            return
        await self.store(backend, root).ensure_folder("/")

    async def aclose(self) -> None:
        stores, self._open = list(self._open.values()), {}
        for store in stores:
            with contextlib.suppress(Exception):
                await store.aclose()
        if self._team_folders is not None:
            with contextlib.suppress(Exception):
                await self._team_folders.aclose()


@asynccontextmanager
async def backend_call(what: str, limit: float | None) -> AsyncIterator[None]:
    """Run the block within ``limit`` seconds, translating the store's errors for the API.

    ``what`` finishes the sentence "The file server …" in messages, e.g. "has no '/a.txt'".
    """
    try:
        async with asyncio.timeout(limit):
            yield
    except TimeoutError as exc:
        raise BackendUnavailable("The file server did not answer in time; try again.") from exc
    except remote.Unavailable as exc:
        log.warning("file server unavailable: %s", exc)
        raise BackendUnavailable("The file server is not answering; try again later.") from exc
    except remote.NotFound as exc:
        raise NotFound(f"Not found: {what}.") from exc
    except remote.Conflict as exc:
        raise Conflict(f"Already there: {what}.") from exc
    except remote.TooLarge as exc:
        raise TooLarge(f"The file server has no room for {what}.") from exc
    except remote.Forbidden as exc:
        log.error("file server refused the hub's account: %s", exc)
        raise Forbidden(f"The file server refused {what}.") from exc
    except remote.RequestError as exc:
        raise BadInput(f"The file server refused {what}.") from exc
