"""What only the Nextcloud backend does: its properties, chunked upload v2, groups and team
folders; and the double's own strictness (a double laxer than Nextcloud would hide bugs)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from connectors.errors import RequestError, TooLarge
from connectors.files.nextcloud import MIN_CHUNK, NextcloudStore
from connectors.files.nextcloud_admin import NextcloudAdmin
from tests.doubles.nextcloud import NextcloudDouble

BIG = 2 * MIN_CHUNK + 123_456  # three chunks of at most 5 MiB


async def pieces(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def chunked_store(double: NextcloudDouble, store: NextcloudStore) -> NextcloudStore:
    """Same user and root as ``store``, switching to chunks above 6 MiB, 5 MiB each."""
    return NextcloudStore(
        double.url,
        username=double.username,
        password=double.password,
        root=store.root,
        chunk_threshold=6 * 1024 * 1024,
        chunk_size=MIN_CHUNK,
    )


async def digest(store: NextcloudStore, path: str) -> str:
    download = await store.download(path)
    sha = hashlib.sha256()
    async for chunk in download.chunks():
        sha.update(chunk)
    return sha.hexdigest()


async def test_entries_carry_nextcloud_properties(nextcloud_store: NextcloudStore) -> None:
    # given a folder with a file
    await nextcloud_store.make_folder("/Docs")
    await nextcloud_store.upload("/Docs/a.txt", pieces(b"hello"), size=5)
    # when they are read
    folder = await nextcloud_store.stat("/Docs")
    file = await nextcloud_store.stat("/Docs/a.txt")
    # then the ids, permissions, folder size and the etag's quotes come through
    assert folder.file_id and file.file_id and folder.file_id != file.file_id
    assert folder.permissions and "K" in folder.permissions
    assert file.permissions and "W" in file.permissions
    assert folder.size == 5 and file.size == 5
    assert file.etag and file.etag.startswith('"') and file.etag.endswith('"')


@pytest.mark.parametrize("known_size", [True, False])
async def test_large_upload_goes_in_numbered_chunks(
    nextcloud_double: NextcloudDouble, nextcloud_store: NextcloudStore, known_size: bool
) -> None:
    # given a file over the chunking threshold
    data = os.urandom(BIG)
    store = chunked_store(nextcloud_double, nextcloud_store)
    before = len(nextcloud_double.requests)
    try:
        # when it is uploaded
        entry = await store.upload("/gros.bin", pieces(data), size=BIG if known_size else None)
        # then it arrives whole, through MKCOL, PUT 1..3 and MOVE .file, leaving no upload
        assert entry.size == BIG
        assert await digest(store, "/gros.bin") == hashlib.sha256(data).hexdigest()
    finally:
        await store.aclose()
    calls = nextcloud_double.requests[before:]
    upload_calls = [(m, p.rsplit("/", 1)[1]) for m, p in calls if "/dav/uploads/" in p]
    assert upload_calls == [
        ("MKCOL", upload_calls[0][1]),
        ("PUT", "1"),
        ("PUT", "2"),
        ("PUT", "3"),
        ("MOVE", ".file"),
    ]
    assert nextcloud_double.upload_dirs() == []


async def test_the_last_step_of_a_chunked_upload_waits_for_the_assembly(
    nextcloud_double: NextcloudDouble, nextcloud_store: NextcloudStore
) -> None:
    # given a Nextcloud that answers 0.6 s after assembling, and a store whose timeout is 0.3 s
    size = 6 * MIN_CHUNK  # 30 MiB: about 0.9 s more to wait for its assembly
    store = NextcloudStore(
        nextcloud_double.url,
        username=nextcloud_double.username,
        password=nextcloud_double.password,
        root=nextcloud_store.root,
        chunk_threshold=6 * 1024 * 1024,
        chunk_size=MIN_CHUNK,
        timeout=0.3,
    )
    nextcloud_double.assembly_seconds = 0.6
    try:
        # when a large file is uploaded in chunks
        entry = await store.upload("/assemblé.bin", pieces(b"\0" * size, MIN_CHUNK), size=size)
    finally:
        nextcloud_double.assembly_seconds = 0.0
        await store.aclose()
    # then the answer to the last MOVE was waited for, and the file is there
    assert entry.size == size
    assert nextcloud_double.upload_dirs() == []


async def test_chunked_upload_cut_off_removes_the_upload(
    nextcloud_double: NextcloudDouble, nextcloud_store: NextcloudStore
) -> None:
    # given a large source that fails after the first chunk
    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(MIN_CHUNK + 1000)
        raise ConnectionResetError("gone")

    store = chunked_store(nextcloud_double, nextcloud_store)
    try:
        # when it is uploaded, then it fails and neither file nor upload folder remains
        with pytest.raises(RequestError):
            await store.upload("/coupé.bin", broken(), size=BIG)
        assert await store.list("/") == []
    finally:
        await store.aclose()
    assert nextcloud_double.upload_dirs() == []


async def test_upload_over_quota_is_too_large(
    nextcloud_double: NextcloudDouble, nextcloud_store: NextcloudStore
) -> None:
    # given an account with 1 MiB left
    nextcloud_double.quota_free = 1024 * 1024
    try:
        # when a larger file is uploaded, then the server refuses the size up front
        with pytest.raises(TooLarge):
            await nextcloud_store.upload("/big.bin", pieces(b"x" * 2_000_000), size=2_000_000)
    finally:
        nextcloud_double.quota_free = None
    assert await nextcloud_store.list("/") == []


async def test_ensure_group_is_idempotent(
    nextcloud_double: NextcloudDouble, nextcloud_admin: NextcloudAdmin
) -> None:
    # when a group is ensured twice, then it exists once and no error is raised
    await nextcloud_admin.ensure_group("mairie-saint-martin")
    await nextcloud_admin.ensure_group("mairie-saint-martin")
    assert "mairie-saint-martin" in nextcloud_double.groups


async def test_ensure_team_folder_is_idempotent(
    nextcloud_double: NextcloudDouble, nextcloud_admin: NextcloudAdmin
) -> None:
    # given the town's group
    await nextcloud_admin.ensure_group("mairie-vauclin")
    # when its team folder is ensured twice
    first = await nextcloud_admin.ensure_team_folder("Mairie de Vauclin", "mairie-vauclin")
    second = await nextcloud_admin.ensure_team_folder("Mairie de Vauclin", "mairie-vauclin")
    # then one folder exists, shared with the group, and the same id comes back
    assert first == second
    same_name = [
        f for f in nextcloud_double.folders.values() if f["mount_point"] == "Mairie de Vauclin"
    ]
    assert len(same_name) == 1 and "mairie-vauclin" in same_name[0]["groups"]


async def test_whether_a_group_exists(
    nextcloud_double: NextcloudDouble, nextcloud_admin: NextcloudAdmin
) -> None:
    await nextcloud_admin.ensure_group("mairie-le-robert")
    assert await nextcloud_admin.group_exists("mairie-le-robert")
    # a group deleted in Nextcloud's settings is said missing, not raised
    nextcloud_double.groups.discard("mairie-le-robert")
    assert not await nextcloud_admin.group_exists("mairie-le-robert")


async def test_a_team_folder_renamed_keeps_its_id_and_groups(
    nextcloud_double: NextcloudDouble, nextcloud_admin: NextcloudAdmin
) -> None:
    # given the team folder of Le Lorrain, renamed by hand in Nextcloud's settings
    await nextcloud_admin.ensure_group("mairie-lorrain")
    folder_id = await nextcloud_admin.ensure_team_folder("Le Lorrain", "mairie-lorrain")
    nextcloud_double.folders[folder_id]["mount_point"] = "Le Lorrain (archives)"
    # when the hub names it back
    await nextcloud_admin.rename_team_folder(folder_id, "Le Lorrain")
    # then the same folder has its mount point again, still bound to the group
    folder = (await nextcloud_admin.team_folders())[folder_id]
    assert folder["mount_point"] == "Le Lorrain"
    assert "mairie-lorrain" in folder["groups"]


async def test_a_group_taken_off_a_team_folder(
    nextcloud_double: NextcloudDouble, nextcloud_admin: NextcloudAdmin
) -> None:
    # given Sainte-Luce's team folder, also given by hand to another group
    await nextcloud_admin.ensure_group("mairie-sainte-luce")
    folder_id = await nextcloud_admin.ensure_team_folder("Sainte-Luce", "mairie-sainte-luce")
    await nextcloud_admin.ensure_team_folder("Sainte-Luce", "stagiaires")
    # when the hub takes that group off (twice: the second time it is already gone)
    await nextcloud_admin.unbind_team_folder(folder_id, "stagiaires")
    await nextcloud_admin.unbind_team_folder(folder_id, "stagiaires")
    # then only the town's group reaches the folder
    groups = (await nextcloud_admin.team_folders())[folder_id]["groups"]
    assert set(groups) == {"mairie-sainte-luce"}


# --- the double is as strict as Nextcloud -------------------------------------------------


@pytest.fixture
async def raw(nextcloud_double: NextcloudDouble) -> AsyncIterator[aiohttp.ClientSession]:
    pair = f"{nextcloud_double.username}:{nextcloud_double.password}".encode()
    auth = "Basic " + base64.b64encode(pair).decode()
    async with aiohttp.ClientSession(
        base_url=nextcloud_double.url, headers={"Authorization": auth}
    ) as session:
        yield session


async def test_double_refuses_ocs_without_header_or_auth(
    nextcloud_double: NextcloudDouble, raw: aiohttp.ClientSession
) -> None:
    json_only = {"Accept": "application/json"}
    async with raw.get("/ocs/v2.php/cloud/groups", headers=json_only) as response:
        assert response.status == 412
    async with aiohttp.ClientSession(base_url=nextcloud_double.url) as anonymous:
        headers = {**json_only, "OCS-APIRequest": "true"}
        async with anonymous.get("/ocs/v2.php/cloud/groups", headers=headers) as response:
            body = await response.json()
            assert response.status == 401 and body["ocs"]["meta"]["statuscode"] == 997


async def test_double_refuses_small_middle_chunks_and_missing_destination(
    nextcloud_double: NextcloudDouble, raw: aiohttp.ClientSession
) -> None:
    user = nextcloud_double.username
    base = f"/remote.php/dav/uploads/{user}/manual"
    dest = {"Destination": f"{nextcloud_double.url}/remote.php/dav/files/{user}/petit.bin"}
    async with raw.request("MKCOL", base) as response:
        assert response.status == 400  # v2 needs Destination
    async with raw.request("MKCOL", base, headers=dest) as response:
        assert response.status == 201
    async with raw.put(f"{base}/1", data=b"x" * 10) as response:
        assert response.status == 400  # every PUT needs Destination
    async with raw.put(f"{base}/0", data=b"x" * 10, headers=dest) as response:
        assert response.status == 400  # chunks are numbered from 1
    for number in (1, 2):
        async with raw.put(f"{base}/{number}", data=b"x" * 10, headers=dest) as response:
            assert response.status == 201
    async with raw.request("MOVE", f"{base}/.file", headers=dest) as response:
        assert response.status == 400  # chunk 1 is under 5 MiB and not the last
    async with raw.delete(base) as response:
        assert response.status == 204


async def test_double_answers_unknown_props_in_a_404_propstat(
    nextcloud_double: NextcloudDouble, raw: aiohttp.ClientSession
) -> None:
    body = (
        b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:x="urn:x">'
        b"<d:prop><d:getetag/><x:nope/></d:prop></d:propfind>"
    )
    url = f"/remote.php/dav/files/{nextcloud_double.username}/"
    async with raw.request("PROPFIND", url, data=body, headers={"Depth": "0"}) as response:
        text = await response.text()
    assert response.status == 207
    assert "HTTP/1.1 404 Not Found" in text and "nope" in text
    assert "<d:getetag>&quot;" in text or '<d:getetag>"' in text
