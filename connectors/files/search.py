"""Finding entries by name: the matching rule, and the WebDAV SEARCH a server may offer.

**The rule.** A name matches when the text, folded, is a part of the name, folded: case,
accents and the ligatures œ, æ, ß set aside, runs of spaces counted as one ("budget" finds
"Budget 2027.pdf", "ecole" finds "École", "coeur" finds "Cœur"). ``fold`` and ``matches``
are that rule; whoever filters results uses them.

**A server's search** (RFC 5323, ``DAV:basicsearch``; Nextcloud at ``/remote.php/dav/``):
a server says it has one with a ``DASL: <DAV:basicsearch>`` header in its answer to
``OPTIONS`` on the search arbiter, asked once per server. Its ``DAV:like`` is SQL's LIKE on
the server's database: case-insensitive for ASCII everywhere, but accent-sensitive on
PostgreSQL and SQLite, and blind to ligatures. So the hub never sends the text itself: it
sends ``like_pattern``, a pattern every matching name fits (a letter that may carry an
accent, anything not ASCII, a space and LIKE's own ``%`` ``_`` ``\\`` become ``_``; a pair a
ligature folds to becomes ``_%``), and filters the answer with ``matches``. The answer is
then a superset of the matches, newest first, cut at the limit asked: a full answer may
have left matches out, which the caller must say.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

from connectors.errors import RequestError
from connectors.files._dav import DAV, OC
from connectors.http import Transport

_EXPANSIONS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o"})
_SPACES = re.compile(r"\s+")
_MAY_CARRY_ACCENT = frozenset("aceinouy")
"""Latin letters that carry a diacritic in French (and the Latin-1 range): à â ä ç é è ê ë
î ï ñ ô ö ù û ü ÿ. In a server pattern each of them becomes ``_`` (any one character)."""
_LIGATURE_PAIRS = re.compile(r"oe|ae|ss")
_WILD = _MAY_CARRY_ACCENT | frozenset(" %_\\")
"""Characters a pattern cannot ask for as they are: any one character fits there instead."""


def fold(text: str) -> str:
    """``text`` as names are compared: no case, no accents, ligatures spelt out, one space."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", plain.translate(_EXPANSIONS)).strip()


def matches(folded: str, name: str) -> bool:
    """Whether ``name`` matches a text already folded (``fold``)."""
    return folded in fold(name)


def like_pattern(folded: str) -> str:
    """A ``DAV:like`` pattern (``%`` any run, ``_`` any one character) that every name
    matching ``folded`` fits, whatever the server's database does with accents and case."""
    pieces = []
    for part in _LIGATURE_PAIRS.split(folded):
        pieces.append(
            "".join("_" if not char.isascii() or char in _WILD else char for char in part)
        )
    return "%" + "_%".join(pieces) + "%"


BASICSEARCH = "<DAV:basicsearch>"
SEARCH_PROPS = (
    (DAV, "resourcetype"),
    (DAV, "getetag"),
    (DAV, "getcontentlength"),
    (DAV, "getcontenttype"),
    (DAV, "getlastmodified"),
)
NEXTCLOUD_SEARCH_PROPS = (*SEARCH_PROPS, (OC, "fileid"), (OC, "permissions"), (OC, "size"))
"""What a search answer should describe (Nextcloud selects only the properties its search
backend declares: ``nc:mount-type`` is not one)."""


def basicsearch(
    scope: str, pattern: str, limit: int, props: tuple[tuple[str, str], ...] = SEARCH_PROPS
) -> bytes:
    """A ``DAV:searchrequest``: entries under ``scope`` (every depth) whose display name is
    ``LIKE pattern``, the most recently modified first, at most ``limit``."""
    prefixes = {DAV: "d", OC: "oc"}
    spaces = "".join(f' xmlns:{prefixes[ns]}="{ns}"' for ns in sorted({ns for ns, _ in props}))
    wanted = "".join(f"<{prefixes[ns]}:{name}/>" for ns, name in props)
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<d:searchrequest{spaces}><d:basicsearch>'
        f"<d:select><d:prop>{wanted}</d:prop></d:select>"
        f"<d:from><d:scope><d:href>{escape(scope)}</d:href><d:depth>infinity</d:depth>"
        "</d:scope></d:from>"
        "<d:where><d:like><d:prop><d:displayname/></d:prop>"
        f"<d:literal>{escape(pattern)}</d:literal></d:like></d:where>"
        "<d:orderby><d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order>"
        f"</d:orderby><d:limit><d:nresults>{int(limit)}</d:nresults></d:limit>"
        "</d:basicsearch></d:searchrequest>"
    ).encode()


async def offers_basicsearch(transport: Transport, arbiter: str) -> bool:
    """Whether the server searches at ``arbiter``: ``OPTIONS``, ``DASL`` naming
    ``<DAV:basicsearch>`` (RFC 5323 §3.2). Asked once per server, remembered on its transport;
    a server that refuses ``OPTIONS`` there has no search."""
    key = "search: DAV:basicsearch"
    known = transport.capabilities.get(key)
    if known is None:
        try:
            reply = await transport.request(
                "OPTIONS", arbiter, what="search options", ok=(200, 204)
            )
        except RequestError:
            known = False
        else:
            offered = ",".join(reply.headers.getall("DASL", []))
            known = BASICSEARCH.casefold() in offered.casefold().replace(" ", "")
        transport.capabilities[key] = known
    return known


async def search(transport: Transport, arbiter: str, body: bytes, what: str) -> bytes:
    """``SEARCH {arbiter}`` with ``body``: the 207 multistatus."""
    reply = await transport.request(
        "SEARCH",
        arbiter,
        what=what,
        ok=(207,),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        data=body,
    )
    return reply.body
