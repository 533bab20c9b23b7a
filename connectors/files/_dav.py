"""WebDAV wire details shared by the backends: paths to URLs, PROPFIND bodies, multistatus
parsing and status codes to errors.

A listing is XML the server controls, so it is parsed by lxml with a locked-down parser: no
entity substitution, no DTD loading, no network, no file opened for an external entity or
subset (a resolver answers every one with nothing), libxml2's size limits kept; a document that
carries a DTD at all is refused (a multistatus never needs one, and a DTD is where entity
bombs and external entities live). lxml rather than defusedxml's ElementTree because defusedxml
must use the pure-Python XMLParser to hook its checks in, which made parsing a 200-entry
listing cost ~5x more than the whole C parse."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from connectors.errors import (
    Conflict,
    ConnectorError,
    Forbidden,
    NotFound,
    RequestError,
    TooLarge,
    Unavailable,
)
from connectors.files.port import TEMP_PREFIX, Entry

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
    root = ET.Element("d:propfind")
    for namespace in {ns for ns, _ in props}:
        root.set(f"xmlns:{prefixes[namespace]}", namespace)
    prop = ET.SubElement(root, "d:prop")
    for namespace, name in props:
        ET.SubElement(prop, f"{prefixes[namespace]}:{name}")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(ET.tostring(root, encoding="utf-8"))


def encode_path(path: str) -> str:
    """Percent-encode a decoded POSIX path for a request line (``/`` stays a separator)."""
    return quote(path, safe="/")


def join(root: str, path: str) -> str:
    """The backend path of workspace ``path`` under ``root`` (both absolute)."""
    return root.rstrip("/") + ("" if path == "/" else path)


@dataclass
class Resource:
    """One ``<d:response>``: its decoded href path and the properties found (status 200)."""

    href_path: str
    props: dict[str, str | None] = field(default_factory=dict)
    collection: bool = False


class _NoExternal(etree.Resolver):
    """Every external entity or DTD resolves to nothing: even with ``load_dtd=False`` libxml2
    opens a DTD's external subset (``<!DOCTYPE m SYSTEM "/dev/zero">`` would be read)."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object, /) -> Any:
        return self.resolve_string("", context)


_PARSER = etree.XMLParser(
    resolve_entities=False,
    load_dtd=False,
    dtd_validation=False,
    no_network=True,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)
_PARSER.resolvers.add(_NoExternal())
_RESPONSE = f"{{{DAV}}}response"
_HREF = f"{{{DAV}}}href"
_PROPSTAT = f"{{{DAV}}}propstat"
_STATUS = f"{{{DAV}}}status"
_PROP = f"{{{DAV}}}prop"
_RESOURCETYPE = f"{{{DAV}}}resourcetype"
_COLLECTION = f"{{{DAV}}}collection"


def parse_multistatus(body: bytes) -> list[Resource]:
    """Parse a 207 body; only properties inside a ``200`` propstat are kept.

    The tree is walked child by child: lxml's ``find``/``findtext`` go through its
    Python-level path engine and cost more than the parse itself on a 200-entry listing."""
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Unavailable("unreadable multistatus answer") from exc
    if root.getroottree().docinfo.doctype:
        raise Unavailable("refused a multistatus answer carrying a DTD")
    resources = []
    for response in root.iter(_RESPONSE):
        href: str | None = None
        propstats = []
        for child in response:
            if child.tag == _HREF:
                if href is None:
                    href = child.text or ""
            elif child.tag == _PROPSTAT:
                propstats.append(child)
        if href is None:
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


def entries(body: bytes, base_path: str, *, exclude: str | None) -> list[Entry]:
    """The entries of a multistatus, without ``exclude`` (the listed folder) and temp uploads."""
    base_length = len(base_path.rstrip("/"))
    found = [_entry(resource, base_length) for resource in parse_multistatus(body)]
    return [
        entry for entry in found if entry.path != exclude and not entry.name.startswith(TEMP_PREFIX)
    ]


def error_for_status(
    status: int, what: str, *, backend: str, conflict_on: tuple[int, ...] = (405, 412)
) -> ConnectorError:
    """Map an HTTP error status to the connector error a caller can act on."""
    if status == 404:
        return NotFound(f"{what}: not found", backend=backend)
    if status in conflict_on:
        return Conflict(f"{what}: already exists", backend=backend)
    if status == 409:
        return NotFound(f"{what}: parent folder missing", backend=backend)
    if status in (401, 403):
        return Forbidden(f"{what}: refused ({status})", backend=backend)
    if status in (413, 507):
        return TooLarge(f"{what}: too large ({status})", backend=backend)
    if status == 423:
        return Conflict(f"{what}: locked", backend=backend)
    if status >= 500:
        return Unavailable(f"{what}: server error {status}", backend=backend)
    return RequestError(f"{what}: refused ({status})", backend=backend)
