"""Merged agenda over 10 towns x 300 events on a real Radicale: cold, warm, and concurrency.

cold      a fresh TownCalendars (no sync-token, nothing parsed): full sync-collection of every
          town, concurrently, then a month's events expanded
warm      the same again with nothing changed: one small REPORT per town
slowest   the longest single town's fetch (``store.fetch``) measured inside the same cold run:
          merged / slowest near 1 means the towns were fetched side by side, not in turn
          (in turn, it would be near 10)

The events are spread over a year (September 2026 to August 2027); the window is November 2026.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.calendar.caldav_store import CalDAVStore
from connectors.calendar.port import CalendarObject, SyncResult, SyncState
from hub.agenda.calendars import TownCalendars
from hub.agenda.ical_write import build_event
from hub.agenda.reading import TownSlug, read_towns
from hub.embedded.radicale import start_radicale

TOWNS = 10
EVENTS = 300
RUNS = 9
PARIS = ZoneInfo("Europe/Paris")
WINDOW = (datetime(2026, 11, 1, tzinfo=PARIS), datetime(2026, 12, 1, tzinfo=PARIS))


class TimedStore(CalDAVStore):
    """The real store, noting how long each fetch took."""

    fetches: list[float]

    async def fetch(self, calendar_id: str, state: SyncState | None) -> SyncResult:
        began = time.perf_counter()
        try:
            return await super().fetch(calendar_id, state)
        finally:
            self.fetches.append(time.perf_counter() - began)


async def _fill(store: CalDAVStore, slug: str) -> None:
    await store.ensure_calendar(slug, slug.title())
    first = datetime(2026, 9, 1, 8, tzinfo=PARIS)
    gate = asyncio.Semaphore(4)

    async def put(n: int) -> CalendarObject:
        start = first + timedelta(days=n * 365 // EVENTS, hours=n % 9)
        ical = build_event(
            f"{slug}-{n}",
            f"Réunion {n}",
            start,
            start + timedelta(hours=1),
            False,
            "Mairie",
            "Ordre du jour",
            [f"agent-{n % 7}"],
            slug,
        )
        async with gate:
            return await store.put(slug, f"{slug}-{n}", ical, None)

    await asyncio.gather(*(put(n) for n in range(EVENTS)))


async def _merged(calendars: TownCalendars, towns: list[TownSlug]) -> tuple[float, int]:
    began = time.perf_counter()
    reads = await read_towns(calendars, towns, *WINDOW)
    took = time.perf_counter() - began
    assert all(not read.problems for read in reads.values())
    return took, sum(len(read.occurrences) for read in reads.values())


async def _run(home: str, username: str, password: str) -> list[tuple[str, str]]:
    store = TimedStore(home, username, password, timeout=60)
    store.fetches = []
    towns = [TownSlug(f"id-{i}", f"ville-{i:02d}") for i in range(TOWNS)]
    try:
        began = time.perf_counter()
        for town in towns:
            await _fill(store, town.slug)
        print(f"filled {TOWNS} x {EVENTS} events in {time.perf_counter() - began:.1f} s")
        cold, slowest, warm, alone = [], [], [], []
        shown = 0
        for _ in range(RUNS):
            calendars = TownCalendars(lambda: store, timeout=30)
            store.fetches.clear()
            took, shown = await _merged(calendars, towns)
            cold.append(took)
            slowest.append(max(store.fetches))
            warm.append((await _merged(calendars, towns))[0])
            single = TownCalendars(lambda: store, timeout=30)
            alone.append((await _merged(single, towns[:1]))[0])
    finally:
        await store.aclose()
    p50 = statistics.median
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    return [
        ("towns x events (in the window)", f"{TOWNS} x {EVENTS} ({shown} shown)"),
        ("cold merged agenda, p50", ms(p50(cold))),
        ("slowest town's fetch in the same cold run, p50", ms(p50(slowest))),
        ("cold / slowest fetch (≤ 1.5)", f"{p50(cold) / p50(slowest):.2f}"),
        ("one town alone, cold, p50", ms(p50(alone))),
        ("warm merged agenda (nothing changed), p50", ms(p50(warm))),
        ("warm / cold (≤ 0.5)", f"{p50(warm) / p50(cold):.2f}"),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_radicale(Path(tmp), failed_login_delay=0.05)
        try:
            home = f"{server.url}{server.username}/"
            rows = asyncio.run(_run(home, server.username, server.password))
        finally:
            server.stop()
    print(f"\n| merged agenda, real Radicale, {RUNS} runs | figure |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
