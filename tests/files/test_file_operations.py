"""Folders, uploads, moves and deletes through the API, each one in the audit trail."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from sqlalchemy import select

from hub.audit.models import AuditEntry
from tests.files.helpers import CREATE_FOLDER, DELETE, FOLDER, MOVE, SHARE, names, upload
from tests.files.helpers import workspace_ids as ids
from tests.support.graphql import GraphQLClient
from tests.support.world import World


async def audit_trail(world: World) -> list[tuple[str, str | None, str]]:
    async with world.services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("file.%")).order_by(AuditEntry.id)
        )
        return [(row.action, row.town_id, row.outcome) for row in rows]


async def test_louis_files_a_document_then_tidies_it_away(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]

    folder = await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Conseil"}, token=louis)
    stored = await upload(files_gql, louis, igny, "/Conseil/odj.md", b"# Ordre du jour\n")
    moved = await files_gql(
        MOVE, {"workspace": igny, "from": "/Conseil/odj.md", "to": "/odj-2027.md"}, token=louis
    )

    assert folder.ok()["createFolder"] == {"path": "/Conseil", "name": "Conseil", "folder": True}
    assert stored.ok()["uploadFile"]["size"] == 16
    assert moved.ok()["moveEntry"] == {"path": "/odj-2027.md", "name": "odj-2027.md"}
    assert await names(files_gql, louis, igny) == ["Conseil", "odj-2027.md"]
    assert (on_disk / "igny" / "odj-2027.md").read_bytes() == b"# Ordre du jour\n"

    deleted = await files_gql(DELETE, {"workspace": igny, "path": "/Conseil"}, token=louis)

    assert deleted.ok() == {"deleteEntry": True}
    assert await names(files_gql, louis, igny) == ["odj-2027.md"]
    igny_id = files_world.towns["igny"].id
    assert await audit_trail(files_world) == [
        ("file.mkdir", igny_id, "ok"),
        ("file.upload", igny_id, "ok"),
        ("file.move", igny_id, "ok"),
        ("file.delete", igny_id, "ok"),
    ]


async def test_moving_onto_an_existing_entry_conflicts_unless_asked_to_overwrite(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await upload(files_gql, louis, igny, "/a.txt", b"nouveau")
    await upload(files_gql, louis, igny, "/b.txt", b"ancien")
    move = {"workspace": igny, "from": "/a.txt", "to": "/b.txt"}

    refused = await files_gql(MOVE, move, token=louis)
    assert refused.codes == ["CONFLICT"]
    assert (on_disk / "igny" / "b.txt").read_bytes() == b"ancien"

    replaced = await files_gql(MOVE, {**move, "overwrite": True}, token=louis)
    assert replaced.ok()["moveEntry"]["path"] == "/b.txt"
    assert (on_disk / "igny" / "b.txt").read_bytes() == b"nouveau"
    assert await names(files_gql, louis, igny) == ["b.txt"]


async def test_uploading_onto_an_existing_file_conflicts_unless_overwrite(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await upload(files_gql, louis, igny, "/pv.txt", b"v1")

    refused = await upload(files_gql, louis, igny, "/pv.txt", b"v2")
    replaced = await upload(files_gql, louis, igny, "/pv.txt", b"v3", overwrite=True)

    assert refused.codes == ["CONFLICT"]
    assert replaced.ok()["uploadFile"]["path"] == "/pv.txt"
    assert (on_disk / "igny" / "pv.txt").read_bytes() == b"v3"


async def test_missing_entries_and_existing_folders_are_told_apart(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Budget"}, token=louis)

    again = await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Budget"}, token=louis)
    orphan = await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/a/b"}, token=louis)
    gone = await files_gql(DELETE, {"workspace": igny, "path": "/absent.txt"}, token=louis)
    nowhere = await files_gql(
        MOVE, {"workspace": igny, "from": "/absent.txt", "to": "/b.txt"}, token=louis
    )
    unlisted = await files_gql(FOLDER, {"id": igny, "path": "/absent"}, token=louis)

    assert again.codes == ["CONFLICT"]
    assert orphan.codes == ["NOT_FOUND"]
    assert gone.codes == ["NOT_FOUND"]
    assert nowhere.codes == ["NOT_FOUND"]
    assert unlisted.codes == ["NOT_FOUND"]


async def test_the_root_cannot_be_deleted_or_moved(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Dossier"}, token=louis)

    root = await files_gql(DELETE, {"workspace": igny, "path": "/"}, token=louis)
    into_itself = await files_gql(
        MOVE, {"workspace": igny, "from": "/Dossier", "to": "/Dossier/sous"}, token=louis
    )

    assert root.codes == ["BAD_INPUT"]
    assert into_itself.codes == ["BAD_INPUT"]
    assert (on_disk / "igny" / "Dossier").is_dir()


async def test_french_names_round_trip_whatever_the_normalisation(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    name = "Procès-verbal du conseil d’école – séance n°3 (l'été).txt"
    decomposed = unicodedata.normalize("NFD", f"/Élus et délégués/{name}")
    await files_gql(CREATE_FOLDER, {"workspace": igny, "path": "/Élus et délégués"}, token=louis)

    stored = await upload(files_gql, louis, igny, decomposed, "é".encode())
    listed = await names(files_gql, louis, igny, unicodedata.normalize("NFD", "/Élus et délégués"))

    assert stored.ok()["uploadFile"]["name"] == unicodedata.normalize("NFC", name)
    assert listed == [unicodedata.normalize("NFC", name)]
    assert await names(files_gql, louis, igny) == ["Élus et délégués"]


async def test_a_path_ending_with_a_slash_keeps_the_files_own_name(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]

    stored = await upload(files_gql, louis, igny, "/", b"x", filename="Délibération n°12.pdf")
    unsafe = await upload(files_gql, louis, igny, "/", b"x", filename="..")

    assert stored.ok()["uploadFile"]["path"] == "/Délibération n°12.pdf"
    assert unsafe.codes == ["BAD_INPUT"]


async def test_an_action_in_a_shared_workspace_shows_in_each_towns_trail(
    files_gql: GraphQLClient, files_world: World
) -> None:
    reply = await files_gql(
        SHARE,
        {"name": "PLU intercommunal", "towns": ["igny", "bievres"]},
        token=files_world.token("admin"),
    )
    shared = reply.ok()["createSharedWorkspace"]["id"]

    stored = await upload(files_gql, files_world.token("camille"), shared, "/plu.txt", b"PLU")

    assert stored.ok()
    towns = {files_world.towns["igny"].id, files_world.towns["bievres"].id}
    trail = await audit_trail(files_world)
    assert sorted(trail) == sorted(("file.upload", town, "ok") for town in towns)
