"""WebDAV wire details shared by the file backends: paths to URLs, PROPFIND bodies and
multistatus parsing (with the one hardened parser of ``connectors.xml``).

Percent-encoding: every character outside RFC 3986's unreserved set and ``/`` is escaped in
the URLs and ``Destination`` headers the stores send, reserved ones included (``;`` would
otherwise start path parameters, ``#`` a fragment): a name reaches the server as typed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote, urlsplit

from connectors import xml
from connectors.files.port import HIDDEN_PREFIX, Entry

DAV = "DAV:"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"

BASIC_PROPS = (
    (DAV, "resourcetype"),
    (DAV, "getetag"),
    (DAV, "getcontentlength"),
    (DAV, "getcontenttype"),
    (DAV, "getlastmodified"),
)
NEXTCLOUD_PROPS = (
    *BASIC_PROPS,
    (OC, "fileid"),
    (OC, "permissions"),
    (OC, "size"),
    (NC, "mount-type"),
)


def propfind_body(props: tuple[tuple[str, str], ...]) -> bytes:
    """A PROPFIND asking for ``props`` by name (servers answer unknown ones with 404)."""
    prefixes = {DAV: "d", OC: "oc", NC: "nc"}
    used = sorted({ns for ns, _ in props}, key=lambda ns: prefixes[ns])
    spaces = "".join(f' xmlns:{prefixes[ns]}="{ns}"' for ns in used)
    wanted = "".join(f"<{prefixes[ns]}:{name}/>" for ns, name in props)
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<d:propfind{spaces}><d:prop>{wanted}'
        "</d:prop></d:propfind>"
    ).encode()


def encode_path(path: str) -> str:
    """Percent-encode a decoded POSIX path for a request line (``/`` stays a separator)."""
    return quote(path, safe="/")  # quote's "safe" is the unreserved set, plus "/" here


def join(root: str, path: str) -> str:
    """The backend path of workspace ``path`` under ``root`` (both absolute)."""
    return root.rstrip("/") + ("" if path == "/" else path)


@dataclass
class Resource:
    """One ``<d:response>``: its decoded href path and the properties found (status 200)."""

    href_path: str
    props: dict[str, str | None] = field(default_factory=dict)
    collection: bool = False


_RESPONSE = f"{{{DAV}}}response"
_HREF = f"{{{DAV}}}href"
_PROPSTAT = f"{{{DAV}}}propstat"
_STATUS = f"{{{DAV}}}status"
_PROP = f"{{{DAV}}}prop"
_RESOURCETYPE = f"{{{DAV}}}resourcetype"
_COLLECTION = f"{{{DAV}}}collection"


def parse_multistatus(body: bytes) -> list[Resource]:
    """Parse a 207 body; only properties inside a ``200`` propstat are kept, and a response
    whose own status is not 2xx names nothing that exists.

    The tree is walked child by child: lxml's ``find``/``findtext`` go through its
    Python-level path engine and cost more than the parse itself on a 200-entry listing."""
    root = xml.parse(body)
    resources = []
    for response in root.iter(_RESPONSE):
        href: str | None = None
        propstats = []
        missing = False
        for child in response:
            if child.tag == _HREF:
                if href is None:
                    href = child.text or ""
            elif child.tag == _PROPSTAT:
                propstats.append(child)
            elif child.tag == _STATUS:
                # RFC 4918 §14.24: a response may carry a status instead of propstats, e.g.
                # "404 Not Found" for a member asked for that does not exist (Xandikos)
                missing = xml.status_code(child.text) // 100 != 2
        if href is None or missing:
            continue
        resource = Resource(href_path=_href_path(href))
        for propstat in propstats:
            status: str | None = None
            prop = None
            for part in propstat:
                if part.tag == _STATUS and status is None:
                    status = part.text or ""
                elif part.tag == _PROP and prop is None:
                    prop = part
            if prop is None or " 200 " not in f"{status} ":
                continue
            for element in prop:
                tag = element.tag
                if tag == _RESOURCETYPE:
                    resource.collection = any(kind.tag == _COLLECTION for kind in element)
                elif isinstance(tag, str):
                    resource.props[tag] = (element.text or "").strip()
        resources.append(resource)
    return resources


def _href_path(href: str) -> str:
    """The decoded path of an href (servers send a path or an absolute URL)."""
    if href.startswith("/") and not href.startswith("//") and "?" not in href and "#" not in href:
        return unquote(href)  # the usual case, without urlsplit's cost
    return unquote(urlsplit(href).path)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    # getlastmodified is an RFC 1123 date ("Wed, 25 Nov 2026 20:06:17 GMT"): read that shape
    # directly, anything else through the general (and slower) email parser
    parts = value.split()
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS:
        try:
            hour, minute, second = parts[4].split(":")
            return datetime(
                int(parts[3]),
                _MONTHS[parts[2]],
                int(parts[1]),
                int(hour),
                int(minute),
                int(second),
                tzinfo=UTC,
            )
        except ValueError:
            pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def quoted_etag(value: str | None) -> str | None:
    """The RFC 9110 form (``"abc"`` or ``W/"abc"``): Nextcloud's getetag is quoted, WsgiDAV's
    is bare; quoting both makes an entry's etag equal the ``ETag`` header of its download."""
    if not value:
        return None
    if value.startswith(('"', 'W/"')):
        return value
    return f'"{value}"'


_OC_SIZE = f"{{{OC}}}size"
_OC_FILEID = f"{{{OC}}}fileid"
_OC_PERMISSIONS = f"{{{OC}}}permissions"
_LENGTH = f"{{{DAV}}}getcontentlength"
_CONTENT_TYPE = f"{{{DAV}}}getcontenttype"
_ETAG = f"{{{DAV}}}getetag"
_MODIFIED = f"{{{DAV}}}getlastmodified"


def to_entry(resource: Resource, base_path: str) -> Entry:
    """Turn a parsed response into an ``Entry`` whose path is relative to ``base_path``."""
    return _entry(resource, len(base_path.rstrip("/")))


def _entry(resource: Resource, base_length: int) -> Entry:
    relative = resource.href_path.rstrip("/")[base_length:]
    path = relative if relative.startswith("/") else "/" + relative
    props = resource.props
    collection = resource.collection
    size = _int(props.get(_OC_SIZE))
    if not collection:
        length = _int(props.get(_LENGTH))
        size = length if length is not None else size
    return Entry(
        path=path,
        name=path.rsplit("/", 1)[1],
        folder=collection,
        size=size,
        content_type=None if collection else props.get(_CONTENT_TYPE),
        etag=quoted_etag(props.get(_ETAG)),
        modified_at=_date(props.get(_MODIFIED)),
        file_id=props.get(_OC_FILEID) or None,
        permissions=props.get(_OC_PERMISSIONS),
    )


def entries(
    body: bytes, base_path: str, *, exclude: str | None, hidden: bool = False
) -> list[Entry]:
    """The entries of a multistatus, without ``exclude`` (the listed folder) and, unless
    ``hidden``, without the hub's hidden names (``HIDDEN_PREFIX``)."""
    base_length = len(base_path.rstrip("/"))
    found = [_entry(resource, base_length) for resource in parse_multistatus(body)]
    return [
        entry
        for entry in found
        if entry.path != exclude and (hidden or not entry.name.startswith(HIDDEN_PREFIX))
    ]


def same_path(reported: str, asked: str) -> bool:
    """Whether the path a server reports is the one asked for (servers on file systems that
    decompose accents report NFD)."""
    return reported == asked or unicodedata.normalize("NFC", reported) == asked
