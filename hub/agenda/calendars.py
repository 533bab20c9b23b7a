"""Where each town's calendar lives, and what this process remembers of it between requests.

Each town has one calendar, named by its slug, in the calendar home of the hub's CalDAV
account (``HUB_CALDAV_URL``, or the embedded Radicale). ``route`` points one town at another
server instead (a town with its own Nextcloud; tests use it for a dead or hanging server).

The memory is per process and per town: the last RFC 6578 sync-token with every object
(so a warm read is one small REPORT), each object read once per etag (iCalendar parsing
costs far more than the fetch), and the calendar's expansion over the last few windows asked
for, kept with the very set of objects it was made from: a sync that changes nothing keeps
that set, so a warm agenda over an unchanged calendar expands nothing again, and any change
(here or elsewhere, seen by the sync) makes a new set, against which the kept expansions no
longer count. It is a cache: losing it (restart, another worker) costs one full read, never a
wrong answer. Routing a town elsewhere forgets what was kept for it.

Concurrent reads of one calendar share one sync (``synced``): a server such as Radicale
answers one request at a time, so eight agendas over the same ten towns sent eighty REPORTs
one behind the other. A reader joins the sync in flight only if this process has not written
to that calendar since the sync began (so a write is always followed by a read that sees it);
otherwise it starts a new one. Another replica's write is seen by the next sync that starts
after it, as by any reader that came a moment earlier.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import icalendar

from connectors.calendar.port import CalendarObject, CalendarStore, SyncState
from hub.agenda.expansion import Expansion
from hub.agenda.ical import InvalidCalendarObject, parse_object
from hub.errors import BackendUnavailable
from hub.towns.provisioning import TownRef

NO_CALENDAR_SERVER = "No calendar server is configured (HUB_CALDAV_URL)."

Parsed = icalendar.Calendar | InvalidCalendarObject
Window = tuple[datetime, datetime]

WINDOWS_KEPT = 4
"""Expansions kept per calendar: the week, the month, the home page's days, the feed's span;
the oldest used gives way (a caller asking for ever new windows costs expansion, not memory)."""


@dataclass
class _Kept:
    store: CalendarStore
    state: SyncState | None = None
    parsed: dict[str, tuple[str, Parsed]] = field(default_factory=dict)
    # window → the objects it was expanded from (compared by identity) and the expansion
    windows: dict[Window, tuple[Mapping[str, CalendarObject], Expansion]] = field(
        default_factory=dict
    )
    # the sync in flight, and how many writes this process had made when it began
    syncing: asyncio.Task[SyncState] | None = None
    syncing_since: int = 0
    writes: int = 0
    # the newest sync begun, and the one whose state is kept (an older one never wins)
    begun: int = 0
    kept: int = 0


class TownCalendars:
    """The calendar store of each town, and the per-process sync memory."""

    def __init__(
        self, default: Callable[[], CalendarStore | None], *, timeout: float = 2.0
    ) -> None:
        self._default = default
        self.timeout = timeout
        """Seconds each call to a town's server may take (``HUB_BACKEND_TIMEOUT``)."""
        self._routes: dict[str, CalendarStore] = {}
        self._kept: dict[str, _Kept] = {}

    def route(self, slug: str, store: CalendarStore) -> None:
        """Keep ``slug``'s calendar on ``store`` (the caller closes it)."""
        self._routes[slug] = store
        self._kept.pop(slug, None)

    def store_for(self, slug: str) -> CalendarStore:
        store = self._routes.get(slug) or self._default()
        if store is None:
            raise BackendUnavailable(NO_CALENDAR_SERVER)
        return store

    @staticmethod
    def calendar_id(slug: str) -> str:
        return slug

    def _entry(self, slug: str, store: CalendarStore) -> _Kept:
        kept = self._kept.get(slug)
        if kept is None or kept.store is not store:
            kept = self._kept[slug] = _Kept(store)
        return kept

    def state(self, slug: str, store: CalendarStore) -> SyncState | None:
        return self._entry(slug, store).state

    def wrote(self, slug: str) -> None:
        """This process changed the calendar: a sync begun before does not show it."""
        kept = self._kept.get(slug)
        if kept is not None:
            kept.writes += 1

    async def synced(self, slug: str, store: CalendarStore) -> SyncState:
        """The calendar as its server has it now, within ``timeout``: one sync (one REPORT
        from the kept token) shared by every reader that comes while it runs."""
        kept = self._entry(slug, store)
        task = kept.syncing
        if task is None or kept.syncing_since != kept.writes:
            kept.begun += 1
            task = asyncio.create_task(self._sync(slug, store, kept, kept.begun))
            task.add_done_callback(_retrieved)
            kept.syncing, kept.syncing_since = task, kept.writes
        async with asyncio.timeout(self.timeout):
            # shielded: a reader that gives up does not cancel the others' sync
            return await asyncio.shield(task)

    async def _sync(self, slug: str, store: CalendarStore, kept: _Kept, number: int) -> SyncState:
        try:
            async with asyncio.timeout(self.timeout):
                result = await store.fetch(TownCalendars.calendar_id(slug), kept.state)
            if number > kept.kept:
                kept.kept = number
                self.remember(slug, store, result.state)
            return result.state
        finally:
            if kept.syncing is asyncio.current_task():
                kept.syncing = None

    def remember(self, slug: str, store: CalendarStore, state: SyncState) -> None:
        kept = self._entry(slug, store)
        kept.state = state
        for href in [h for h in kept.parsed if h not in state.objects]:
            del kept.parsed[href]

    def parsed(self, slug: str, store: CalendarStore, obj: CalendarObject) -> Parsed:
        """The object read as iCalendar, or why it cannot be (both kept per etag)."""
        kept = self._entry(slug, store)
        found = kept.parsed.get(obj.href)
        if found is not None and found[0] == obj.etag:
            return found[1]
        result: Parsed
        try:
            result = parse_object(obj.ical, obj.href)
        except InvalidCalendarObject as exc:
            result = exc
        kept.parsed[obj.href] = (obj.etag, result)
        return result

    def expansion(
        self, slug: str, store: CalendarStore, state: SyncState, window: Window
    ) -> Expansion | None:
        """The expansion kept for ``window`` if it was made from ``state``'s very objects."""
        kept = self._entry(slug, store)
        found = kept.windows.pop(window, None)
        if found is None or found[0] is not state.objects:
            return None
        kept.windows[window] = found  # the most recently used comes last
        return found[1]

    def keep_expansion(
        self, slug: str, store: CalendarStore, state: SyncState, window: Window, made: Expansion
    ) -> None:
        """Keep what ``state``'s objects give over ``window`` (expanding is a pure function
        of the objects and the window: the same objects give the same occurrences)."""
        kept = self._entry(slug, store)
        kept.windows.pop(window, None)
        kept.windows[window] = (state.objects, made)
        while len(kept.windows) > WINDOWS_KEPT:
            del kept.windows[next(iter(kept.windows))]


def _retrieved(task: asyncio.Task[SyncState]) -> None:
    """A sync whose readers all gave up: its failure is theirs, already reported."""
    if not task.cancelled():
        task.exception()


class CalendarStep:
    """Provisioning: the town's calendar on its server (``ensure_calendar`` is idempotent)."""

    name = "calendar"

    def __init__(self, calendars: TownCalendars) -> None:
        self._calendars = calendars

    async def run(self, town: TownRef) -> None:
        store = self._calendars.store_for(town.slug)
        await store.ensure_calendar(TownCalendars.calendar_id(town.slug), town.name)
