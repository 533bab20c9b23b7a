"""The one place where a connector's error becomes an API error (files, agenda, people).

The same operator mistake gives the same answer everywhere: a backend that refuses the
hub's own account (``Forbidden``) or is set up wrong (``Misconfigured``) is
BACKEND_UNAVAILABLE, naming the backend and saying an administrator must act; it is never
FORBIDDEN or BAD_INPUT, which would blame the person. A server that is down, slow or
skipped by its circuit breaker is BACKEND_UNAVAILABLE "try later". Only what the request
itself asked for can be the caller's: NOT_FOUND, CONFLICT, TOO_LARGE, and BAD_INPUT for a name
the server cannot keep.

Each domain may word NOT_FOUND and CONFLICT its own way (an event "changed since you read
it", a file "already there"); everything else is worded here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from connectors import errors as remote
from hub.errors import BackendUnavailable, BadInput, Conflict, HubError, NotFound, TooLarge

log = logging.getLogger(__name__)

SERVERS = {
    "webdav": "file server (WebDAV)",
    "nextcloud": "file server (Nextcloud)",
    "caldav": "calendar server (CalDAV)",
    "keycloak": "directory (Keycloak)",
}
SETTINGS = {
    "webdav": "HUB_WEBDAV_URL, HUB_WEBDAV_USERNAME and HUB_WEBDAV_PASSWORD",
    "nextcloud": "HUB_NEXTCLOUD_URL, HUB_NEXTCLOUD_USERNAME and HUB_NEXTCLOUD_PASSWORD",
    "caldav": "HUB_CALDAV_URL, HUB_CALDAV_USERNAME and HUB_CALDAV_PASSWORD",
    "keycloak": "HUB_KEYCLOAK_URL and the client's service account",
}


def server_name(backend: str, fallback: str = "backend server") -> str:
    return SERVERS.get(backend, fallback)


@dataclass(frozen=True)
class Wording:
    """How a domain words the errors that are the request's own."""

    what: str = "this entry"
    """Finishes "Not found: …", "Already there: …", e.g. "'/Conseil'"."""
    not_found: str | None = None
    parent_missing: str | None = None
    conflict: str | None = None
    server: str = "backend server"
    """Names the server when the error does not say which backend it came from."""


def api_error(exc: BaseException, wording: Wording = Wording()) -> HubError:
    """The API error for a connector error or a timeout (anything else: re-raise it)."""
    backend = getattr(exc, "backend", "")
    server = server_name(backend, wording.server)
    if isinstance(exc, TimeoutError):
        return BackendUnavailable(f"The {server} did not answer in time; try again.")
    if not isinstance(exc, remote.ConnectorError):
        raise exc
    if isinstance(exc, remote.CircuitOpen):
        return BackendUnavailable(
            f"The {server} keeps failing: the hub leaves it alone for a few seconds. "
            "Try again later."
        )
    if isinstance(exc, remote.Unavailable):
        log.warning("%s unavailable: %s", server, exc)
        return BackendUnavailable(f"The {server} is not answering; try again later.")
    if isinstance(exc, remote.Forbidden):
        log.error("%s refused the hub's account: %s", server, exc)
        settings = SETTINGS.get(backend, "the hub's account on it")
        return BackendUnavailable(
            f"The {server} refused the hub's own account: an administrator must check {settings}."
        )
    if isinstance(exc, remote.Misconfigured):
        log.error("%s misconfigured: %s", server, exc)
        return BackendUnavailable(
            f"The {server} is not set up as the hub expects: an administrator must check it "
            "(details in the hub's log)."
        )
    if isinstance(exc, remote.NameRefused):
        return BadInput(
            f"The {server} cannot store names containing {exc.characters!r}; "
            "choose another name. Nothing was changed.",
            field="path",
        )
    if isinstance(exc, remote.ParentMissing) and wording.parent_missing:
        return NotFound(wording.parent_missing)
    if isinstance(exc, remote.NotFound):
        return NotFound(wording.not_found or f"Not found: {wording.what}.")
    if isinstance(exc, remote.Conflict):
        return Conflict(wording.conflict or f"Already there: {wording.what}.")
    if isinstance(exc, remote.TooLarge):
        return TooLarge(f"The {server} has no room for {wording.what}.")
    log.warning("%s refused a request: %s", server, exc)
    return BadInput(f"The {server} refused {wording.what}.")


def describe(exc: BaseException, server: str = "backend server") -> str:
    """A short sentence for a step's or a source's error (the full error goes to the log)."""
    if isinstance(exc, HubError):
        return exc.message
    try:
        return api_error(exc, Wording(server=server)).message
    except BaseException:  # not a connector error: its text may hold anything
        return "the step failed unexpectedly (details in the hub's log)"


@asynccontextmanager
async def backend_call(limit: float | None, wording: Wording = Wording()) -> AsyncIterator[None]:
    """Run the block within ``limit`` seconds, its connector errors as API errors."""
    try:
        async with asyncio.timeout(limit):
            yield
    except (remote.ConnectorError, TimeoutError) as exc:
        raise api_error(exc, wording) from exc
