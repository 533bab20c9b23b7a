"""The backends the hub talks to, connected once at start-up, and their provisioning steps.

Each capability is a port of ``connectors/``: a calendar store (CalDAV), file stores (WebDAV,
Nextcloud) and a directory (local, Keycloak). Embedded mode points them at the Radicale and
WsgiDAV that ``hub.embedded.stack`` started; ``HUB_*_URL`` variables point them elsewhere.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from connectors.calendar.caldav_store import CalDAVStore
from connectors.calendar.port import CalendarStore
from hub.config import Settings
from hub.embedded.stack import Endpoint
from hub.towns.provisioning import StepRunner


@dataclass(frozen=True)
class Endpoints:
    """Where the file and calendar servers are (embedded or configured). ``caldav.url`` is the
    service account's calendar home (``HUB_CALDAV_URL``)."""

    caldav: Endpoint | None = None
    webdav: Endpoint | None = None


@dataclass
class Backends:
    calendar: CalendarStore | None = None
    steps: list[StepRunner] = field(default_factory=list)

    async def aclose(self) -> None:
        if self.calendar is not None:
            with contextlib.suppress(Exception):
                await self.calendar.aclose()


def connect_backends(settings: Settings, endpoints: Endpoints | None) -> Backends:
    backends = Backends()
    if endpoints is None:
        return backends
    if endpoints.caldav is not None:
        backends.calendar = CalDAVStore(
            endpoints.caldav.url,
            endpoints.caldav.username,
            endpoints.caldav.password,
            timeout=settings.backend_timeout,
        )
    return backends
