"""What ``caldav_store`` says to a CalDAV server and how it reads the answers: request
bodies, href spelling, multistatus parsing, and what each status and error body means.

Kept apart from the store so that its module holds only the request flow (which request,
when, and what follows from the answer), and so that this protocol detail, none of which
does any I/O, reads and changes without the HTTP plumbing around it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

import icalendar

from connectors import xml
from connectors.calendar.port import CalendarObject
from connectors.errors import RequestError, for_status

BACKEND = "caldav"

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
XML_TYPE = 'application/xml; charset="utf-8"'
ICAL_TYPE = "text/calendar; charset=utf-8"

_XMLNS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"'
_PROPS = "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
_HREF_SAFE = "/@+=:!$&'()*,;~"
_PLAIN_UID = re.compile(r"[A-Za-z0-9@._+=-]{1,200}")

# Nextcloud answers 400 to a calendar-query without a time-range: this one covers any
# event a town may plausibly hold.
_WIDE_START = datetime(1900, 1, 1, tzinfo=UTC)
_WIDE_END = datetime(2200, 1, 1, tzinfo=UTC)


def multiget_body(hrefs: list[str]) -> str:
    """RFC 4791 §7.9 calendar-multiget: the etag and data of each object named."""
    wanted = "".join(f"<d:href>{escape(href)}</d:href>" for href in hrefs)
    return (
        f'<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget {_XMLNS}>{_PROPS}'
        f"{wanted}</c:calendar-multiget>"
    )


def sync_body(token: str | None) -> str:
    """RFC 6578 sync-collection asking for each changed object's etag and data."""
    token_xml = f"<d:sync-token>{escape(token)}</d:sync-token>" if token else "<d:sync-token/>"
    return (
        f'<?xml version="1.0" encoding="utf-8"?><d:sync-collection {_XMLNS}>'
        f"{token_xml}<d:sync-level>1</d:sync-level>{_PROPS}</d:sync-collection>"
    )


def _ical_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise RequestError("time-range bounds must be timezone-aware", backend=BACKEND)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _query_body(event_filter: str) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><c:calendar-query {_XMLNS}>{_PROPS}'
        f'<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        f"{event_filter}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )


def time_range_body(start: datetime, end: datetime) -> str:
    """RFC 4791 calendar-query: the VEVENTs overlapping [start, end)."""
    return _query_body(f'<c:time-range start="{_ical_utc(start)}" end="{_ical_utc(end)}"/>')


def all_events_body() -> str:
    """RFC 4791 calendar-query: every VEVENT of the calendar."""
    return time_range_body(_WIDE_START, _WIDE_END)


def uid_body(uid: str) -> str:
    """RFC 4791 calendar-query: the VEVENTs whose UID contains ``uid`` (a substring match)."""
    return _query_body(
        '<c:prop-filter name="UID"><c:text-match collation="i;octet">'
        f"{escape(uid)}</c:text-match></c:prop-filter>"
    )


def has_uid(ical: str, uid: str) -> bool:
    """Whether ``ical`` holds a VEVENT with exactly ``uid``, among what ``uid_body`` found."""
    try:
        calendar = icalendar.Calendar.from_ical(ical)
    except ValueError:
        return False
    return any(str(component.get("UID", "")) == uid for component in calendar.walk("VEVENT"))


def mkcalendar_body(display_name: str) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><c:mkcalendar {_XMLNS}><d:set><d:prop>'
        f"<d:displayname>{escape(display_name)}</d:displayname>"
        '<c:supported-calendar-component-set><c:comp name="VEVENT"/>'
        "</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"
    )


COLLECTION_BODY = (
    f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_XMLNS}>'
    "<d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>"
)


