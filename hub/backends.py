"""The backends the hub talks to, connected once at start-up, and their provisioning steps.

Each capability is a port of ``connectors/``: a calendar store (CalDAV), file stores (WebDAV,
Nextcloud) and a directory (local, Keycloak). Embedded mode points them at the Radicale and
WsgiDAV that ``hub.embedded.stack`` started; ``HUB_*_URL`` variables point them elsewhere.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.calendar.caldav_store import CalDAVStore
from connectors.calendar.port import CalendarStore
from connectors.checks import check_webdav
from connectors.directory.keycloak import KeycloakDirectory
from connectors.directory.port import Directory
from connectors.files.nextcloud import NextcloudStore
from connectors.files.nextcloud_admin import NextcloudAdmin
from connectors.files.port import FileStore
from connectors.files.webdav import WebDavServer
from connectors.http import Transport
from hub.agenda.calendars import CalendarStep, TownCalendars
from hub.config import Settings
from hub.embedded.stack import Endpoint
from hub.files.provisioning import FilesStep
from hub.files.stores import FileStores, StoreFactory
from hub.people.directory_sync import DirectoryStep
from hub.people.local_directory import LocalDirectory
from hub.towns.provisioning import StepRunner


@dataclass(frozen=True)
class Endpoints:
    """Where the file and calendar servers are (embedded or configured). ``caldav.url`` is the
    service account's calendar home (``HUB_CALDAV_URL``)."""

    caldav: Endpoint | None = None
    webdav: Endpoint | None = None


@dataclass
class Backends:
    directory: Directory
    calendar: CalendarStore | None = None
    steps: list[StepRunner] = field(default_factory=list)
    files: FileStores = field(default_factory=FileStores)
    """One store per workspace root, on the backends connected (none: files are unavailable)."""
    calendars: TownCalendars = field(init=False)
    """Each town's calendar store (``calendar`` unless routed elsewhere) and sync memory."""

    def __post_init__(self) -> None:
        self.calendars = TownCalendars(lambda: self.calendar)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.directory.close()
        if self.calendar is not None:
            with contextlib.suppress(Exception):
                await self.calendar.aclose()
        await self.files.aclose()


def connect_directory(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Directory:
    if settings.keycloak_url is None:
        return LocalDirectory(sessions)
    assert settings.keycloak_client_secret is not None
    return KeycloakDirectory(
        settings.keycloak_url,
        settings.keycloak_realm,
        settings.keycloak_client_id,
        settings.keycloak_client_secret.get_secret_value(),
        timeout=settings.backend_timeout,
    )


def connect_backends(
    settings: Settings,
    endpoints: Endpoints | None,
    sessions: async_sessionmaker[AsyncSession],
) -> Backends:
    directory = connect_directory(settings, sessions)
    backends = Backends(directory=directory, steps=[DirectoryStep(directory)])
    backends.calendars.timeout = settings.backend_timeout
    backends.files = connect_files(settings, endpoints.webdav if endpoints else None)
    if backends.files.connected:
        backends.steps.append(FilesStep(backends.files))
    if endpoints is None:
        return backends
    if endpoints.caldav is not None:
        backends.calendar = CalDAVStore(
            endpoints.caldav.url,
            endpoints.caldav.username,
            endpoints.caldav.password,
            timeout=settings.backend_timeout,
        )
        backends.steps.append(CalendarStep(backends.calendars))
    return backends


def connect_files(settings: Settings, webdav: Endpoint | None) -> FileStores:
    """The file backends: the WebDAV endpoint (embedded or ``HUB_WEBDAV_URL``) and, when
    ``HUB_NEXTCLOUD_URL`` is set, Nextcloud; ``HUB_FILES_BACKEND`` picks the default. Each
    backend has one connection (transport, pool, breaker) shared by all its workspaces."""
    timeout = settings.backend_timeout
    factories: dict[str, StoreFactory] = {}
    closers = []
    checks = {}
    if webdav is not None:
        server = WebDavServer(
            webdav.url, username=webdav.username, password=webdav.password, timeout=timeout
        )
        factories["webdav"] = server.store
        closers.append(server.aclose)
        checks["webdav"] = partial(check_webdav, server.transport, server.base_url + "/")
    admin: NextcloudAdmin | None = None
    if settings.nextcloud_url is not None:
        url, username = settings.nextcloud_url, settings.nextcloud_username or ""
        password = (
            settings.nextcloud_password.get_secret_value() if settings.nextcloud_password else ""
        )
        transport = Transport(
            backend="nextcloud", username=username, password=password, timeout=timeout
        )

        def nextcloud_store(root: str) -> FileStore:
            return NextcloudStore(
                url,
                username=username,
                password=password,
                root=root,
                timeout=timeout,
                transport=transport,
            )

        factories["nextcloud"] = nextcloud_store
        closers.append(transport.aclose)
        home = f"{url.rstrip('/')}/remote.php/dav/files/{quote(username)}/"
        checks["nextcloud"] = partial(check_webdav, transport, home)
        admin = NextcloudAdmin(
            url, username=username, password=password, timeout=timeout, transport=transport
        )
    return FileStores(
        factories,
        default=settings.files_backend,
        timeout=timeout,
        team_folders=admin,
        hub_group=settings.nextcloud_hub_group if admin else None,
        closers=closers,
        checks=checks,
    )
