"""What the hub needs from a town's calendar server, whatever it runs (Nextcloud, Radicale…).

A calendar is named by a short ``calendar_id`` (one path segment, e.g. ``salle-des-fetes``)
under the account's calendar home. Objects are raw iCalendar text with their server href and
etag; parsing them is the agenda domain's job, not the connector's.

Errors are those of ``connectors.errors``: ``Unavailable`` (down, slow, 5xx), ``Conflict``
(exists already, or stale etag), ``NotFound``, ``Forbidden`` (credentials refused, 401/403),
``RequestError`` (anything else the server refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CalendarObject:
    """One calendar object resource (a VCALENDAR holding one event and its exceptions)."""

    href: str
    """Server path of the object, percent-encoded, e.g. ``/entente/salle/abc.ics``."""
    etag: str
    """Entity tag as the server sent it (quotes included): pass it back unchanged."""
    ical: str


def _empty() -> Mapping[str, CalendarObject]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where the last fetch left a calendar: its sync-token and every object, by href.

    ``token`` is None when the server gave none (the next fetch is then a full one).
    ``unreadable`` names the objects the server listed (with an etag) but would not give the
    data of, even through ``calendar-multiget``: they exist, and whoever shows the calendar
    must say that they are missing.
    """

    token: str | None
    objects: Mapping[str, CalendarObject] = field(default_factory=_empty)
    unreadable: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SyncResult:
    """The outcome of one fetch.

    ``state`` holds every current object and is what to pass to the next fetch. ``changed``
    and ``deleted`` (hrefs) are the difference from the state given; ``full`` says the whole
    calendar was read again (first fetch, or the server refused the stored token).
    """

    state: SyncState
    changed: tuple[CalendarObject, ...]
    deleted: tuple[str, ...]
    full: bool

    @property
    def objects(self) -> tuple[CalendarObject, ...]:
        return tuple(self.state.objects.values())


class CalendarStore(Protocol):
    """The calendar operations of one backend account. Safe to call concurrently."""

    async def ensure_calendar(self, calendar_id: str, display_name: str) -> str:
        """Create the calendar if it is missing; return its URL. Idempotent."""
        ...

    async def calendar_name(self, calendar_id: str) -> str | None:
        """The calendar's display name ("" when it has none), or None when there is no
        calendar; ``Conflict`` when something else has its place."""
        ...

    async def rename_calendar(self, calendar_id: str, display_name: str) -> None:
        """Give the calendar this display name; ``NotFound`` when there is no calendar."""
        ...

    async def fetch(self, calendar_id: str, state: SyncState | None) -> SyncResult:
        """Every object of the calendar, read incrementally from ``state`` when possible."""
        ...

    async def query(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> tuple[CalendarObject, ...]:
        """The events that overlap [start, end) (recurring ones as whole objects)."""
        ...

    async def get(self, calendar_id: str, uid: str) -> CalendarObject:
        """The object whose UID is ``uid``; ``NotFound`` if there is none."""
        ...

    async def put(
        self,
        calendar_id: str,
        uid: str,
        ical: str,
        etag: str | None,
        *,
        href: str | None = None,
    ) -> CalendarObject:
        """Create (``etag`` None; ``Conflict`` if it exists) or update only if unchanged
        since ``etag`` was read (``Conflict`` otherwise). ``href`` addresses an object that
        another client stored under a name of its own."""
        ...

    async def delete(
        self, calendar_id: str, uid: str, etag: str | None, *, href: str | None = None
    ) -> None:
        """Delete, only if unchanged since ``etag`` was read when it is given."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP connections."""
        ...
