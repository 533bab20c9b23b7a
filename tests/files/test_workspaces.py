"""Each person opens the workspaces of their towns, and nothing else, even with an id."""

from __future__ import annotations

from pathlib import Path

from hub.files.stores import FileStores
from tests.files.helpers import CREATE_FOLDER, FOLDER, SHARE, names, upload, workspace_ids
from tests.support.graphql import GraphQLClient
from tests.support.world import World


async def test_camille_browses_the_three_towns_and_louis_only_igny(
    files_gql: GraphQLClient, files_world: World
) -> None:
    admin = files_world.token("admin")
    shared = await files_gql(
        SHARE, {"name": "PLU intercommunal", "towns": ["igny", "bievres"]}, token=admin
    )
    assert shared.ok()["createSharedWorkspace"]["shared"] is True

    camille = await workspace_ids(files_gql, files_world.token("camille"))
    louis = await workspace_ids(files_gql, files_world.token("louis"))

    assert set(camille) == {"Igny", "Bièvres", "Vauhallan", "PLU intercommunal"}
    assert set(louis) == {"Igny", "PLU intercommunal"}
    for workspace in camille.values():
        assert await names(files_gql, files_world.token("camille"), workspace) == []


async def test_a_workspace_of_another_town_is_forbidden_even_with_its_id(
    files_gql: GraphQLClient, files_world: World
) -> None:
    bievres = (await workspace_ids(files_gql, files_world.token("camille")))["Bièvres"]
    louis = files_world.token("louis")

    listing = await files_gql(FOLDER, {"id": bievres, "path": "/"}, token=louis)
    creating = await files_gql(CREATE_FOLDER, {"workspace": bievres, "path": "/x"}, token=louis)
    uploading = await upload(files_gql, louis, bievres, "/x.txt", b"x")

    assert listing.codes == ["FORBIDDEN"]
    assert creating.codes == ["FORBIDDEN"]
    assert uploading.codes == ["FORBIDDEN"]
    assert await names(files_gql, files_world.token("camille"), bievres) == []


async def test_an_unknown_workspace_is_not_found(
    files_gql: GraphQLClient, files_world: World
) -> None:
    reply = await files_gql(FOLDER, {"id": "nope", "path": "/"}, token=files_world.token("admin"))

    assert reply.codes == ["NOT_FOUND"]


async def test_provisioning_makes_each_towns_folder_and_is_idempotent(
    files_world: World, on_disk: Path
) -> None:
    assert sorted(p.name for p in on_disk.iterdir()) == ["bievres", "igny", "vauhallan"]

    again = await files_world.town("igny", "Igny", "91312")

    assert again.slug == "igny"
    assert sorted(p.name for p in on_disk.iterdir()) == ["bievres", "igny", "vauhallan"]


async def test_a_shared_workspace_gets_its_folder_on_the_server(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    reply = await files_gql(
        SHARE,
        {"name": "Achat groupé", "towns": ["igny", "vauhallan"]},
        token=files_world.token("admin"),
    )

    workspace = reply.ok()["createSharedWorkspace"]["id"]
    assert (on_disk / "shared" / workspace).is_dir()


async def test_without_a_file_server_files_are_unavailable_not_broken(
    files_gql: GraphQLClient, files_world: World
) -> None:
    igny = (await workspace_ids(files_gql, files_world.token("louis")))["Igny"]
    connected = files_world.services.backends.files
    files_world.services.backends.files = FileStores()
    await connected.aclose()

    reply = await files_gql(FOLDER, {"id": igny, "path": "/"}, token=files_world.token("louis"))

    assert reply.codes == ["BACKEND_UNAVAILABLE"]
