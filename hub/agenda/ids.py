"""Event ids: which town's calendar, which event, and which occurrence of it.

An id is the unpadded base64url of ``{slug}\\n{uid}\\n{recurrence}``, where ``recurrence`` is
the occurrence's RECURRENCE-ID in RFC 3339 (UTC) or as a date, empty for a single event.
Every occurrence of a recurring event has its own id, so clients can key lists on it;
``updateEvent`` and ``deleteEvent`` act on the whole event (the series) whatever occurrence
id they are given. Ids are opaque to clients and not secret: knowing one grants nothing,
access is checked on the town it names.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hub.errors import NotFound

_MAX_ID_CHARS = 1024


@dataclass(frozen=True, slots=True)
class EventRef:
    slug: str
    uid: str
    recurrence: str = ""


def occurrence_key(recurrence_id: date | datetime | None) -> str:
    if recurrence_id is None:
        return ""
    if isinstance(recurrence_id, datetime):
        return recurrence_id.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return recurrence_id.isoformat()


def event_id(slug: str, uid: str, recurrence_id: date | datetime | None = None) -> str:
    raw = f"{slug}\n{uid}\n{occurrence_key(recurrence_id)}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_event_id(value: str) -> EventRef:
    """The reference inside an id; NOT_FOUND for anything that is not one of ours."""
    unknown = NotFound("There is no such event; reload the agenda.")
    if not value or len(value) > _MAX_ID_CHARS:
        raise unknown
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unknown from None
    parts = raw.split("\n")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise unknown
    return EventRef(parts[0], parts[1], parts[2])
