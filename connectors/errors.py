"""The one exception hierarchy every connector raises.

    ConnectorError
    ├── Unavailable      the backend is down, slow or answered 5xx: worth retrying later
    └── RequestError     the backend refused this request: retrying the same call won't help
        ├── NotFound     the thing asked for does not exist
        ├── Conflict     it exists already, or changed since it was read (stale etag)
        ├── Forbidden    the backend's account may not do this
        └── TooLarge     the backend refused the size

No library exception crosses a connector boundary: each backend module wraps what its
client raises (``raise Unavailable(...) from exc``).
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises."""

    def __init__(self, message: str, *, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


class Unavailable(ConnectorError):
    """Temporary failure: timeout, refused connection, 5xx."""


class RequestError(ConnectorError):
    """The backend understood the request and refused it."""


class NotFound(RequestError):
    """The resource does not exist on the backend."""


class Conflict(RequestError):
    """The resource exists already, or was changed since it was read."""


class Forbidden(RequestError):
    """The backend's credentials do not allow this operation."""


class TooLarge(RequestError):
    """The backend refused the request's size."""
