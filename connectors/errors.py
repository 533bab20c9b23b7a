"""The one exception hierarchy every connector raises, and the one map from HTTP statuses.

    ConnectorError
    ├── Unavailable        the backend is down, slow or answered 5xx: worth retrying later
    │   └── CircuitOpen    not even asked: it failed repeatedly and is skipped for a while
    ├── Misconfigured      only the backend's operator can fix this: retrying won't help
    │   └── Forbidden      the backend refused the hub's own account (401/403)
    └── RequestError       the backend refused this request: retrying the same call won't help
        ├── NotFound       the thing asked for does not exist
        │   └── ParentMissing   its parent collection does not (409 on MKCOL/PUT/MOVE)
        ├── Conflict       it exists already, or changed since it was read (stale etag)
        ├── TooLarge       the backend refused the size
        └── NameRefused    the backend cannot store this name as sent (checked, not guessed)

Every connector speaks to its backend with the hub's own service account, so a 401 or 403
is never the person's doing: the account's credentials or rights are wrong, and an
administrator must act (``Forbidden`` is a ``Misconfigured``, not a ``RequestError``). A
redirect the transport cannot follow (to another server) is the operator's too.

No library exception crosses a connector boundary: each backend module wraps what its
client raises (``raise Unavailable(...) from exc``), and every HTTP status goes through
``for_status``.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises."""

    def __init__(self, message: str, *, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


class Unavailable(ConnectorError):
    """Temporary failure: timeout, refused connection, 5xx."""


class CircuitOpen(Unavailable):
    """The backend failed repeatedly: it is skipped until its pause is over."""


class Misconfigured(ConnectorError):
    """The backend answers, but only its operator can make the call work (URL, account)."""


class Forbidden(Misconfigured):
    """The backend refused the hub's own account: wrong credentials, or missing rights."""


class RequestError(ConnectorError):
    """The backend understood the request and refused it."""


class NotFound(RequestError):
    """The resource does not exist on the backend."""


class ParentMissing(NotFound):
    """The collection the resource would go in does not exist."""


class Conflict(RequestError):
    """The resource exists already, or was changed since it was read."""


class TooLarge(RequestError):
    """The backend refused the request's size."""


class NameRefused(RequestError):
    """The backend does not store this name as it was sent (e.g. cuts it at a ``;``)."""

    def __init__(self, message: str, *, backend: str = "", characters: str = "") -> None:
        super().__init__(message, backend=backend)
        self.characters = characters


def for_status(
    status: int, what: str, *, backend: str, conflict_on: tuple[int, ...] = (405, 412)
) -> ConnectorError:
    """The connector error for an HTTP status the caller did not expect (RFC 9110, RFC 4918).

    ``conflict_on``: the statuses that mean "exists already / changed" for this call (405 on
    MKCOL, 412 on a conditional request or ``Overwrite: F``)."""
    if 300 <= status < 400:
        return Misconfigured(
            f"{what}: redirected ({status}) somewhere the hub does not follow", backend=backend
        )
    if status in (401, 403, 407):
        return Forbidden(
            f"{what}: the server refused the hub's account ({status})", backend=backend
        )
    if status in (404, 410):
        return NotFound(f"{what}: not found", backend=backend)
    if status in conflict_on:
        return Conflict(f"{what}: already exists or changed ({status})", backend=backend)
    if status == 409:
        return ParentMissing(f"{what}: parent collection missing", backend=backend)
    if status in (413, 507):
        return TooLarge(f"{what}: too large ({status})", backend=backend)
    if status == 423:
        return Conflict(f"{what}: locked", backend=backend)
    if status in (408, 429) or status >= 500:
        return Unavailable(f"{what}: server error {status}", backend=backend)
    return RequestError(f"{what}: refused ({status})", backend=backend)
