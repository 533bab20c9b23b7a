"""What every file backend must do whatever server a town runs (issue: the DAV servers towns
actually run). Apache's mod_dav redirects a folder named without its trailing slash, WsgiDAV
decodes a MOVE's Destination before parsing it as a URL: the stores must come out right on
each, working from RFC 4918 rather than from one server's habits."""

from __future__ import annotations

import pytest

from connectors import errors
from connectors.files.port import TEMP_PREFIX, FileStore
from hub.embedded.process import EmbeddedServer
from tests.contract.files.test_file_store import put, read_all
from tests.doubles.nextcloud import NextcloudDouble

# Each name holds a character RFC 3986 reserves; ";" starts path parameters in a URL.
RESERVED_NAMES = [".htaccess;x", "CON;x.txt", "trail ;z", "ordre#2.txt", "a&b=c+d,e.txt"]


async def test_a_folder_is_listed_and_made_without_its_trailing_slash(store: FileStore) -> None:
    # given a folder made by the store (Apache answers MKCOL 201, then 301 to a PROPFIND of
    # the folder without its trailing slash)
    made = await store.make_folder("/Conseil")
    await put(store, "/Conseil/ordre.txt", b"ordre du jour")
    # when it is stat'ed and listed by its path, as the hub names folders
    stat = await store.stat("/Conseil")
    listed = await store.list("/Conseil")
    # then the redirect was followed: the folder and its file come back
    assert made.folder and made.path == "/Conseil"
    assert stat.folder and stat.path == "/Conseil"
    assert [entry.name for entry in listed] == ["ordre.txt"]


async def test_moving_a_folder_onto_an_existing_folder_is_a_conflict(store: FileStore) -> None:
    # given two folders
    await store.make_folder("/a")
    await store.make_folder("/b")
    await put(store, "/b/garde.txt", b"b")
    # when one is moved onto the other without overwrite, then it is a conflict
    with pytest.raises(errors.Conflict):
        await store.move("/a", "/b")
    # and nothing changed
    assert [entry.name for entry in await store.list("/b")] == ["garde.txt"]
    assert (await store.stat("/a")).folder


@pytest.mark.parametrize("name", RESERVED_NAMES)
async def test_a_name_with_a_reserved_character_is_kept_or_refused_untouched(
    store: FileStore, name: str
) -> None:
    # when a file is uploaded under that name
    try:
        entry = await store.upload(f"/{name}", _one(b"contenu"), size=7)
    except errors.RequestError as refused:
        # then either the store refuses it, as a name the server would not keep, and nothing
        # at all was written (no file under a cut name, no temporary file)
        assert type(refused).__name__ == "NameRefused", refused
        assert await _everything(store) == []
        return
    # or the file is there under exactly that name, alone
    assert entry.path == f"/{name}"
    assert [e.name for e in await _everything(store)] == [name]
    assert await read_all(store, f"/{name}") == b"contenu"


@pytest.mark.parametrize("name", RESERVED_NAMES)
async def test_a_move_to_a_name_with_a_reserved_character_is_kept_or_refused_untouched(
    store: FileStore, name: str
) -> None:
    # given a file
    await put(store, "/source.txt", b"x")
    # when it is moved to that name
    try:
        moved = await store.move("/source.txt", f"/{name}")
    except errors.RequestError as refused:
        # then either it is refused and the file did not move
        assert type(refused).__name__ == "NameRefused", refused
        assert [e.name for e in await _everything(store)] == ["source.txt"]
        return
    # or it is there under exactly that name
    assert moved.path == f"/{name}"
    assert [e.name for e in await _everything(store)] == [name]


async def _everything(store: FileStore) -> list[object]:
    """Every entry of the root, temporary uploads included (as the server has them)."""
    list_all = getattr(store, "list_all", store.list)
    found = await list_all("/")
    return sorted(found, key=lambda entry: entry.name)


@pytest.fixture
def credentials_of(request: pytest.FixtureRequest, backend: str) -> tuple[str, str]:
    """The URL and user name of the backend's server (the password is the test's)."""
    if backend == "nextcloud":
        double: NextcloudDouble = request.getfixturevalue("nextcloud_double")
        return double.url, double.username
    server: EmbeddedServer = request.getfixturevalue(
        "wsgidav" if backend == "webdav" else "apache2"
    )
    return server.url, server.username


async def test_a_wrong_password_is_the_hubs_account_refused_not_a_bad_request(
    store_at: object, backend: str, credentials_of: tuple[str, str]
) -> None:
    # given a store whose password is wrong
    from connectors.files.nextcloud import NextcloudStore
    from connectors.files.webdav import WebDavStore

    url, username = credentials_of
    if backend == "nextcloud":
        wrong: FileStore = NextcloudStore(url, username=username, password="not-it", root="/x")
    else:
        wrong = WebDavStore(url, username=username, password="not-it", root="/")
    try:
        # when it lists and writes, then the server refused the hub's own account: that is
        # no refusal of the request (retrying or rewording it cannot help)
        for call in (wrong.list("/"), wrong.make_folder("/nouveau")):
            with pytest.raises(errors.Forbidden) as refused:
                await call
            assert not isinstance(refused.value, errors.RequestError)
    finally:
        await wrong.aclose()


async def test_temporary_uploads_are_hidden_from_listings_but_not_from_list_all(
    store: FileStore,
) -> None:
    # given a temporary upload left behind (a server that died mid-upload)
    await put(store, f"/{TEMP_PREFIX}orphan", b"partial")
    await put(store, "/visible.txt", b"x")
    # when the folder is listed, then only the real file shows; list_all shows both
    assert [e.name for e in await store.list("/")] == ["visible.txt"]
    assert sorted(e.name for e in await _everything(store)) == [  # type: ignore[attr-defined]
        f"{TEMP_PREFIX}orphan",
        "visible.txt",
    ]


async def _one(data: bytes):  # type: ignore[no-untyped-def]
    yield data


async def test_stale_temporary_uploads_are_swept_by_age(store: FileStore) -> None:
    from datetime import UTC, datetime, timedelta

    from hub.files.sweep import stale_uploads

    # given temporary uploads left in the root and in a sub-folder, and a real file
    await store.make_folder("/Conseil")
    await put(store, f"/{TEMP_PREFIX}a", b"partial")
    await put(store, f"/Conseil/{TEMP_PREFIX}b", b"partial")
    await put(store, "/Conseil/garde.txt", b"x")
    now = datetime.now(UTC)
    # when swept with an age none of them has reached, then nothing is removed
    assert await stale_uploads(store, now - timedelta(hours=1)) == []
    # when swept with one all of them have, then exactly the temporaries go
    removed = await stale_uploads(store, now + timedelta(minutes=1))
    assert sorted(removed) == [f"/{TEMP_PREFIX}a", f"/Conseil/{TEMP_PREFIX}b"]
    assert [e.name for e in await _everything(store)] == ["Conseil"]
    assert [e.name for e in await store.list_all("/Conseil")] == ["garde.txt"]
