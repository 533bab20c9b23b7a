"""What RFC 6578 and RFC 4791 let a server answer, whichever server it is: objects listed
with their etag but not their data, data only below a number of changes, sync-collection
refused. Each case is a real Radicale behind a small rewriting proxy that answers as such a
server does (Xandikos, in the contract suite, leaves the data out of every sync answer)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from lxml import etree

from connectors.calendar.caldav_store import CalDAVStore
from connectors.errors import Conflict, NotFound
from connectors.http import basic_authorization
from hub.agenda.ical_write import build_event
from hub.embedded.process import EmbeddedServer
from tests.servers.radicale import radicale_home
from tests.support.local_server import serving

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
DAV = "{DAV:}"
DATA = "{urn:ietf:params:xml:ns:caldav}calendar-data"

Rewrite = Callable[[str, bytes, int, bytes], tuple[int, bytes]]


def event(uid: str) -> str:
    return build_event(uid, f"Réunion {uid}", START, END, False, "", "", [], "x", stamp=START)


@dataclass
class Proxy:
    url: str
    seen: list[str] = field(default_factory=list)
    rewrite: Rewrite | None = None


@pytest.fixture
async def proxy(radicale: EmbeddedServer) -> AsyncIterator[Proxy]:
    """A proxy to Radicale whose answers ``proxy.rewrite`` may change; it records each
    request as ``METHOD kind`` (kind: the REPORT's root element)."""
    target = radicale.url.rstrip("/")
    made = Proxy("")

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        kind = etree.fromstring(body).tag.split("}")[-1] if body.startswith(b"<?xml") else ""
        made.seen.append(f"{request.method} {kind}".strip())
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "accept-encoding")
        }
        async with (
            aiohttp.ClientSession() as http,
            http.request(
                request.method, target + request.path_qs, headers=headers, data=body
            ) as answer,
        ):
            status, out = answer.status, await answer.read()
            kept = {
                k: v
                for k, v in answer.headers.items()
                if k.lower()
                not in ("content-length", "content-encoding", "transfer-encoding", "connection")
            }
        if made.rewrite is not None:
            status, out = made.rewrite(kind, body, status, out)
        return web.Response(status=status, body=out, headers=kept)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    async with serving(app) as port:
        made.url = f"http://127.0.0.1:{port}/{radicale.username}/"
        yield made


def without_data(body: bytes) -> bytes:
    """The answer with every calendar-data moved to a 404 propstat, as Xandikos sends it."""
    root = etree.fromstring(body)
    for data in root.iter(DATA):
        data.getparent().remove(data)  # type: ignore[union-attr]
    return etree.tostring(root)


@pytest.fixture
async def store(proxy: Proxy, radicale: EmbeddedServer) -> AsyncIterator[CalDAVStore]:
    made = CalDAVStore(proxy.url, radicale.username, radicale.password)
    await made.ensure_calendar("sync", "Sync")
    try:
        yield made
    finally:
        await made.aclose()
        async with (
            aiohttp.ClientSession() as http,
            http.delete(
                f"{radicale_home(radicale)}sync/",
                headers={
                    "Authorization": basic_authorization(radicale.username, radicale.password)
                },
            ),
        ):
            pass


async def test_objects_sent_without_data_are_fetched_with_multiget(
    store: CalDAVStore, proxy: Proxy
) -> None:
    # given two events, and a server whose sync answers carry etags only
    a = await store.put("sync", "a", event("a"), None)
    b = await store.put("sync", "b", event("b"), None)
    proxy.rewrite = lambda kind, _in, status, out: (
        (status, without_data(out)) if kind == "sync-collection" else (status, out)
    )
    proxy.seen.clear()
    # when the calendar is read
    result = await store.fetch("sync", None)
    # then both events come back with their data, fetched in one calendar-multiget
    assert {o.href: o.etag for o in result.objects} == {a.href: a.etag, b.href: b.etag}
    assert all("BEGIN:VEVENT" in o.ical for o in result.objects)
    assert proxy.seen == ["REPORT sync-collection", "REPORT calendar-multiget"]
    assert result.state.unreadable == frozenset()


async def test_data_only_below_a_number_of_changes_works_both_ways(
    store: CalDAVStore, proxy: Proxy
) -> None:
    # given a server that sends the data of one change, and etags alone above that
    def data_below_two(kind: str, _in: bytes, status: int, out: bytes) -> tuple[int, bytes]:
        if kind == "sync-collection" and out.count(b"calendar-data>") > 2:
            return status, without_data(out)
        return status, out

    proxy.rewrite = data_below_two
    first = await store.put("sync", "a", event("a"), None)
    known = await store.fetch("sync", None)  # one object: data sent
    # when three more are added and the calendar read from where it was
    added = [await store.put("sync", uid, event(uid), None) for uid in ("b", "c", "d")]
    proxy.seen.clear()
    later = await store.fetch("sync", known.state)
    # then the three come back with their data, and the known one is kept as it was
    assert sorted(o.href for o in later.changed) == sorted(o.href for o in added)
    assert all("BEGIN:VEVENT" in o.ical for o in later.objects)
    assert later.state.objects[first.href] == known.state.objects[first.href]
    assert proxy.seen == ["REPORT sync-collection", "REPORT calendar-multiget"]


async def test_an_object_the_server_never_gives_is_reported_not_dropped(
    store: CalDAVStore, proxy: Proxy
) -> None:
    # given an event, and a server that lists it but never gives its data
    a = await store.put("sync", "a", event("a"), None)
    proxy.rewrite = lambda kind, _in, status, out: (
        (status, without_data(out))
        if kind in ("sync-collection", "calendar-multiget")
        else (status, out)
    )
    # when the calendar is read, then the object is named as unreadable, not silently absent
    result = await store.fetch("sync", None)
    assert result.state.unreadable == frozenset({a.href})
    # and it stays reported on the next (incremental) read
    again = await store.fetch("sync", result.state)
    assert again.state.unreadable == frozenset({a.href})


async def test_a_refused_sync_collection_is_remembered(store: CalDAVStore, proxy: Proxy) -> None:
    # given a server that refuses sync-collection as RFC 3253 says (403, supported-report)
    await store.put("sync", "a", event("a"), None)
    refusal = b'<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:supported-report/></d:error>'
    proxy.rewrite = lambda kind, _in, status, out: (
        (403, refusal) if kind == "sync-collection" else (status, out)
    )
    proxy.seen.clear()
    # when the calendar is read twice
    first = await store.fetch("sync", None)
    second = await store.fetch("sync", first.state)
    # then the event comes back both times, and sync-collection was asked only once
    assert len(first.objects) == len(second.objects) == 1
    assert proxy.seen == [
        "REPORT sync-collection",
        "REPORT calendar-query",
        "REPORT calendar-query",
    ]


async def test_writing_into_a_missing_calendar_is_not_a_stale_etag(
    radicale: EmbeddedServer,
) -> None:
    # given a calendar that does not exist
    store = CalDAVStore(radicale_home(radicale), radicale.username, radicale.password)
    try:
        # when an event is created in it, then it is missing, never "changed since read"
        with pytest.raises(NotFound):
            await store.put("never-made", "a", event("a"), None)
    except Conflict as wrong:  # pragma: no cover - the failure this test guards against
        pytest.fail(f"a missing calendar answered as a conflict: {wrong}")
    finally:
        await store.aclose()
