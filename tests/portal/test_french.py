"""French written as French administration software: every page in French, no English word,
no code, no id, no "(s)"; the portal's own sentences typeset (no-break spaces); every message
translated for the English pages.

Against `hub demo` (real backends, the demo's data), over HTTP: the pages as served.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser

import httpx
import pytest

from hub.portal import catalogues
from hub.portal.i18n import Language
from tests.portal.browser import PASSWORDS

ENGLISH = re.compile(
    r"\b(the|and|of|to|is|are|not|with|your|you|please|error|failed|pending|directory|"
    r"calendar|files?|folders?|steps?|done|ok|null|none|true|false|found|internal|server|"
    r"refused|towns?|events?|share|staff|manager|upload|download|delete|workspace|settings|"
    r"sign|login|logout|password|username|today|week|month|back|next|previous|submit|cancel|"
    r"save|edit|unknown|invalid|forbidden|conflict|timeout|backend|unavailable)\b",
    re.IGNORECASE,
)
CODES = re.compile(
    r"\b[A-Z]{2,}_[A-Z_]{2,}\b|\b(?:membership|person|event|file|town|session|feed|workspace)"
    r"\.[a-z]|\b[0-9a-f]{32}\b"
)
HALF_DONE = re.compile(r"\(s\)|\(e\)|\(es\)|%\(|\{[a-z]+\}")
SKIPPED = {"script", "style", "code", "title"}


class VisibleText(HTMLParser):
    """The text a French reader sees: no scripts, nothing marked in another language."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "col", "source"}:
            return
        lang = dict(attrs).get("lang")
        foreign = bool(lang) and not str(lang).startswith("fr")
        hidden = tag in SKIPPED or foreign or (bool(self.stack) and self.stack[-1][1])
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            opened, _ = self.stack.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Accept": "text/html"}, timeout=30)
    form = client.get("/auth/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    reply = client.post(
        "/auth/login",
        data={
            "username": username,
            "password": PASSWORDS[username],
            "csrf": csrf.group(1),
            "next": "/",
        },
    )
    assert reply.status_code == 303, reply.text
    return client


PAGES = {
    "camille": [
        "/",
        "/agenda",
        "/agenda?month=2026-11",
        "/agenda/events/new",
        "/agenda/subscription",
        "/files",
        "/files/search?text=proces-verbal",
        "/files/search?text=b",
        "/time-sharing?month=2026-11",
        "/towns/igny",
        "/nowhere",
    ],
    "admin": ["/admin", "/admin/people", "/admin/audit", "/towns/bievres?find=a"],
    "ines": ["/admin/audit?town=bievres", "/admin/people", "/towns/bievres"],
    "sophie": ["/", "/privacy", "/privacy?town=igny&search=louis", "/admin/audit?town=igny"],
}


def pages(base: str) -> Iterator[tuple[str, str, httpx.Response]]:
    for username, paths in PAGES.items():
        with closing(signed_in(base, username)) as client:
            for path in paths:
                yield username, path, client.get(path)


@pytest.mark.browser
def test_french_pages_have_no_english_no_codes_and_nothing_half_done(demo: str) -> None:
    found: list[str] = []
    for username, path, reply in pages(demo):
        assert reply.status_code in (200, 404), (username, path, reply.status_code)
        assert '<html lang="fr">' in reply.text, (username, path)
        text = visible(reply.text)
        for pattern in (ENGLISH, CODES, HALF_DONE):
            found += [f"{username} {path}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert found == []


@pytest.mark.browser
def test_an_unknown_address_is_a_french_page(demo: str) -> None:
    with closing(signed_in(demo, "camille")) as client:
        reply = client.get("/nulle-part/ici")

    assert reply.status_code == 404
    text = visible(reply.text)
    assert "Page introuvable" in text and "Cette page n'existe pas." in text


def test_the_portals_own_french_sentences_are_typeset() -> None:
    french = Language("fr")
    loose = re.compile(r" [:;!?»%]|« ")
    found = []
    for message in catalogues.extract():
        if not message.id:
            continue
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        text = french.gettext(singular)
        if loose.search(re.sub(r"%\([a-z_]+\)[sd]", "x", text)):
            found.append(text)
    assert found == []
