"""Names the file stores write: temporary upload names, and whether a server keeps a name
holding a reserved character as it was sent.

RFC 3986 reserves ``:@!$&'()*+,;=#[]`` (and ``/?``): the stores percent-encode them, which
is all a conforming server needs. Some servers decode a ``Destination`` header and then
parse the result as a URL again: WsgiDAV does, so ``.htaccess%3Bx`` becomes ``.htaccess``
with ``;x`` taken for path parameters, and a MOVE said to succeed stored another name. Such a
server is not guessed at by its name or version: the first time a name holding a reserved
character is about to be written, the store asks (a hidden probe file moved to a name with
that character), remembers the answer for the server (on its transport), and refuses names
the server would change before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from connectors.errors import NameRefused
from connectors.files.port import TEMP_PREFIX
from connectors.http import Transport

RESERVED = frozenset(":@!$&'()*+,;=#[]")


def temporary_name(path: str) -> str:
    """A hidden name in ``path``'s folder for an upload in progress."""
    parent = path.rsplit("/", 1)[0] or "/"
    return parent.rstrip("/") + "/" + TEMP_PREFIX + uuid.uuid4().hex


class NameCheck:
    """Refuses names the server would not keep, asking it once per reserved character."""

    def __init__(self, transport: Transport, probe: Callable[[str], Awaitable[bool]]) -> None:
        self._transport = transport
        self._probe = probe

    async def check(self, path: str) -> None:
        name = path.rsplit("/", 1)[-1]
        for char in sorted(set(name) & RESERVED):
            key = f"destination keeps {char}"
            kept = self._transport.capabilities.get(key)
            if kept is None:
                kept = self._transport.capabilities[key] = await self._probe(char)
            if not kept:
                raise NameRefused(
                    f"{path}: this file server does not keep {char!r} in names",
                    backend=self._transport.backend,
                    characters=char,
                )
