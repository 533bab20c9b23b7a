"""Uploading onto a name already taken (keep both), and the files changed most recently."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.files.naming import free_name, numbered
from tests.files.helpers import CREATE_FOLDER, RECENT, names, upload
from tests.files.helpers import workspace_ids as ids
from tests.support.graphql import GraphQLClient
from tests.support.world import World


async def test_keep_both_stores_the_new_file_under_a_numbered_name(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await upload(files_gql, louis, igny, "/Budget 2027.pdf", b"v1")

    second = await upload(
        files_gql, louis, igny, "/", b"v2", filename="Budget 2027.pdf", keep_both=True
    )
    third = await upload(files_gql, louis, igny, "/Budget 2027.pdf", b"v3", keep_both=True)
    both = await upload(
        files_gql, louis, igny, "/Budget 2027.pdf", b"x", keep_both=True, overwrite=True
    )

    assert second.ok()["uploadFile"]["name"] == "Budget 2027 (2).pdf"
    assert third.ok()["uploadFile"]["name"] == "Budget 2027 (3).pdf"
    assert both.codes == ["BAD_INPUT"]
    assert (on_disk / "igny" / "Budget 2027.pdf").read_bytes() == b"v1"
    assert (on_disk / "igny" / "Budget 2027 (3).pdf").read_bytes() == b"v3"


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("a.pdf", set(), "/d/a.pdf"),
        ("a.pdf", {"a.pdf"}, "/d/a (2).pdf"),
        ("a (2).pdf", {"a (2).pdf", "a (3).pdf"}, "/d/a (4).pdf"),
        (".profil", {".profil"}, "/d/.profil (2)"),
        ("archive.tar.gz", {"archive.tar.gz"}, "/d/archive.tar (2).gz"),
    ],
)
def test_numbered_names(name: str, taken: set[str], expected: str) -> None:
    assert free_name(f"/d/{name}", taken) == expected
    assert numbered("PV.md", 2) == "PV (2).md"


async def test_recent_files_come_from_every_level_newest_first(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Conseil"}, token=louis)
    await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Conseil/2027"}, token=louis)
    for path in ("/ancien.txt", "/Conseil/ordre du jour.txt", "/Conseil/2027/pv.txt"):
        (await upload(files_gql, louis, igny, path, b"x")).ok()
        await asyncio.sleep(1.1)  # the file server's times are to the second

    reply = await files_gql(RECENT, {"first": 2}, token=louis)

    (workspace,) = [w for w in reply.ok()["workspaces"] if w["id"] == igny]
    assert [e["path"] for e in workspace["recentFiles"]] == [
        "/Conseil/2027/pv.txt",
        "/Conseil/ordre du jour.txt",
    ]
    assert await names(files_gql, louis, igny) == ["Conseil", "ancien.txt"]
    assert (await files_gql(RECENT, {"first": 0}, token=louis)).codes == ["BAD_INPUT"]
