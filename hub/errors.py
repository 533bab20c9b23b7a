"""Domain errors, each carrying the API's ``extensions.code``.

Services raise these; the GraphQL layer turns them into errors with that code, and masks any
other exception as INTERNAL (details in the log only). The codes are the documented set of the
public API core: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_INPUT, CONFLICT, TOO_LARGE,
BACKEND_UNAVAILABLE, INTERNAL.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_INPUT = "BAD_INPUT"
    CONFLICT = "CONFLICT"
    TOO_LARGE = "TOO_LARGE"
    BACKEND_UNAVAILABLE = "BACKEND_UNAVAILABLE"
    INTERNAL = "INTERNAL"


class HubError(Exception):
    """An error the caller can act on; its message says what to do."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(HubError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(HubError):
    code = ErrorCode.FORBIDDEN


class NotFound(HubError):
    code = ErrorCode.NOT_FOUND


class BadInput(HubError):
    code = ErrorCode.BAD_INPUT


class Conflict(HubError):
    code = ErrorCode.CONFLICT


class TooLarge(HubError):
    code = ErrorCode.TOO_LARGE


class BackendUnavailable(HubError):
    code = ErrorCode.BACKEND_UNAVAILABLE
