"""What ``hub check`` (and ``hub serve`` at start-up) asks each backend: is it reachable, does
it accept the hub's account, does it offer what the hub needs.

- WebDAV (RFC 4918): ``OPTIONS`` says which methods the server allows (MOVE and COPY are
  needed) and its ``DAV`` compliance classes; a ``PROPFIND`` (Depth 0) of the configured
  folder proves the credentials.
- CalDAV (RFC 4791, RFC 6764): the configured URL must be the account's calendar home: the
  server names the account's principal (``current-user-principal``) and the principal names
  its ``calendar-home-set``. sync-collection (RFC 6578) is looked for in the
  ``supported-report-set`` of the home's calendars; without it the hub reads whole calendars.
- OpenID provider: its discovery document names the configured issuer and a JWKS that answers.

Each answer is a ``Finding``: ``ok``, or a warning (the hub works around it), or a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import aiohttp

from connectors import xml
from connectors.errors import ConnectorError, Forbidden
from connectors.http import Transport

_CALDAV_NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"'
_D = "{DAV:}"
_C = "{urn:ietf:params:xml:ns:caldav}"


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    backend: str
    what: str
    level: Level
    detail: str

    def line(self) -> str:
        return f"{self.level.value:<4}  {self.backend}: {self.what}: {self.detail}"


def _refused(backend: str, exc: ConnectorError) -> Finding:
    if isinstance(exc, Forbidden):
        return Finding(backend, "credentials", Level.FAIL, f"refused the hub's account ({exc})")
    return Finding(backend, "reachable", Level.FAIL, str(exc))


async def check_webdav(transport: Transport, url: str) -> list[Finding]:
    """``OPTIONS`` and ``PROPFIND`` (Depth 0) of ``url``, the folder the hub works in."""
    name = transport.backend
    try:
        options = await transport.send("OPTIONS", url, what="OPTIONS")
        await transport.request("PROPFIND", url, what="PROPFIND", ok=(207,), headers={"Depth": "0"})
    except ConnectorError as exc:
        return [_refused(name, exc)]
    found = [Finding(name, "reachable, credentials accepted", Level.OK, url)]
    allowed = {m.strip().upper() for m in options.headers.get("Allow", "").split(",")}
    missing = sorted({"MOVE", "COPY"} - allowed)
    if not allowed - {""}:
        found.append(Finding(name, "MOVE/COPY", Level.WARN, "the server lists no Allow header"))
    elif missing:
        found.append(Finding(name, "MOVE/COPY", Level.FAIL, f"not offered: {', '.join(missing)}"))
    else:
        found.append(Finding(name, "MOVE/COPY", Level.OK, "offered"))
    return found


async def check_caldav(transport: Transport, home_url: str) -> list[Finding]:
    """The calendar home, as the account's principal names it, and sync-collection."""
    name = transport.backend
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_CALDAV_NS}><d:prop>'
        "<d:current-user-principal/><d:resourcetype/><d:supported-report-set/>"
        "</d:prop></d:propfind>"
    ).encode()
    try:
        reply = await transport.request(
            "PROPFIND",
            home_url,
            what="PROPFIND",
            ok=(207,),
            headers={"Depth": "1", "Content-Type": "application/xml"},
            data=body,
        )
        found = [Finding(name, "reachable, credentials accepted", Level.OK, home_url)]
        root = xml.parse(reply.body, backend=name)
        found.append(await _calendar_home(transport, home_url, root))
    except ConnectorError as exc:
        return [_refused(name, exc)]
    calendars = [
        response
        for response in root.iter(f"{_D}response")
        if response.find(f".//{_D}resourcetype/{_C}calendar") is not None
    ]
    if not calendars:
        found.append(
            Finding(
                name, "sync-collection", Level.OK, "no calendar yet to ask (asked at first read)"
            )
        )
    elif any(c.find(f".//{_D}sync-collection") is not None for c in calendars):
        found.append(Finding(name, "sync-collection", Level.OK, "offered"))
    else:
        found.append(
            Finding(
                name,
                "sync-collection",
                Level.WARN,
                "not offered: every read fetches whole calendars (slower)",
            )
        )
    return found


async def _calendar_home(transport: Transport, home_url: str, root: xml.Element) -> Finding:
    name = transport.backend
    principal = root.findtext(f".//{_D}current-user-principal/{_D}href")
    if not principal:
        return Finding(name, "calendar home", Level.WARN, "the server names no principal")
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_CALDAV_NS}><d:prop>'
        "<c:calendar-home-set/></d:prop></d:propfind>"
    ).encode()
    target = transport.redirect_target(home_url, principal.strip(), "principal", 207)
    reply = await transport.request(
        "PROPFIND",
        target,
        what="PROPFIND principal",
        ok=(207,),
        headers={"Depth": "0", "Content-Type": "application/xml"},
        data=body,
    )
    homes = [
        transport.redirect_target(target, (href.text or "").strip(), "home", 207)
        for href in xml.parse(reply.body, backend=name).iterfind(
            f".//{_C}calendar-home-set/{_D}href"
        )
    ]
    if not homes:
        return Finding(name, "calendar home", Level.WARN, "the principal names no calendar home")
    if any(home.rstrip("/") == home_url.rstrip("/") for home in homes):
        return Finding(name, "calendar home", Level.OK, "the URL is the account's calendar home")
    return Finding(
        name,
        "calendar home",
        Level.FAIL,
        f"the URL is not the account's calendar home; the server names {', '.join(homes)}",
    )


async def check_oidc(issuer: str, limit: float) -> list[Finding]:
    """The provider's discovery document and its JWKS."""
    name = "oidc"
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    limits = aiohttp.ClientTimeout(total=limit)
    try:
        async with aiohttp.ClientSession(timeout=limits) as http:
            async with http.get(url) as reply:
                if reply.status != 200:
                    return [
                        Finding(name, "reachable", Level.FAIL, f"{url} answered {reply.status}")
                    ]
                document = await reply.json(content_type=None)
            if document.get("issuer") != issuer:
                return [
                    Finding(
                        name,
                        "issuer",
                        Level.FAIL,
                        f"the provider calls itself {document.get('issuer')!r}, not {issuer!r}",
                    )
                ]
            async with http.get(str(document.get("jwks_uri", ""))) as keys:
                ok = keys.status == 200 and bool((await keys.json(content_type=None)).get("keys"))
    except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError) as exc:
        return [Finding(name, "reachable", Level.FAIL, f"{url}: {exc.__class__.__name__}")]
    found = [Finding(name, "reachable, issuer matches", Level.OK, issuer)]
    level, detail = (Level.OK, "published") if ok else (Level.FAIL, "the JWKS has no key")
    found.append(Finding(name, "signing keys", level, detail))
    return found
