"""WebDAV wire details shared by the backends: paths to URLs, PROPFIND bodies, multistatus
parsing (through defusedxml: a listing is server-controlled XML) and status codes to errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote, urlsplit

import defusedxml.ElementTree as DefusedET

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


def parse_multistatus(body: bytes) -> list[Resource]:
    """Parse a 207 body; only properties inside a ``200`` propstat are kept."""
    try:
        tree = DefusedET.fromstring(body)
    except (DefusedET.ParseError, ValueError) as exc:
        raise Unavailable("unreadable multistatus answer") from exc
    resources = []
    for response in tree.iter(f"{{{DAV}}}response"):
        href = response.findtext(f"{{{DAV}}}href")
        if href is None:
            continue
        resource = Resource(href_path=unquote(urlsplit(href).path))
        for propstat in response.findall(f"{{{DAV}}}propstat"):
            status = propstat.findtext(f"{{{DAV}}}status") or ""
            if " 200 " not in f"{status} ":
                continue
            prop = propstat.find(f"{{{DAV}}}prop")
            if prop is None:
                continue
            for element in prop:
                if element.tag == f"{{{DAV}}}resourcetype":
                    resource.collection = element.find(f"{{{DAV}}}collection") is not None
                    continue
                resource.props[element.tag] = (element.text or "").strip()
        resources.append(resource)
    return resources


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
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


def to_entry(resource: Resource, base_path: str) -> Entry:
    """Turn a parsed response into an ``Entry`` whose path is relative to ``base_path``."""
    relative = resource.href_path.rstrip("/")[len(base_path.rstrip("/")) :]
    path = relative if relative.startswith("/") else "/" + relative
    props = resource.props
    size = _int(props.get(f"{{{OC}}}size"))
    if not resource.collection:
        length = _int(props.get(f"{{{DAV}}}getcontentlength"))
        size = length if length is not None else size
    file_id = props.get(f"{{{OC}}}fileid")
    return Entry(
        path=path,
        name=path.rsplit("/", 1)[1],
        folder=resource.collection,
        size=size,
        content_type=None if resource.collection else props.get(f"{{{DAV}}}getcontenttype"),
        etag=quoted_etag(props.get(f"{{{DAV}}}getetag")),
        modified_at=_date(props.get(f"{{{DAV}}}getlastmodified")),
        file_id=file_id or None,
        permissions=props.get(f"{{{OC}}}permissions"),
    )


def entries(body: bytes, base_path: str, *, exclude: str | None) -> list[Entry]:
    """The entries of a multistatus, without ``exclude`` (the listed folder) and temp uploads."""
    found = [to_entry(resource, base_path) for resource in parse_multistatus(body)]
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
