"""Searching a store by name, on every backend: Nextcloud by its own SEARCH (the double, as
strict as the real server), WsgiDAV and Apache's mod_dav (no DASL) by a bounded walk."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import defusedxml.ElementTree as DefusedET
import pytest
from aiohttp import web

from connectors.files import search as dav_search
from connectors.files._dav import parse_multistatus
from connectors.files.nextcloud import NextcloudStore
from connectors.files.port import FileStore
from connectors.files.webdav import WebDavStore
from hub.files import walk
from hub.files.search import checked_text, search_store
from tests.contract.files.test_file_store import put
from tests.doubles.nextcloud import NextcloudDouble
from tests.support.local_server import serving

SEARCHES = {"webdav": False, "apache": False, "nextcloud": True}
DOCUMENTS = [
    "/Budget 2026.pdf",
    "/Conseil/2027/budget primitif.csv",
    "/Écoles/École maternelle – inscriptions.pdf",
    "/Écoles/Cantine.pdf",
    "/Éclairage public.odt",
    "/Cœur de ville.txt",
    "/Divers/notes.txt",
]


async def fill(store: FileStore, paths: list[str]) -> None:
    for path in paths:
        await store.ensure_folder(path.rsplit("/", 1)[0] or "/")
        await put(store, path, b"x")


async def found(store: FileStore, text: str, **kwargs: int) -> list[str]:
    result = await search_store(store, checked_text(text), text, 5.0, **kwargs)
    assert result.stopped is None
    return sorted(entry.path for entry in result.entries)


async def test_names_are_found_whatever_their_case_accents_and_ligatures(
    store: FileStore, backend: str
) -> None:
    # given documents at several depths, with accents, capitals and a ligature
    await fill(store, DOCUMENTS)

    # when names are searched for as people type them
    # then every match comes back, at any depth, folders too, and nothing else
    assert await found(store, "budget") == ["/Budget 2026.pdf", "/Conseil/2027/budget primitif.csv"]
    assert await found(store, "ecole") == [
        "/Écoles",
        "/Écoles/École maternelle – inscriptions.pdf",
    ]
    assert await found(store, "ÉCOLE MATERNELLE") == ["/Écoles/École maternelle – inscriptions.pdf"]
    assert await found(store, "coeur") == ["/Cœur de ville.txt"]
    assert await found(store, "cœur  de") == ["/Cœur de ville.txt"]
    assert await found(store, "introuvable") == []
    # and each backend is searched the way it can be
    result = await search_store(store, "budget", "budget", 5.0)
    assert result.searched_by_server is SEARCHES[backend]


async def test_temporary_uploads_are_never_found(store: FileStore) -> None:
    await fill(store, ["/Budget.pdf"])
    await put(store, "/.~entente-upload-budget", b"partial")
    assert await found(store, "budget") == ["/Budget.pdf"]


async def test_the_servers_without_search_say_so(store: FileStore, backend: str) -> None:
    # WsgiDAV and mod_dav send no DASL header: the store answers None and the hub walks
    answered = await store.search("budget", limit=10)
    assert (answered is not None) is SEARCHES[backend]


async def test_a_walk_cut_short_by_its_bounds_says_so(
    store: FileStore, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a file deeper than the walk goes
    monkeypatch.setattr(walk, "MAX_DEPTH", 2)
    await fill(store, ["/a/b/c/d/Budget profond.pdf", "/Budget.pdf"])

    result = await search_store(store, "budget", "budget", 5.0)

    names = sorted(entry.name for entry in result.entries)
    if SEARCHES[backend]:  # the server's search has no depth limit
        assert names == ["Budget profond.pdf", "Budget.pdf"] and result.stopped is None
    else:  # the walk found what it reached, and says it stopped
        assert names == ["Budget.pdf"]
        assert result.stopped is not None and "walk" in result.stopped


async def test_a_server_answer_as_long_as_asked_may_have_left_matches_out(
    store: FileStore, backend: str
) -> None:
    await fill(store, [f"/Budget {n}.pdf" for n in range(4)])
    result = await search_store(store, "budget", "budget", 5.0, server_results=3)
    if SEARCHES[backend]:
        assert len(result.entries) == 3 and result.stopped is not None
    else:
        assert len(result.entries) == 4 and result.stopped is None


# --- Nextcloud's SEARCH, as the double answers it (its rules come from upstream) ----------


async def test_nextcloud_searches_by_like_but_keeps_accents(
    nextcloud_store: NextcloudStore, nextcloud_double: NextcloudDouble
) -> None:
    # given names with accents
    await fill(nextcloud_store, DOCUMENTS)
    transport = nextcloud_store.transport
    arbiter = f"{nextcloud_double.url}/remote.php/dav/"
    scope = f"/files/{nextcloud_double.username}{nextcloud_store.root}"

    async def like(pattern: str) -> list[str]:
        body = dav_search.basicsearch(scope, pattern, 50, dav_search.NEXTCLOUD_SEARCH_PROPS)
        answer = await dav_search.search(transport, arbiter, body, "test")
        return sorted(r.href_path.rstrip("/").rsplit("/", 1)[1] for r in parse_multistatus(answer))

    # then the server's LIKE ignores case but not accents: the text itself misses "École"
    assert await like("%ECOLE%") == []
    assert await like("%budget%") == ["Budget 2026.pdf", "budget primitif.csv"]
    # and the hub's pattern reaches it, among other names the hub then sets aside
    pattern = dav_search.like_pattern(dav_search.fold("ecole"))
    assert {"Écoles", "École maternelle – inscriptions.pdf"} <= set(await like(pattern))


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"path": "/remote.php/dav/files/{user}/"}, 501),  # only the DAV root searches
        ({"content_type": "text/plain"}, 501),  # not an XML query: nobody handles it
        ({"body": b"<d:searchrequest xmlns:d='DAV:'><d:basicsearch>"}, 400),
        ({"scope": "/files/{user}/%C3%89coles"}, 404),  # a relative scope is not decoded
        ({"scope": "/files/{user}/Budget 2026.pdf"}, 500),  # a file is not a scope
        ({"where": "<d:eq><d:prop><d:resourcetype/></d:prop><d:literal>x</d:literal></d:eq>"}, 400),
        ({"select": ""}, 400),
    ],
)
async def test_the_nextcloud_double_refuses_what_nextcloud_refuses(
    nextcloud_store: NextcloudStore,
    nextcloud_double: NextcloudDouble,
    change: dict[str, object],
    status: int,
) -> None:
    await fill(nextcloud_store, DOCUMENTS)
    user = nextcloud_double.username
    root = nextcloud_store.root
    scope = str(change.get("scope", "/files/{user}")).replace("{user}", user + root)
    where = change.get(
        "where", "<d:like><d:prop><d:displayname/></d:prop><d:literal>%a%</d:literal></d:like>"
    )
    select = change.get("select", "<d:prop><d:getetag/></d:prop>")
    body = change.get(
        "body",
        (
            f"<d:searchrequest xmlns:d='DAV:'><d:basicsearch><d:select>{select}</d:select>"
            f"<d:from><d:scope><d:href>{scope}</d:href><d:depth>infinity</d:depth></d:scope>"
            f"</d:from><d:where>{where}</d:where></d:basicsearch></d:searchrequest>"
        ).encode(),
    )
    path = str(change.get("path", "/remote.php/dav/")).replace("{user}", user + root)
    reply = await nextcloud_store.transport.send(
        "SEARCH",
        nextcloud_double.url + path,
        what="test",
        headers={"Content-Type": str(change.get("content_type", "text/xml"))},
        data=body,  # type: ignore[arg-type]
    )
    assert reply.status == status


async def test_nextcloud_announces_its_search_on_the_dav_root_only(
    nextcloud_store: NextcloudStore, nextcloud_double: NextcloudDouble
) -> None:
    transport = nextcloud_store.transport
    root = await transport.send("OPTIONS", f"{nextcloud_double.url}/remote.php/dav/", what="t")
    files = await transport.send(
        "OPTIONS",
        f"{nextcloud_double.url}/remote.php/dav/files/{nextcloud_double.username}/",
        what="t",
    )
    assert root.headers.get("DASL") == "<DAV:basicsearch>"
    assert "DASL" not in files.headers


# --- any other RFC 5323 server: the generic WebDAV store uses its search when offered ------


@pytest.fixture
async def dasl_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path, list[str]]]:
    """A small WebDAV server offering ``DAV:basicsearch`` on its collections (RFC 5323 §3.2):
    PROPFIND Depth 0/1 and SEARCH scoped by an absolute URL, LIKE as the SQL standard has it
    (case-sensitive). Yields its URL, its folder and the methods it was sent."""
    methods: list[str] = []

    def href(path: Path) -> str:
        relative = path.relative_to(tmp_path).as_posix()
        return quote(
            "/dav/" + ("" if relative == "." else relative) + ("/" if path.is_dir() else "")
        )

    def describe(path: Path) -> str:
        kind = "<d:collection/>" if path.is_dir() else ""
        size = (
            ""
            if path.is_dir()
            else f"<d:getcontentlength>{path.stat().st_size}</d:getcontentlength>"
        )
        return (
            f"<d:response><d:href>{href(path)}</d:href><d:propstat><d:prop>"
            f"<d:resourcetype>{kind}</d:resourcetype>{size}</d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        )

    async def handle(request: web.Request) -> web.Response:
        methods.append(request.method)
        local = tmp_path.joinpath(*[p for p in unquote(request.path)[5:].split("/") if p])
        if request.method == "OPTIONS":
            return web.Response(headers={"DAV": "1", "DASL": "<DAV:basicsearch>"})
        if request.method == "SEARCH":
            query = DefusedET.fromstring(await request.read())
            scope = query.findtext(".//{DAV:}scope/{DAV:}href") or ""
            literal = query.findtext(".//{DAV:}literal") or ""
            limit = int(query.findtext(".//{DAV:}nresults") or 100)
            root = tmp_path.joinpath(
                *[p for p in unquote(urlsplit(scope).path)[5:].split("/") if p]
            )
            pattern = "".join({"%": ".*", "_": "."}.get(c, re.escape(c)) for c in literal)
            found = [p for p in sorted(root.rglob("*")) if re.fullmatch(pattern, p.name)]
            items = found[:limit]
        elif request.method == "PROPFIND":
            if not local.exists():
                return web.Response(status=404)
            depth = request.headers.get("Depth", "1")
            items = [local, *(sorted(local.iterdir()) if depth == "1" and local.is_dir() else [])]
        else:
            return web.Response(status=405)
        body = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">'
        body += "".join(describe(item) for item in items) + "</d:multistatus>"
        return web.Response(status=207, text=body, content_type="application/xml")

    app = web.Application()
    app.router.add_route("*", "/dav/{path:.*}", handle)
    async with serving(app) as port:
        yield f"http://127.0.0.1:{port}/dav", tmp_path, methods


async def test_a_webdav_server_offering_basicsearch_is_searched_by_it(
    dasl_server: tuple[str, Path, list[str]],
) -> None:
    url, folder, methods = dasl_server
    (folder / "Écoles" / "2026").mkdir(parents=True)
    (folder / "Écoles" / "2026" / "École maternelle.pdf").write_bytes(b"x")
    (folder / "Écoles" / "Cantine.pdf").write_bytes(b"x")
    store = WebDavStore(url, username="u", password="p", root="/Écoles")
    try:
        result = await search_store(store, "ecole", "ecole", 5.0)
        again = await search_store(store, "cantine", "cantine", 5.0)
    finally:
        await store.aclose()

    # found by the server's search (asked for its support once), the hub's rule applied
    assert result.searched_by_server and result.stopped is None
    assert [e.path for e in result.entries] == ["/2026/École maternelle.pdf"]
    assert [e.path for e in again.entries] == ["/Cantine.pdf"]
    assert methods == ["OPTIONS", "SEARCH", "SEARCH"]
