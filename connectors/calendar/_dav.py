"""The CalDAV request bodies and multistatus parsing that ``caldav_store`` sends and reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from connectors.calendar.port import CalendarObject
from connectors.errors import RequestError, Unavailable

BACKEND = "caldav"

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
XML_TYPE = 'application/xml; charset="utf-8"'
ICAL_TYPE = "text/calendar; charset=utf-8"

_XMLNS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"'
_PROPS = "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
_HREF_SAFE = "/@+=:!$&'()*,;~"


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


def uid_body(uid: str) -> str:
    """RFC 4791 calendar-query: the VEVENTs whose UID contains ``uid`` (a substring match)."""
    return _query_body(
        '<c:prop-filter name="UID"><c:text-match collation="i;octet">'
        f"{escape(uid)}</c:text-match></c:prop-filter>"
    )


def mkcalendar_body(display_name: str) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><c:mkcalendar {_XMLNS}><d:set><d:prop>'
        f"<d:displayname>{escape(display_name)}</d:displayname>"
        '<c:supported-calendar-component-set><c:comp name="VEVENT"/>'
        "</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"
    )


RESOURCETYPE_BODY = (
    f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_XMLNS}>'
    "<d:prop><d:resourcetype/></d:prop></d:propfind>"
)


def canonical_href(href: str) -> str:
    """One spelling per path, whichever way a server percent-encodes it (``@`` vs ``%40``)."""
    return quote(unquote(urlsplit(href).path), safe=_HREF_SAFE)


@dataclass(slots=True)
class Multistatus:
    """What a REPORT answered: objects found, hrefs gone, the new sync-token."""

    found: dict[str, CalendarObject] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    token: str | None = None
    truncated: bool = False


def parse_xml(body: bytes) -> ET.Element:
    # ElementTree never fetches external entities, and the bundled expat (>= 2.4.1) stops
    # entity-expansion bombs: a hostile server's XML cannot reach the network or blow up.
    try:
        return ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise Unavailable(f"unreadable XML from the server: {exc}", backend=BACKEND) from exc


def _status_code(text: str | None) -> int:
    """``HTTP/1.1 404 Not Found`` → 404; 200 when absent (a propstat without status)."""
    if not text:
        return 200
    parts = text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def parse_multistatus(body: bytes, collection_path: str) -> Multistatus:
    """Objects (200 propstat with etag and calendar-data), deletions (404), token, and
    whether the server truncated the answer (RFC 6578: 507 on the collection itself)."""
    root = parse_xml(body)
    result = Multistatus(token=root.findtext(f"{D}sync-token"))
    for response in root.iter(f"{D}response"):
        raw_href = response.findtext(f"{D}href")
        if not raw_href:
            continue
        href = canonical_href(raw_href.strip())
        status = _status_code(response.findtext(f"{D}status"))
        if href == collection_path:
            result.truncated = result.truncated or status == 507
            continue
        if status == 404:
            result.gone.add(href)
            continue
        for propstat in response.iter(f"{D}propstat"):
            if _status_code(propstat.findtext(f"{D}status")) != 200:
                continue
            etag = propstat.findtext(f"{D}prop/{D}getetag")
            data = propstat.findtext(f"{D}prop/{C}calendar-data")
            if etag and data is not None:
                result.found[href] = CalendarObject(href=href, etag=etag.strip(), ical=data)
    return result
