"""The one XML parser for every answer a DAV server sends (WebDAV, CalDAV).

The XML comes from a server the hub does not control, so lxml parses it with a locked-down
parser: no entity substitution, no DTD loading, no network, no file opened for an external
entity or subset (a resolver answers every one with nothing), libxml2's size limits kept;
a document that carries a DTD at all is refused (a multistatus never needs one, and a DTD is
where entity bombs and external entities live). lxml rather than defusedxml's ElementTree:
defusedxml must use the pure-Python XMLParser to hook its checks in, which made parsing a
200-entry listing cost ~5x more than the whole C parse.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from connectors.errors import Unavailable

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"

Element = etree._Element


class _NoExternal(etree.Resolver):
    """Every external entity or DTD resolves to nothing: even with ``load_dtd=False`` libxml2
    opens a DTD's external subset (``<!DOCTYPE m SYSTEM "/dev/zero">`` would be read)."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object, /) -> Any:
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    parser.resolvers.add(_NoExternal())
    return parser


_PARSER = _parser()


def parse(body: bytes, *, backend: str = "") -> Element:
    """The root element of ``body``; ``Unavailable`` if it is not XML the hub accepts."""
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Unavailable("unreadable XML answer", backend=backend) from exc
    if root.getroottree().docinfo.doctype:
        raise Unavailable("refused an XML answer carrying a DTD", backend=backend)
    return root


def status_code(text: str | None) -> int:
    """``HTTP/1.1 404 Not Found`` → 404; 200 when absent (a propstat without status), 0 when
    unreadable."""
    if not text:
        return 200
    parts = text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isascii() and parts[1].isdigit() else 0
