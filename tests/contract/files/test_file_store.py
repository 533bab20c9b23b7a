"""The FileStore contract, run against every backend (see conftest: ``store``)."""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import AsyncIterator

import pytest

from connectors.errors import Conflict, NotFound, RequestError, Unavailable
from connectors.files.port import FileStore
from hub.files.paths import normalise
from tests.contract.files.conftest import StoreFactory


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: FileStore, path: str, **kwargs: object) -> bytes:
    download = await store.download(path, **kwargs)  # type: ignore[arg-type]
    return b"".join([chunk async for chunk in download.chunks()])


async def put(store: FileStore, path: str, data: bytes, **kwargs: bool) -> None:
    await store.upload(path, chunks_of(data), size=len(data), **kwargs)


async def test_list_shows_children_but_not_the_folder_itself(store: FileStore) -> None:
    # given a folder holding a file and a sub-folder
    await store.make_folder("/Conseil")
    await store.make_folder("/Conseil/2026")
    await put(store, "/Conseil/ordre.txt", b"ordre du jour")

    # when it is listed
    entries = await store.list("/Conseil")

    # then both children come back, described, and the folder itself does not
    by_name = {entry.name: entry for entry in entries}
    assert sorted(by_name) == ["2026", "ordre.txt"]
    assert by_name["2026"].folder and by_name["2026"].path == "/Conseil/2026"
    assert not by_name["ordre.txt"].folder
    assert by_name["ordre.txt"].size == 13
    assert by_name["ordre.txt"].etag


async def test_list_of_a_missing_folder_is_not_found(store: FileStore) -> None:
    with pytest.raises(NotFound):
        await store.list("/absent")


async def test_make_folder_twice_is_a_conflict(store: FileStore) -> None:
    # given a folder
    await store.make_folder("/Archives")
    # when it is made again, then the store says it exists
    with pytest.raises(Conflict):
        await store.make_folder("/Archives")


async def test_make_folder_without_parent_is_not_found(store: FileStore) -> None:
    with pytest.raises(NotFound):
        await store.make_folder("/nulle/part")


async def test_ensure_folder_creates_parents_and_is_idempotent(store: FileStore) -> None:
    # when a deep folder is ensured twice
    first = await store.ensure_folder("/a/b/c")
    second = await store.ensure_folder("/a/b/c")
    # then it exists once, as a folder, with its parents
    assert first.folder and second.folder and second.path == "/a/b/c"
    assert [entry.name for entry in await store.list("/a/b")] == ["c"]


async def test_upload_then_download_round_trips_with_ranges(store: FileStore) -> None:
    # given a file of a few hundred kilobytes uploaded in pieces
    data = os.urandom(300_000)
    entry = await store.upload("/data.bin", chunks_of(data, 7_000), size=len(data))
    assert entry.size == len(data) and not entry.folder and entry.etag

    # when it is read whole, by a closed range and by an open range
    whole = await store.download("/data.bin")
    body = b"".join([chunk async for chunk in whole.chunks()])
    middle = await store.download("/data.bin", byte_range=(1000, 1999))
    middle_body = b"".join([chunk async for chunk in middle.chunks()])
    tail = await store.download("/data.bin", byte_range=(299_990, None))
    tail_body = b"".join([chunk async for chunk in tail.chunks()])

    # then every byte is where it should be, and the entry's etag is the download's
    assert (whole.status, whole.size) == (200, len(data)) and body == data
    assert whole.etag == entry.etag
    assert middle.status == 206 and middle_body == data[1000:2000]
    assert middle.content_range == f"bytes 1000-1999/{len(data)}"
    assert tail.status == 206 and tail_body == data[299_990:]


async def test_upload_of_unknown_size_streams_too(store: FileStore) -> None:
    data = os.urandom(100_000)
    entry = await store.upload("/stream.bin", chunks_of(data, 10_000), size=None)
    assert entry.size == len(data)
    assert await read_all(store, "/stream.bin") == data


async def test_download_of_a_missing_file_is_not_found(store: FileStore) -> None:
    with pytest.raises(NotFound):
        await store.download("/absent.txt")


