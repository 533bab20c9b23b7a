"""The CalendarStore contract, run against every real CalDAV server (``dav``: Radicale,
Xandikos)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from connectors.calendar.caldav_store import CalDAVStore
from connectors.calendar.port import SyncState
from connectors.errors import Conflict, Forbidden, NotFound, RequestError, Unavailable
from hub.agenda.ical import EventPerson, parse_events
from hub.agenda.ical_write import build_event
from hub.embedded.process import EmbeddedServer
from tests.contract.calendar.conftest import DavServer
from tests.servers.radicale import TestCalDAVStore, radicale_home

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def event(uid: str, title: str = "Conseil municipal", people: list[str] | None = None) -> str:
    return build_event(
        uid, title, START, END, False, "Mairie", "", people or [], "saint-andre", stamp=START
    )


@pytest.fixture
async def calendar(caldav_store: TestCalDAVStore) -> str:
    await caldav_store.ensure_calendar(caldav_store.calendar_id, "Salle des fêtes")
    return caldav_store.calendar_id


# -- calendars ------------------------------------------------------------------------------


async def test_ensure_calendar_is_idempotent(caldav_store: TestCalDAVStore, dav: DavServer) -> None:
    # Given a fresh account without this calendar
    cal = caldav_store.calendar_id
    # When it is ensured twice
    first = await caldav_store.ensure_calendar(cal, "Salle des fêtes")
    second = await caldav_store.ensure_calendar(cal, "Salle des fêtes")
    # Then both calls name the same calendar, which a plain CalDAV client sees with its name
    assert first == second == f"{dav.home}{cal}/"
    names = await asyncio.to_thread(_plain_calendar_names, dav)
    assert names[cal] == "Salle des fêtes"


def _plain_calendar_names(dav: DavServer) -> dict[str, str]:
    with dav.plain_client() as client:
        principal = client.principal()  # type: ignore[no-untyped-call]
        return {
            str(c.url).rstrip("/").rsplit("/", 1)[-1]: c.get_display_name()
            for c in principal.calendars()
        }


# -- writing --------------------------------------------------------------------------------


async def test_put_get_and_update_with_etag(caldav_store: CalDAVStore, calendar: str) -> None:
    # Given an event created without etag
    created = await caldav_store.put(calendar, "ev-1", event("ev-1"), None)
    # When it is read back, then updated with the etag just read
    read = await caldav_store.get(calendar, "ev-1")
    updated = await caldav_store.put(calendar, "ev-1", event("ev-1", "Fête de l'été"), read.etag)
    # Then the read matches the creation, and the update changed the etag and the text
    assert read.etag == created.etag and read.href == created.href
    assert "Conseil municipal" in read.ical
    assert updated.etag != created.etag
    again = await caldav_store.get(calendar, "ev-1")
    assert again.etag == updated.etag
    assert parse_events(again.ical)[0].title == "Fête de l'été"


async def test_create_over_an_existing_event_is_a_conflict(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given an event
    created = await caldav_store.put(calendar, "ev-1", event("ev-1"), None)
    # When it is created again (If-None-Match: *)
    with pytest.raises(Conflict):
        await caldav_store.put(calendar, "ev-1", event("ev-1", "Autre"), None)
    # Then nothing changed
    assert (await caldav_store.get(calendar, "ev-1")).etag == created.etag


async def test_update_with_stale_etag_is_a_conflict_and_changes_nothing(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given an event updated once since its first etag was read
    stale = await caldav_store.put(calendar, "ev-1", event("ev-1"), None)
    current = await caldav_store.put(calendar, "ev-1", event("ev-1", "Version 2"), stale.etag)
    # When someone updates it with the stale etag
    with pytest.raises(Conflict):
        await caldav_store.put(calendar, "ev-1", event("ev-1", "Version perdue"), stale.etag)
    # Then the stored event is still the second version
    stored = await caldav_store.get(calendar, "ev-1")
    assert stored.etag == current.etag
    assert parse_events(stored.ical)[0].title == "Version 2"


async def test_delete_with_stale_etag_is_a_conflict(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given an event changed since its first etag was read
    stale = await caldav_store.put(calendar, "ev-1", event("ev-1"), None)
    await caldav_store.put(calendar, "ev-1", event("ev-1", "Version 2"), stale.etag)
    # When it is deleted with the stale etag
    with pytest.raises(Conflict):
        await caldav_store.delete(calendar, "ev-1", stale.etag)
    # Then it is still there
    assert parse_events((await caldav_store.get(calendar, "ev-1")).ical)[0].title == "Version 2"


async def test_delete_with_current_etag_removes_the_event(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given an event
    created = await caldav_store.put(calendar, "ev-1", event("ev-1"), None)
    # When it is deleted with its etag
    await caldav_store.delete(calendar, "ev-1", created.etag)
    # Then it is gone
    with pytest.raises(NotFound):
        await caldav_store.get(calendar, "ev-1")


async def test_delete_missing_is_not_found(caldav_store: CalDAVStore, calendar: str) -> None:
    # Given a calendar without that event, when it is deleted, then NotFound
    with pytest.raises(NotFound):
        await caldav_store.delete(calendar, "nobody", None)


async def test_uid_with_slash_and_spaces_round_trips(
    caldav_store: TestCalDAVStore, calendar: str
) -> None:
    # Given a UID that is not a safe file name
    uid = "réunion/2026 03 02@mairie"
    # When it is stored and read back by UID
    created = await caldav_store.put(calendar, uid, event(uid), None)
    read = await caldav_store.get(calendar, uid)
    # Then it is one object, under a name of one path segment
    assert read.href == created.href
    depth = caldav_store.home_path.count("/") + 1
    assert read.href.count("/") == created.href.count("/") == depth
    assert parse_events(read.ical)[0].uid == uid


@pytest.mark.parametrize(
    "href",
    ["/entente/other/x.ics", "{cal}..", "{cal}%2E%2E", "{cal}a%2Fb.ics", "{cal}", "{cal}sub/x.ics"],
)
async def test_href_outside_the_calendar_is_refused(
    caldav_store: TestCalDAVStore, calendar: str, href: str
) -> None:
    # Given an href that is not one object of this calendar
    target = href.format(cal=f"{caldav_store.home_path}{calendar}/")
    # When it is used to delete, then the store refuses before asking the server
    with pytest.raises(RequestError, match="is not in calendar"):
        await caldav_store.delete(calendar, "x", None, href=target)


# -- syncing --------------------------------------------------------------------------------


@pytest.fixture
async def counted_store(
    dav: DavServer, caldav_store: TestCalDAVStore
) -> AsyncIterator[tuple[CalDAVStore, list[str]]]:
    """A store on an injected session whose requests are recorded as ``METHOD path``."""
    seen: list[str] = []

    async def on_start(
        _session: aiohttp.ClientSession,
        _ctx: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        seen.append(f"{params.method} {params.url.path}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield (
            CalDAVStore(dav.home, dav.server.username, dav.server.password, session=session),
            seen,
        )


async def test_incremental_fetch_returns_only_changes(
    counted_store: tuple[CalDAVStore, list[str]],
    caldav_store: TestCalDAVStore,
    dav: DavServer,
) -> None:
    store, requests = counted_store
    cal = caldav_store.calendar_id
    await store.ensure_calendar(cal, "Gymnase")
    # Given a first fetch of a calendar holding one event
    a = await store.put(cal, "a", event("a"), None)
    first = await store.fetch(cal, None)
    assert first.full and set(first.state.objects) == {a.href}
    # When another event is added and the calendar fetched from the stored state
    b = await store.put(cal, "b", event("b", "Répétition de la chorale"), None)
    second = await store.fetch(cal, first.state)
    # Then only the new event comes back, and the state holds both
    assert not second.full
    assert [o.href for o in second.changed] == [b.href] and second.deleted == ()
    assert set(second.state.objects) == {a.href, b.href}
    assert second.state.objects[b.href].etag == b.etag
    # When nothing changed: one small REPORT, no object in it
    requests.clear()
    warm = await store.fetch(cal, second.state)
    assert requests == [f"REPORT {dav.home_path}{cal}/"]
    assert warm.changed == () and warm.deleted == () and not warm.full
    assert warm.state.objects is second.state.objects
    assert warm.state.token == second.state.token


async def test_deletion_is_seen_by_sync(caldav_store: CalDAVStore, calendar: str) -> None:
    # Given two events, fetched
    a = await caldav_store.put(calendar, "a", event("a"), None)
    b = await caldav_store.put(calendar, "b", event("b"), None)
    before = await caldav_store.fetch(calendar, None)
    # When one is deleted and the calendar fetched again
    await caldav_store.delete(calendar, "a", a.etag)
    after = await caldav_store.fetch(calendar, before.state)
    # Then the deletion is reported and the state holds only the other one
    assert not after.full
    assert after.deleted == (a.href,) and after.changed == ()
    assert list(after.state.objects) == [b.href]


async def test_refused_sync_token_falls_back_to_full_fetch(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given a state whose token the server does not know, and which misses one change
    a = await caldav_store.put(calendar, "a", event("a"), None)
    known = await caldav_store.fetch(calendar, None)
    b = await caldav_store.put(calendar, "b", event("b"), None)
    garbage = SyncState("http://radicale.org/ns/sync/" + "0" * 64, known.state.objects)
    # When the calendar is fetched from it
    result = await caldav_store.fetch(calendar, garbage)
    # Then the whole calendar is read again, with a fresh token that then works
    assert result.full
    assert set(result.state.objects) == {a.href, b.href}
    assert [o.href for o in result.changed] == [b.href]
    assert result.state.token not in (None, garbage.token)
    assert (await caldav_store.fetch(calendar, result.state)).full is False


async def test_malformed_sync_token_falls_back_to_full_fetch(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given a token that is not even Radicale's shape
    a = await caldav_store.put(calendar, "a", event("a"), None)
    # When the calendar is fetched from it, then it is read in full
    result = await caldav_store.fetch(calendar, SyncState("<garbage & co>"))
    assert result.full and list(result.state.objects) == [a.href]


async def test_fetch_of_a_missing_calendar_is_not_found(caldav_store: TestCalDAVStore) -> None:
    # Given a calendar id never created, when it is fetched, then NotFound
    with pytest.raises(NotFound):
        await caldav_store.fetch(caldav_store.calendar_id, None)


async def test_query_returns_events_overlapping_the_window(
    caldav_store: CalDAVStore, calendar: str
) -> None:
    # Given an event on 2 March 2026
    created = await caldav_store.put(calendar, "a", event("a"), None)
    # When windows around and away from it are queried
    inside = await caldav_store.query(
        calendar, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
    )
    outside = await caldav_store.query(
        calendar, datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    )
    # Then only the overlapping window finds it
    assert [o.href for o in inside] == [created.href] and outside == ()


async def test_many_calendars_fetch_concurrently(caldav_store: TestCalDAVStore) -> None:
    # Given eight calendars with one event each
    ids = [f"{caldav_store.calendar_id}-{n}" for n in range(8)]
    await asyncio.gather(*(caldav_store.ensure_calendar(i, i) for i in ids))
    await asyncio.gather(*(caldav_store.put(i, f"ev-{i}", event(f"ev-{i}"), None) for i in ids))
    # When they are all fetched at once on the one store
    results = await asyncio.gather(*(caldav_store.fetch(i, None) for i in ids))
    # Then each holds its own event
    for cal, result in zip(ids, results, strict=True):
        assert [parse_events(o.ical)[0].uid for o in result.objects] == [f"ev-{cal}"]


# -- interoperability -----------------------------------------------------------------------


async def test_plain_caldav_client_sees_what_the_store_wrote(
    caldav_store: CalDAVStore, calendar: str, dav: DavServer
) -> None:
    # Given an event written by the store, with two people and accents
    ical = build_event(
        "ev-interop",
        "Répétition générale",
        START,
        END,
        False,
        "Salle Émile-Zola",
        "",
        [EventPerson("p-1", "Zoé Lefèvre", "zoe@example.fr"), "p-2"],
        "saint-andre",
        stamp=START,
    )
    await caldav_store.put(calendar, "ev-interop", ical, None)
    # When an independent client (caldav's sync DAVClient) reads the calendar
    seen = await asyncio.to_thread(_plain_read, dav, calendar, "ev-interop")
    # Then it finds the event with its title and attendees, and the people read back
    (read,) = parse_events(seen)
    assert read.title == "Répétition générale" and read.location == "Salle Émile-Zola"
    assert read.people == ("p-1", "p-2")
    assert [a.email for a in read.attendees] == ["zoe@example.fr", None]


def _plain_read(dav: DavServer, calendar: str, uid: str) -> str:
    with dav.plain_client() as client:
        calendar_url = f"{dav.home}{calendar}/"
        found = client.calendar(url=calendar_url).event_by_uid(uid)  # type: ignore[no-untyped-call]
        return str(found.data)


async def test_event_written_by_another_client_is_found_by_uid(
    caldav_store: CalDAVStore, calendar: str, dav: DavServer
) -> None:
    # Given an event that a plain client stored under a file name of its own
    await asyncio.to_thread(_plain_write, dav, calendar, event("foreign-uid"))
    # When the store reads it by UID, then updates it through the href it got
    found = await caldav_store.get(calendar, "foreign-uid")
    updated = await caldav_store.put(
        calendar, "foreign-uid", event("foreign-uid", "Modifié"), found.etag, href=found.href
    )
    # Then it is that one object, updated in place
    assert not found.href.endswith("/foreign-uid.ics")
    assert updated.href == found.href
    result = await caldav_store.fetch(calendar, None)
    assert [parse_events(o.ical)[0].title for o in result.objects] == ["Modifié"]


def _plain_write(dav: DavServer, calendar: str, ical: str) -> None:
    with dav.plain_client() as client:
        reply = client.put(
            f"{dav.home}{calendar}/chosen-by-the-other-client.ics",
            ical,
            {"Content-Type": "text/calendar; charset=utf-8"},
        )
        assert reply.status == 201


# -- failures -------------------------------------------------------------------------------


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A loopback server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/entente/"
    finally:
        server.close()
        for writer in held:
            writer.close()
        await server.wait_closed()


async def test_hanging_server_is_unavailable_within_the_timeout(silent_server: str) -> None:
    # Given a store with a short timeout on a server that never answers
    store = CalDAVStore(silent_server, "entente", "secret", timeout=0.3)
    try:
        # When a calendar is fetched
        began = time.monotonic()
        with pytest.raises(Unavailable):
            await store.fetch("agenda", None)
        # Then it gives up after about the timeout
        assert 0.25 <= time.monotonic() - began < 2.0
    finally:
        await store.aclose()


async def test_refused_connection_is_unavailable(radicale: EmbeddedServer) -> None:
    # Given a store on a port where nothing listens
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    store = CalDAVStore(f"http://127.0.0.1:{port}/entente/", "entente", "x", timeout=2)
    try:
        # When anything is asked, then Unavailable
        with pytest.raises(Unavailable):
            await store.get("agenda", "a")
    finally:
        await store.aclose()


async def test_wrong_password_is_forbidden(radicale: EmbeddedServer) -> None:
    # Given a store with a wrong password
    store = CalDAVStore(radicale_home(radicale), radicale.username, "not-the-password")
    try:
        # When it reaches for a calendar, then Forbidden (Radicale answers 401 after its delay)
        with pytest.raises(Forbidden, match="401"):
            await store.ensure_calendar("agenda", "Agenda")
    finally:
        await store.aclose()