def displayname_body(display_name: str) -> str:
    """RFC 4918 §9.2 PROPPATCH setting ``DAV:displayname``."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><d:propertyupdate {_XMLNS}><d:set><d:prop>'
        f"<d:displayname>{escape(display_name)}</d:displayname></d:prop></d:set>"
        "</d:propertyupdate>"
    )


def canonical_href(href: str) -> str:
    """One spelling per path, whichever way a server percent-encodes it (``@`` vs ``%40``)."""
    return quote(unquote(urlsplit(href).path), safe=_HREF_SAFE)


def object_name(uid: str) -> str:
    """The file name this store gives the object with ``uid``.

    A UID may hold any text (slashes, spaces…); those that are not plain get a hash instead,
    so the name is one safe path segment that every server spells the same way.
    """
    if _PLAIN_UID.fullmatch(uid):
        return f"{uid}.ics"
    return hashlib.sha256(uid.encode("utf-8")).hexdigest()[:40] + ".ics"


@dataclass(slots=True)
class Multistatus:
    """What a REPORT answered: objects found, objects listed with an etag but without their
    data (RFC 6578 §3.5 lets a sync answer leave it out), hrefs gone, the new sync-token."""

    found: dict[str, CalendarObject] = field(default_factory=dict)
    listed: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    token: str | None = None
    truncated: bool = False

    def merge(self, page: Multistatus) -> None:
        """Take in the next page of a truncated sync answer: what it says wins."""
        for href in page.gone | page.found.keys() | page.listed.keys():
            self.found.pop(href, None)
            self.listed.pop(href, None)
        self.gone |= page.gone
        self.gone -= page.found.keys() | page.listed.keys()
        self.found.update(page.found)
        self.listed.update(page.listed)
        self.token = page.token


D_RESPONSE, D_HREF, D_STATUS = f"{D}response", f"{D}href", f"{D}status"
D_PROPSTAT, D_PROP, D_ETAG = f"{D}propstat", f"{D}prop", f"{D}getetag"
C_DATA = f"{C}calendar-data"


def parse_xml(body: bytes) -> xml.Element:
    return xml.parse(body, backend=BACKEND)


@dataclass(frozen=True, slots=True)
class DavCollection:
    """What a PROPFIND (Depth 0, ``COLLECTION_BODY``) says of one collection."""

    calendar: bool
    display_name: str


def collection_at(body: bytes, path: str) -> DavCollection | None:
    """The collection at ``path`` (a calendar or something else), or None when missing: RFC
    4918 lets a server answer 207 whose response (or propstat) says 404 for a resource that
    is not there."""
    for response in parse_xml(body).iter(D_RESPONSE):
        href = response.findtext(D_HREF)
        if href is None or canonical_href(href.strip()).rstrip("/") != path.rstrip("/"):
            continue
        if xml.status_code(response.findtext(D_STATUS)) == 404:
            return None
        kind: xml.Element | None = None
        name = ""
        for propstat in response.iter(D_PROPSTAT):
            if xml.status_code(propstat.findtext(D_STATUS)) != 200:
                continue
            kind = propstat.find(f"{D_PROP}/{D}resourcetype") if kind is None else kind
            name = propstat.findtext(f"{D_PROP}/{D}displayname") or name
        if kind is None:
            return None
        return DavCollection(kind.find(f"{C}calendar") is not None, name.strip())
    return None


def patched(body: bytes) -> bool:
    """Whether a PROPPATCH's multistatus set every property (each propstat 200)."""
    codes = [
        xml.status_code(propstat.findtext(D_STATUS))
        for propstat in parse_xml(body).iter(D_PROPSTAT)
    ]
    return bool(codes) and all(code == 200 for code in codes)


def parse_multistatus(body: bytes, collection_path: str) -> Multistatus:
    """Objects (200 propstat with etag and calendar-data), objects listed without their data,
    deletions (404), token, and whether the server truncated the answer (RFC 6578: 507 on
    the collection itself)."""
    root = parse_xml(body)
    result = Multistatus(token=root.findtext(f"{D}sync-token"))
    for response in root.iter(D_RESPONSE):
        raw_href = response.findtext(D_HREF)
        if not raw_href:
            continue
        href = canonical_href(raw_href.strip())
        status = xml.status_code(response.findtext(D_STATUS))
        if href == collection_path:
            result.truncated = result.truncated or status == 507
            continue
        if status == 404:
            result.gone.add(href)
            continue
        etag: str | None = None
        data: str | None = None
        for propstat in response.iter(D_PROPSTAT):
            if xml.status_code(propstat.findtext(D_STATUS)) != 200:
                continue
            etag = etag or propstat.findtext(f"{D_PROP}/{D_ETAG}")
            found = propstat.findtext(f"{D_PROP}/{C_DATA}")
            data = found if found is not None else data
        if etag and data is not None:
            result.found[href] = CalendarObject(href=href, etag=etag.strip(), ical=data)
        elif etag:
            result.listed[href] = etag.strip()
    return result


def refuses_sync_token(status: int, body: bytes) -> bool:
    """RFC 6578 says 403 + DAV:valid-sync-token; others answer 412, 400 or even 500."""
    if status in (412, 500):
        return True
    return status in (400, 403, 409) and b"valid-sync-token" in body


def lacks_sync_report(status: int, body: bytes) -> bool:
    """RFC 3253 says 403 + DAV:supported-report; others answer 400, 405, 415 or 501."""
    if status in (400, 405, 415, 501):
        return True
    return status == 403 and b"supported-report" in body


def refuse(method: str, path: str, status: int) -> NoReturn:
    """Raise the connector error for a status the caller did not expect."""
    raise for_status(
        status, f"{method} {path} answered {status}", backend=BACKEND, conflict_on=(412,)
    )
