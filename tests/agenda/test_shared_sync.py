"""What this process keeps of a calendar between reads, on a real Radicale: concurrent reads
share one sync (one REPORT), and a read that comes after this process wrote to the calendar
never joins a sync begun before; the expansion of an unchanged calendar over a window is not
made again, and any change the sync brings is."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from connectors.calendar.caldav_store import CalDAVStore
from connectors.calendar.port import SyncResult, SyncState
from hub.agenda import reading
from hub.agenda.calendars import TownCalendars
from hub.agenda.ical_write import build_event
from hub.agenda.reading import PARIS, TownSlug, read_town
from hub.embedded.process import EmbeddedServer
from tests.agenda.fixtures import delete_calendars
from tests.servers.radicale import radicale_home

START = datetime(2026, 11, 16, tzinfo=PARIS)
END = START + timedelta(days=7)


class CountingStore(CalDAVStore):
    """The real store, counting its syncs; ``gate`` (when set) holds each sync until opened."""

    fetches = 0
    gate: asyncio.Event | None = None

    async def fetch(self, calendar_id: str, state: SyncState | None) -> SyncResult:
        self.fetches += 1
        if self.gate is not None:
            await self.gate.wait()
        return await super().fetch(calendar_id, state)


@pytest.fixture
async def store(radicale: EmbeddedServer) -> AsyncIterator[CountingStore]:
    store = CountingStore(radicale_home(radicale), radicale.username, radicale.password, timeout=10)
    slug = f"shared-{uuid.uuid4().hex[:8]}"
    await store.ensure_calendar(slug, "Commune")
    store.calendar = slug  # type: ignore[attr-defined]
    try:
        yield store
    finally:
        await store.aclose()
        await delete_calendars(radicale, [slug])


async def put(
    store: CountingStore, n: int, title: str | None = None, etag: str | None = None
) -> str:
    """Event ``ev-{n}`` on day ``n`` of the week at 9 h, created (or replaced at ``etag``)
    behind the back of any ``TownCalendars``, as another client would; its new etag."""
    start = START + timedelta(days=n, hours=9)
    ical = build_event(
        f"ev-{n}",
        title or f"Réunion {n}",
        start,
        start + timedelta(hours=1),
        False,
        "",
        "",
        [],
        "x",
    )
    return (await store.put(store.calendar, f"ev-{n}", ical, etag)).etag  # type: ignore[attr-defined]


def titles(read: reading.TownRead) -> list[str]:
    return sorted(occurrence.title for occurrence in read.occurrences)


@pytest.fixture
def expansions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hrefs of the objects expanded from now on."""
    done: list[str] = []
    expand = reading.expand_parsed

    def counted(*args: Any, **kwargs: Any) -> Any:
        done.append(args[1].href)
        return expand(*args, **kwargs)

    monkeypatch.setattr(reading, "expand_parsed", counted)
    return done


async def test_eight_concurrent_reads_send_one_report(store: CountingStore) -> None:
    # given a town's calendar with an event, read once (so later reads are warm syncs)
    await put(store, 0)
    calendars = TownCalendars(lambda: store, timeout=10)
    town = TownSlug("town-id", store.calendar)  # type: ignore[attr-defined]
    await read_town(calendars, town, START, END)
    store.fetches = 0
    # when eight agendas read it at the same time
    reads = await asyncio.gather(*(read_town(calendars, town, START, END) for _ in range(8)))
    # then the server was asked once, and each got the event
    assert store.fetches == 1
    assert [len(read.occurrences) for read in reads] == [1] * 8


async def test_a_read_after_a_write_does_not_join_an_older_sync(store: CountingStore) -> None:
    # given a sync in flight, held before it reaches the server
    calendars = TownCalendars(lambda: store, timeout=10)
    town = TownSlug("town-id", store.calendar)  # type: ignore[attr-defined]
    store.gate = asyncio.Event()
    early = asyncio.create_task(read_town(calendars, town, START, END))
    await asyncio.sleep(0.05)
    # when the hub writes an event, then reads again
    await put(store, 1)
    calendars.wrote(store.calendar)  # type: ignore[attr-defined]
    late = asyncio.create_task(read_town(calendars, town, START, END))
    await asyncio.sleep(0.05)
    store.gate.set()
    # then the later read started its own sync and shows the event
    assert len((await late).occurrences) == 1
    await early
    assert store.fetches == 2
    # and the next read keeps it: the older sync's answer did not replace the newer one's
    store.gate = None
    assert len((await read_town(calendars, town, START, END)).occurrences) == 1


async def test_an_unchanged_calendar_is_not_expanded_again(
    store: CountingStore, expansions: list[str]
) -> None:
    # given a town's calendar with two events, read once over the week
    await put(store, 0)
    await put(store, 1)
    calendars = TownCalendars(lambda: store, timeout=10)
    town = TownSlug("town-id", store.calendar)  # type: ignore[attr-defined]
    week = await read_town(calendars, town, START, END)
    assert len(expansions) == 2
    expansions.clear()
    store.fetches = 0
    # when it is read again over the week, nothing having changed
    again = await read_town(calendars, town, START, END)
    # then the server was asked (one sync), and the same occurrences came without expanding
    assert store.fetches == 1
    assert again.occurrences == week.occurrences and titles(again) == ["Réunion 0", "Réunion 1"]
    assert expansions == []
    # and another window is expanded for itself: the second day only has the second event
    day = await read_town(calendars, town, START + timedelta(days=1), START + timedelta(days=2))
    assert titles(day) == ["Réunion 1"]
    assert expansions != []


async def test_a_change_made_elsewhere_is_expanded_on_the_next_read(
    store: CountingStore, expansions: list[str]
) -> None:
    # given a town's calendar with two events, read over the week (its expansion kept)
    etag = await put(store, 0)
    await put(store, 1)
    calendars = TownCalendars(lambda: store, timeout=10)
    town = TownSlug("town-id", store.calendar)  # type: ignore[attr-defined]
    assert titles(await read_town(calendars, town, START, END)) == ["Réunion 0", "Réunion 1"]
    # when another client renames the first, deletes the second and adds a third
    await put(store, 0, "Réunion 0 (reportée)", etag)
    await store.delete(store.calendar, "ev-1", None)  # type: ignore[attr-defined]
    await put(store, 2)
    # then the next read over the same window shows the calendar as the server has it
    read = await read_town(calendars, town, START, END)
    assert titles(read) == ["Réunion 0 (reportée)", "Réunion 2"]
    # and once more, unchanged, the same without expanding again
    expansions.clear()
    assert titles(await read_town(calendars, town, START, END)) == titles(read)
    assert expansions == []
