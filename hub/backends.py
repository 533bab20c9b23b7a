"""The backends the hub talks to, connected once at start-up, and their provisioning steps.

Each capability is a port of ``connectors/``: a calendar store (CalDAV), file stores (WebDAV,
Nextcloud) and a directory (local, Keycloak). Embedded mode points them at the Radicale and
WsgiDAV that ``hub.embedded.stack`` started; ``HUB_*_URL`` variables point them elsewhere.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.calendar.caldav_store import CalDAVStore
from connectors.calendar.port import CalendarStore
from connectors.directory.keycloak import KeycloakDirectory
from connectors.directory.port import Directory
from hub.agenda.calendars import CalendarStep, TownCalendars
from hub.config import Settings
from hub.embedded.stack import Endpoint
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
