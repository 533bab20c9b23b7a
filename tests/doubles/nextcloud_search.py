"""The Nextcloud double's file search: ``SEARCH /remote.php/dav/`` (RFC 5323 basicsearch).

Modelled on upstream, rule by rule (nextcloud/server ``apps/dav/lib/Files/FileSearchBackend``,
``lib/private/Files/Cache/SearchBuilder``; icewind1991/SearchDAV's plugin, handler, parser):
- The arbiter is the DAV root only: ``OPTIONS /remote.php/dav/`` answers ``DASL:
  <DAV:basicsearch>``; ``SEARCH`` anywhere else, or without an XML Content-Type, is not
  handled (Sabre answers 501).
- Parse errors, no ``DAV:basicsearch``, no ``DAV:from``, an empty ``DAV:select`` -> 400. A
  property searched or sorted on that the backend does not declare, or not sortable -> 400
  (SearchDAV's BadRequest). More than 100 comparisons -> 500 (InvalidArgumentException).
- The scope's href is a path under the DAV root taken as it is (not percent-decoded: the
  PathHelper returns a relative href unchanged), or an absolute URL under
  ``/remote.php/dav/`` (decoded, as Sabre's calculateUri does). A missing scope -> 404; a
  scope that is not a folder of the user's files -> 500. The depth is ignored: a folder is
  searched at every depth; the scope itself is never a result.
- ``DAV:like`` on ``DAV:displayname`` is the database's case-insensitive LIKE (``iLike``):
  modelled as PostgreSQL's ILIKE, ``%`` and ``_`` wildcards with ``\\`` escaping, case folded
  but accents kept ("ecole" does not find "École"). ``DAV:eq`` compares exactly.
- No ``DAV:nresults``: 100 results. Results sorted by ``DAV:orderby`` (last modified or name),
  sliced after sorting. Selected properties the backend does not declare come back in a 404
  propstat, as in a PROPFIND.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import defusedxml.ElementTree as DefusedET

DAV, OC, NC = "DAV:", "http://owncloud.org/ns", "http://nextcloud.org/ns"
OPERATOR_LIMIT = 100
DEFAULT_RESULTS = 100
# (selectable, searchable, sortable) of the properties FileSearchBackend declares
PROPERTIES = {
    (DAV, "displayname"): (True, True, True),
    (DAV, "getcontenttype"): (True, True, True),
    (DAV, "getlastmodified"): (True, True, True),
    (DAV, "creationdate"): (True, True, True),
    (OC, "size"): (True, True, True),
    (OC, "favorite"): (True, True, True),
    (OC, "fileid"): (True, True, False),
    (OC, "owner-id"): (True, True, False),
    (DAV, "resourcetype"): (True, False, False),
    (DAV, "getcontentlength"): (True, False, False),
    (OC, "permissions"): (True, False, False),
    (DAV, "getetag"): (True, False, False),
    (NC, "has-preview"): (True, False, False),
    (OC, "id"): (True, False, False),
}


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _name(element: Any) -> tuple[str, str]:
    ns, _, local = str(element.tag)[1:].partition("}")
    return ns, local


def ilike(pattern: str, value: str) -> bool:
    """PostgreSQL's ``value ILIKE pattern`` (escape character ``\\``)."""
    regex, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            regex.append(re.escape(next(chars, "\\")))
        elif char == "%":
            regex.append(".*")
        elif char == "_":
            regex.append(".")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), value, re.DOTALL | re.IGNORECASE) is not None