@pytest.mark.parametrize(
    "typed",
    [
        "/Procès-verbal du conseil.txt",
        unicodedata.normalize("NFD", "/Procès-verbal d’été.txt"),
        "/L'école — année 2026.txt",
        "/Dossier à côté/Ça marche.odt",
    ],
)
async def test_french_names_round_trip(store: FileStore, typed: str) -> None:
    # given a path as a user typed it (maybe NFD from a Mac), normalised by the hub
    path = normalise(typed)
    parent = path.rsplit("/", 1)[0] or "/"
    await store.ensure_folder(parent)

    # when a file is uploaded there and its folder listed
    await put(store, path, "contenu accentué".encode())
    names = [entry.name for entry in await store.list(parent)]

    # then the name comes back exactly, in NFC, and the file reads back
    assert names == [path.rsplit("/", 1)[1]]
    assert unicodedata.is_normalized("NFC", names[0])
    assert (await store.stat(path)).path == path
    assert await read_all(store, path) == "contenu accentué".encode()


async def test_upload_cut_off_midway_leaves_nothing_visible(store: FileStore) -> None:
    # given a source that fails after sending part of the file
    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(200_000)
        raise ConnectionResetError("the browser went away")

    # when it is uploaded, then the upload fails as a request error
    with pytest.raises(RequestError):
        await store.upload("/coupé.bin", broken(), size=400_000)

    # and neither the file nor any temporary file can be seen
    assert await store.list("/") == []
    with pytest.raises(NotFound):
        await store.stat("/coupé.bin")


async def test_upload_onto_existing_file_needs_overwrite(store: FileStore) -> None:
    # given a file
    await put(store, "/note.txt", b"v1")
    # when it is uploaded again without overwrite, then it is a conflict and v1 stays
    with pytest.raises(Conflict):
        await put(store, "/note.txt", b"v2")
    assert await read_all(store, "/note.txt") == b"v1"
    # when with overwrite, then v2 replaces it
    await put(store, "/note.txt", b"v2", overwrite=True)
    assert await read_all(store, "/note.txt") == b"v2"


async def test_move_onto_existing_is_a_conflict_unless_overwrite(store: FileStore) -> None:
    # given two files
    await put(store, "/a.txt", b"A")
    await put(store, "/b.txt", b"B")

    # when a is moved onto b without overwrite, then it is refused and nothing changes
    with pytest.raises(Conflict):
        await store.move("/a.txt", "/b.txt")
    assert await read_all(store, "/b.txt") == b"B"

    # when with overwrite, then b holds a's content and a is gone
    moved = await store.move("/a.txt", "/b.txt", overwrite=True)
    assert moved.path == "/b.txt"
    assert await read_all(store, "/b.txt") == b"A"
    with pytest.raises(NotFound):
        await store.stat("/a.txt")


async def test_move_renames_a_folder_with_its_content(store: FileStore) -> None:
    await store.ensure_folder("/ancien")
    await put(store, "/ancien/f.txt", b"x")
    moved = await store.move("/ancien", "/nouveau")
    assert moved.folder and moved.path == "/nouveau"
    assert [entry.name for entry in await store.list("/nouveau")] == ["f.txt"]


async def test_move_of_a_missing_file_is_not_found(store: FileStore) -> None:
    with pytest.raises(NotFound):
        await store.move("/absent.txt", "/ailleurs.txt")


async def test_delete_removes_and_delete_missing_is_not_found(store: FileStore) -> None:
    # given a file, when deleted, then it is gone
    await put(store, "/jetable.txt", b"x")
    await store.delete("/jetable.txt")
    with pytest.raises(NotFound):
        await store.stat("/jetable.txt")
    # when deleted again, then not found
    with pytest.raises(NotFound):
        await store.delete("/jetable.txt")


async def test_server_down_is_unavailable_quickly(
    store_at: StoreFactory, closed_port_url: str
) -> None:
    # given a store pointed at a port nobody listens on
    down = store_at(closed_port_url, 5.0)
    started = time.monotonic()
    # when any call is made, then it is Unavailable, well before the timeout
    with pytest.raises(Unavailable):
        await down.list("/")
    with pytest.raises(Unavailable):
        await put(down, "/f.txt", b"x", overwrite=True)
    assert time.monotonic() - started < 2.0


async def test_server_hanging_is_unavailable_at_the_timeout(
    store_at: StoreFactory, hanging_url: str
) -> None:
    # given a store pointed at a server that accepts connections but never answers
    hanging = store_at(hanging_url, 0.5)
    started = time.monotonic()
    # when a call is made, then it is Unavailable once the timeout has passed
    with pytest.raises(Unavailable):
        await hanging.stat("/")
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 3.0
