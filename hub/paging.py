"""Cursor pages for the long lists (towns, people): a page is read by keyset, after the last
row of the previous one, so page 400 costs what page 1 does; the cursor is opaque to clients
(the sort key of that row, base64url) and checked when it comes back."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from hub.errors import BadInput

T = TypeVar("T")
MAX_PAGE = 200
MAX_SEARCH = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None  # the cursor after the last item, when more follow
    total: int  # every item the filters let through, over all pages


def encode(kind: str, key: tuple[str, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *key]).encode()).decode().rstrip("=")


def decode(kind: str, cursor: str, size: int) -> tuple[str, ...]:
    """The key a cursor of ``kind`` carries, or BAD_INPUT on ``after``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if (
            isinstance(value, list)
            and len(value) == size + 1
            and value[0] == kind
            and all(isinstance(part, str) for part in value[1:])
        ):
            return tuple(value[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise BadInput("This cursor is not one this list gave.", field="after")


def checked_first(first: int | None, default: int = 50) -> int:
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise BadInput(f"'first' is between 1 and {MAX_PAGE}.", field="first")
    return size


def checked_search(text: str | None) -> str | None:
    """A search as typed, trimmed (None when empty); over ``MAX_SEARCH`` characters is
    BAD_INPUT (a name or an address is shorter; SQLite refuses long LIKE patterns)."""
    if text is not None and len(text) > MAX_SEARCH:
        raise BadInput(f"Search for at most {MAX_SEARCH} characters.", field="search")
    wanted = (text or "").strip()
    return wanted or None