class Search:
    """One SEARCH request against the user's files folder."""

    def __init__(self, files_dir: Path, username: str) -> None:
        self.files_dir = files_dir
        self.username = username

    def run(self, body: bytes) -> tuple[list[Path], list[tuple[str, str]]]:
        """The matching paths, in order, and the properties selected."""
        try:
            root = DefusedET.fromstring(body)
        except DefusedET.ParseError as exc:
            raise Refused(400, f"Parse error: {exc}") from exc
        if root.tag != f"{{{DAV}}}searchrequest":
            raise Refused(400, f"Unexpected document type: {root.tag}")
        query = root.find(f"{{{DAV}}}basicsearch")
        if query is None:
            raise Refused(400, "Unexpected xml content for search request, expected basicsearch")
        scopes = query.findall(f"{{{DAV}}}from/{{{DAV}}}scope")
        if query.find(f"{{{DAV}}}from") is None:
            raise Refused(400, "Missing {DAV:}from when parsing {DAV:}basicsearch")
        select = [_name(p) for p in query.findall(f"{{{DAV}}}select/{{{DAV}}}prop/*")]
        if not select:
            raise Refused(400, "Parse error: Missing {DAV:}select from {DAV:}basicsearch")
        orders = self._orders(query)
        where = query.find(f"{{{DAV}}}where")
        condition = where[0] if where is not None and len(where) else None
        if condition is not None:
            self._check(condition)
            if self._count(condition) > OPERATOR_LIMIT:
                raise Refused(500, "Invalid search query, maximum operator limit exceeded")
        if not scopes:
            raise Refused(500, "You need to specify a scope for the search.")
        found: list[Path] = []
        for scope in scopes:
            folder = self._scope(scope.findtext(f"{{{DAV}}}href") or "")
            found += [
                path
                for path in sorted(folder.rglob("*"))
                if condition is None or self._holds(condition, path)
            ]
        for prop, descending in reversed(orders):
            found.sort(key=lambda p, prop=prop: self._sort_key(prop, p), reverse=descending)
        limit = query.findtext(f"{{{DAV}}}limit/{{{DAV}}}nresults")
        count = int(limit) if limit and limit.strip().isdigit() else 0
        return found[: count or DEFAULT_RESULTS], select

    def _orders(self, query: Any) -> list[tuple[tuple[str, str], bool]]:
        orders = []
        for order in query.findall(f"{{{DAV}}}orderby/{{{DAV}}}order"):
            props = order.findall(f"{{{DAV}}}prop/*")
            prop = _name(props[0]) if props else ("", "")
            if prop not in PROPERTIES:
                raise Refused(400, "requested order by property is not a valid property")
            if not PROPERTIES[prop][2]:
                raise Refused(400, "requested order by property is not sortable")
            orders.append((prop, order.find(f"{{{DAV}}}descending") is not None))
        return orders

    def _check(self, operator: Any) -> None:
        kind = _name(operator)[1]
        if kind in ("and", "or", "not"):
            for argument in operator:
                self._check(argument)
            return
        if kind == "is-collection":
            return
        props = operator.findall(f"{{{DAV}}}prop/*")
        prop = _name(props[0]) if props else ("", "")
        if prop not in PROPERTIES:
            raise Refused(400, "requested search property is not a valid property for this scope")
        if not PROPERTIES[prop][1]:
            raise Refused(400, "requested search property is not searchable")
        if kind not in ("eq", "like") or prop not in (
            (DAV, "displayname"),
            (DAV, "getcontenttype"),
        ):
            # the double models the comparisons the hub sends; others are Nextcloud's own
            raise Refused(500, f"Unsupported operation {kind} on {prop[1]} in this double")

    def _count(self, operator: Any) -> int:
        if _name(operator)[1] in ("and", "or", "not"):
            return sum(self._count(argument) for argument in operator)
        return 1

    def _scope(self, href: str) -> Path:
        if "://" in href:
            path = urlsplit(href).path
            if not path.startswith("/remote.php/dav/"):
                raise Refused(500, "Using uri's as scope is not supported")
            href = unquote(path[len("/remote.php/dav/") :])
        parts = [p for p in href.split("/") if p]
        if parts[:2] != ["files", self.username] or any(p in (".", "..") for p in parts):
            raise Refused(500, "Search is only supported on directories")
        folder = self.files_dir.joinpath(*parts[2:])
        if not folder.exists():
            raise Refused(404, f"File with name {href} could not be located")
        if not folder.is_dir():
            raise Refused(500, "Search is only supported on directories")
        return folder

    def _holds(self, operator: Any, path: Path) -> bool:
        kind = _name(operator)[1]
        if kind == "and":
            return all(self._holds(argument, path) for argument in operator)
        if kind == "or":
            return any(self._holds(argument, path) for argument in operator)
        if kind == "not":
            return not self._holds(operator[0], path)
        if kind == "is-collection":
            return path.is_dir()
        prop = _name(operator.findall(f"{{{DAV}}}prop/*")[0])
        literal = operator.findtext(f"{{{DAV}}}literal") or ""
        value = path.name if prop == (DAV, "displayname") else _content_type(path)
        return ilike(literal, value) if kind == "like" else value == literal

    @staticmethod
    def _sort_key(prop: tuple[str, str], path: Path) -> Any:
        if prop == (DAV, "getlastmodified"):
            return path.stat().st_mtime
        if prop == (OC, "size"):
            return path.stat().st_size
        return path.name


def _content_type(path: Path) -> str:
    if path.is_dir():
        return "httpd/unix-directory"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
