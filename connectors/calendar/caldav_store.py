"""CalDAV calendars (Radicale, Nextcloud, any RFC 4791 + RFC 6578 server), over aiohttp.

Not caldav's ``AsyncDAVClient`` (checked in caldav 3.6.0's source): a second HTTP stack
(niquests), unsafe to share between concurrent calls (it may recreate its session on a 401),
a second probe after a connection error (two timeouts), sleeps on 429/503 inside calls, and
a ``sync_collection()`` that drops deletions. The ``caldav`` package stays the independent
client the contract tests check this store's writes with.

Requests go through the shared transport (``connectors.http``): Basic credentials sent
preemptively (no 401 round trip), redirects followed once for everyone, answers read under a
size cap, the backend's circuit breaker asked first. A 401 or 403 becomes ``Forbidden`` (the
hub's own account is refused: an administrator must act). Radicale delays each 401 and 403 on
purpose (0.5-1.5 s by default), so that error, and a refused sync-token (403), are slow to
come.

Reading works from what RFC 6578 and RFC 4791 allow, not from one server's habits: a sync
answer may carry each changed object's data, or only its etag (Xandikos always; others above
a number of changes), so whatever came without data is fetched with ``calendar-multiget``; an
object the server lists but will not give is reported (``SyncState.unreadable``), never
dropped. A calendar on which the server refuses sync-collection (RFC 3253: 403 with
``supported-report``) is remembered, and read with calendar-query from then on.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from types import MappingProxyType
from urllib.parse import urlsplit

import aiohttp

from connectors.breaker import Breaker
from connectors.calendar._dav import (
    BACKEND,
    COLLECTION_BODY,
    ICAL_TYPE,
    XML_TYPE,
    DavCollection,
    Multistatus,
    all_events_body,
    canonical_href,
    collection_at,
    displayname_body,
    has_uid,
    lacks_sync_report,
    mkcalendar_body,
    multiget_body,
    object_name,
    parse_multistatus,
    patched,
    refuse,
    refuses_sync_token,
    sync_body,
    time_range_body,
    uid_body,
)
from connectors.calendar.port import CalendarObject, SyncResult, SyncState
from connectors.errors import Conflict, NotFound, RequestError, Unavailable
from connectors.http import Reply, Transport

_CALENDAR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

# RFC 6578 lets a server truncate a reply (507 on the collection) and expect another REPORT;
# the bound stops a server that truncates forever.
_MAX_SYNC_ROUNDS = 50
# hrefs per calendar-multiget: one request for a usual calendar, bounded answers for big ones
_MULTIGET_BATCH = 200


class _TokenRefused(Exception):
    """The server no longer knows the sync-token: read the whole calendar again."""


class _SyncUnsupported(Exception):
    """The server offers no sync-collection on this calendar: query it instead."""


class CalDAVStore:
    """One CalDAV account: the calendars under its calendar home.

    ``home_url`` is the collection holding the account's calendars: ``{base}/{user}/`` on
    Radicale, ``{base}/remote.php/dav/calendars/{user}/`` on Nextcloud. ``timeout`` bounds each
    HTTP request (connect, send, read the whole answer). ``session`` may be injected (tests,
    a shared pool); the store closes only a session it created.

    ``max_connections`` caps the store's simultaneous connections to the server. Radicale's
    built-in server answers HTTP/1.0 (a new connection per request) and listens with a backlog
    of 5: a burst of more new connections than that gets SYNs dropped, which the kernel
    retries one second later (measured: 16 requests 8 at a time took 1 s, 4 at a time 25 ms).
    """

    def __init__(
        self,
        home_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        max_connections: int = 4,
        max_response_bytes: int = 64 * 1024 * 1024,
        session: aiohttp.ClientSession | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        parts = urlsplit(home_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {home_url!r}")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._home_path = canonical_href(parts.path.rstrip("/") + "/")
        self._http = Transport(
            backend=BACKEND,
            username=username,
            password=password,
            timeout=timeout,
            limit_per_host=max_connections,
            max_answer=max_response_bytes,
            session=session,
            breaker=breaker,
        )
        self._without_sync: set[str] = set()
        """Calendars on which the server refused sync-collection: not asked again."""

    @property
    def transport(self) -> Transport:
        return self._http

    @property
    def home_url(self) -> str:
        return self._origin + self._home_path

    async def aclose(self) -> None:
        """Close the HTTP connections (only those of a session this store created)."""
        await self._http.aclose()

    def _calendar_path(self, calendar_id: str) -> str:
        if not _CALENDAR_ID.fullmatch(calendar_id):
            raise RequestError(f"invalid calendar id {calendar_id!r}", backend=BACKEND)
        return f"{self._home_path}{calendar_id}/"

    def _object_path(self, calendar_id: str, uid: str, href: str | None) -> str:
        calendar_path = self._calendar_path(calendar_id)
        if href is None:
            return calendar_path + object_name(uid)
        path = canonical_href(href)
        name = path[len(calendar_path) :]
        # ".." would climb out once the URL is normalised: to the home, on a DELETE.
        if not path.startswith(calendar_path) or "/" in name or name in ("", ".", ".."):
            raise RequestError(f"{href!r} is not in calendar {calendar_id!r}", backend=BACKEND)
        return path

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        return await self._http.send(
            method,
            self._origin + path,
            what=f"{method} {path}",
            data=body.encode("utf-8") if body is not None else None,
            headers=headers,
        )

    async def _call(
        self,
        method: str,
        path: str,
        expected: Collection[int],
        *,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        reply = await self._request(method, path, body=body, headers=headers)
        if reply.status not in expected:
            refuse(method, path, reply.status)
        return reply

    # -- calendars ------------------------------------------------------------------------

    async def ensure_calendar(self, calendar_id: str, display_name: str) -> str:
        """``PROPFIND {home}/{calendar_id}/`` (Depth 0), then ``MKCALENDAR`` if missing."""
        path = self._calendar_path(calendar_id)
        if await self._is_calendar(path):
            return self._origin + path
        reply = await self._request(
            "MKCALENDAR",
            path,
            body=mkcalendar_body(display_name),
            headers={"Content-Type": XML_TYPE},
        )
        # 405/409: created meanwhile by a concurrent call (or it is something else: checked).
        if reply.status not in (200, 201, 405, 409):
            refuse("MKCALENDAR", path, reply.status)
        if reply.status in (405, 409) and not await self._is_calendar(path):
            raise Conflict(f"{path} exists and is not a calendar", backend=BACKEND)
        return self._origin + path

    async def _is_calendar(self, path: str) -> bool:
        """Whether ``path`` is a calendar (False: missing; ``Conflict``: something else)."""
        found = await self._collection(path)
        if found is not None and not found.calendar:
            raise Conflict(f"{path} exists and is not a calendar", backend=BACKEND)
        return found is not None

    async def _collection(self, path: str) -> DavCollection | None:
        reply = await self._request(
            "PROPFIND",
            path,
            body=COLLECTION_BODY,
            headers={"Depth": "0", "Content-Type": XML_TYPE},
        )
        if reply.status == 404:
            return None
        if reply.status != 207:
            refuse("PROPFIND", path, reply.status)
        return collection_at(reply.body, path)

    async def calendar_name(self, calendar_id: str) -> str | None:
        """``PROPFIND {home}/{calendar_id}/`` (Depth 0): its ``displayname``."""
        path = self._calendar_path(calendar_id)
        found = await self._collection(path)
        if found is not None and not found.calendar:
            raise Conflict(f"{path} exists and is not a calendar", backend=BACKEND)
        return found.display_name if found is not None else None

    async def rename_calendar(self, calendar_id: str, display_name: str) -> None:
        """``PROPPATCH {home}/{calendar_id}/`` setting ``displayname``."""
        path = self._calendar_path(calendar_id)
        if not await self._is_calendar(path):
            raise NotFound(f"{path} is not a calendar", backend=BACKEND)
        reply = await self._call(
            "PROPPATCH",
            path,
            (200, 207),
            body=displayname_body(display_name),
            headers={"Content-Type": XML_TYPE},
        )
        if reply.status == 207 and not patched(reply.body):
            raise RequestError(f"PROPPATCH {path}: displayname refused", backend=BACKEND)

    # -- reading --------------------------------------------------------------------------

    async def fetch(self, calendar_id: str, state: SyncState | None) -> SyncResult:
        """``REPORT {calendar}`` sync-collection from ``state.token`` (RFC 6578).

        Without a state, or when the server refuses the token (412, 403/400
        valid-sync-token, 500), the whole calendar is read again: a sync-collection without
        token, or a calendar-query over a wide time-range on a server without sync.
        """
        path = self._calendar_path(calendar_id)
        if state is not None and state.token is not None:
            try:
                return await self._sync_from(path, state)
            except _TokenRefused:
                pass
        return await self._read_all(path, state)

    async def _sync_pages(self, path: str, token: str | None) -> Multistatus:
        """Follow truncated replies until the server says the answer is complete."""
        merged = Multistatus(token=token)
        for _ in range(_MAX_SYNC_ROUNDS):
            reply = await self._request(
                "REPORT",
                path,
                body=sync_body(merged.token),
                headers={"Depth": "0", "Content-Type": XML_TYPE},
            )
            if merged.token is not None and refuses_sync_token(reply.status, reply.body):
                raise _TokenRefused
            if merged.token is None and lacks_sync_report(reply.status, reply.body):
                raise _SyncUnsupported
            if reply.status != 207:
                refuse("REPORT", path, reply.status)
            page = parse_multistatus(reply.body, path)
            merged.merge(page)
            if not page.truncated:
                return merged
        raise Unavailable(f"{path}: sync-collection still truncated", backend=BACKEND)

    async def _complete(
        self, path: str, page: Multistatus, known: Mapping[str, CalendarObject]
    ) -> frozenset[str]:
        """Give every object the answer listed without its data its data: the one already
        known when the etag is the same, else ``calendar-multiget``. Returns the hrefs the
        server listed but would not give (none dropped in silence)."""
        wanted: list[str] = []
        for href, etag in page.listed.items():
            held = known.get(href)
            if held is not None and held.etag == etag:
                page.found[href] = held
            else:
                wanted.append(href)
        page.listed.clear()
        unreadable: set[str] = set()
        for start in range(0, len(wanted), _MULTIGET_BATCH):
            batch = wanted[start : start + _MULTIGET_BATCH]
            reply = await self._call(
                "REPORT",
                path,
                (207,),
                body=multiget_body(batch),
                headers={"Depth": "1", "Content-Type": XML_TYPE},
            )
            got = parse_multistatus(reply.body, path)
            for href in batch:
                if href in got.found:
                    page.found[href] = got.found[href]
                elif href in got.gone:
                    page.gone.add(href)  # deleted since it was listed
                else:
                    unreadable.add(href)
        return frozenset(unreadable)

    async def _sync_from(self, path: str, state: SyncState) -> SyncResult:
        page = await self._sync_pages(path, state.token)
        missing = await self._complete(path, page, state.objects)
        gone = tuple(sorted(href for href in page.gone if href in state.objects))
        changed = tuple(
            item for href, item in page.found.items() if state.objects.get(href) != item
        )
        unreadable = (state.unreadable - page.gone - page.found.keys()) | missing
        if not gone and not changed:
            return SyncResult(SyncState(page.token, state.objects, unreadable), (), (), full=False)
        objects = dict(state.objects)
        for href in gone:
            del objects[href]
        objects.update((item.href, item) for item in changed)
        return SyncResult(
            SyncState(page.token, MappingProxyType(objects), unreadable),
            changed,
            gone,
            full=False,
        )

    async def _read_all(self, path: str, previous: SyncState | None) -> SyncResult:
        before = previous.objects if previous is not None else {}
        page: Multistatus | None = None
        if path not in self._without_sync:
            try:
                page = await self._sync_pages(path, None)
            except _SyncUnsupported:
                self._without_sync.add(path)
        if page is None:
            page = await self._query_page(path, None)
        missing = await self._complete(path, page, before)
        found = page.found
        gone = tuple(sorted(href for href in before if href not in found))
        changed = tuple(item for href, item in found.items() if before.get(href) != item)
        state = SyncState(page.token, MappingProxyType(found), missing)
        return SyncResult(state, changed, gone, full=True)

    async def query(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> tuple[CalendarObject, ...]:
        """``REPORT {calendar}`` calendar-query, VEVENT with a time-range [start, end);
        objects answered without their data are fetched with ``calendar-multiget``."""
        path = self._calendar_path(calendar_id)
        page = await self._query_page(path, (start, end))
        missing = await self._complete(path, page, {})
        if missing:
            raise Unavailable(
                f"{path}: {len(missing)} objects listed but not given", backend=BACKEND
            )
        return tuple(page.found.values())

    async def _query_page(self, path: str, window: tuple[datetime, datetime] | None) -> Multistatus:
        body = time_range_body(*window) if window is not None else all_events_body()
        reply = await self._call(
            "REPORT",
            path,
            (207,),
            body=body,
            headers={"Depth": "1", "Content-Type": XML_TYPE},
        )
        page = parse_multistatus(reply.body, path)
        page.token = None  # a calendar-query carries none: the next read is a full one
        return page

    async def get(self, calendar_id: str, uid: str) -> CalendarObject:
        """``GET {calendar}/{name}.ics``; when absent (stored by another client under a name
        of its own), ``REPORT`` calendar-query with a UID prop-filter."""
        path = self._object_path(calendar_id, uid, None)
        reply = await self._request("GET", path)
        if reply.status == 200 and reply.headers.get("ETag"):
            text = reply.body.decode("utf-8", errors="replace")
            return CalendarObject(href=path, etag=reply.headers["ETag"], ical=text)
        if reply.status not in (200, 404):
            refuse("GET", path, reply.status)
        calendar_path = self._calendar_path(calendar_id)
        found = await self._call(
            "REPORT",
            calendar_path,
            (207,),
            body=uid_body(uid),
            headers={"Depth": "1", "Content-Type": XML_TYPE},
        )
        # text-match is a substring match: keep only the exact UID.
        for item in parse_multistatus(found.body, calendar_path).found.values():
            if has_uid(item.ical, uid):
                return item
        raise NotFound(f"no event {uid!r} in calendar {calendar_id!r}", backend=BACKEND)

    # -- writing --------------------------------------------------------------------------

    async def put(
        self,
        calendar_id: str,
        uid: str,
        ical: str,
        etag: str | None,
        *,
        href: str | None = None,
    ) -> CalendarObject:
        """``PUT {calendar}/{name}.ics`` with ``If-None-Match: *`` (create) or
        ``If-Match: {etag}`` (update); 412 → ``Conflict``.

        ``If-Match: *`` is never sent: Radicale compares it literally and answers 412.
        """
        path = self._object_path(calendar_id, uid, href)
        condition = {"If-None-Match": "*"} if etag is None else {"If-Match": etag}
        reply = await self._call(
            "PUT",
            path,
            (200, 201, 204),
            body=ical,
            headers={"Content-Type": ICAL_TYPE, **condition},
        )
        new_etag = reply.headers.get("ETag")
        if new_etag:
            return CalendarObject(href=path, etag=new_etag, ical=ical)
        # The server changed what it stored (Nextcloud then sends no ETag): read it back.
        stored = await self._call("GET", path, (200,))
        text = stored.body.decode("utf-8", errors="replace")
        return CalendarObject(href=path, etag=stored.headers.get("ETag", ""), ical=text)

    async def delete(
        self, calendar_id: str, uid: str, etag: str | None, *, href: str | None = None
    ) -> None:
        """``DELETE {calendar}/{name}.ics``, with ``If-Match: {etag}`` when given;
        412 → ``Conflict``, 404 → ``NotFound``."""
        path = self._object_path(calendar_id, uid, href)
        headers = {"If-Match": etag} if etag is not None else {}
        await self._call("DELETE", path, (200, 204), headers=headers)
