"""The demo's documents: each town's council papers and the shared intercommunal plan."""

from __future__ import annotations

from hub.files.demo import seed_files
from tests.files.helpers import names, workspace_ids
from tests.support.graphql import GraphQLClient
from tests.support.world import World


async def test_the_demo_files_are_seeded_once_and_seen_by_members_only(
    files_gql: GraphQLClient, files_world: World
) -> None:
    await seed_files(files_world.services)
    await seed_files(files_world.services)

    camille = files_world.token("camille")
    louis = files_world.token("louis")
    seen = await workspace_ids(files_gql, camille)
    assert set(seen) == {"Igny", "Bièvres", "Vauhallan", "PLU intercommunal"}
    assert set(await workspace_ids(files_gql, louis)) == {"Igny", "PLU intercommunal"}
    for town in ("Igny", "Bièvres", "Vauhallan"):
        assert await names(files_gql, camille, seen[town]) == ["Conseil municipal", "Finances"]
    assert await names(files_gql, camille, seen["Bièvres"], "/Conseil municipal") == [
        "Ordre du jour – séance du 12 mars 2027.md",
        "Procès-verbal – séance du 5 février 2027.md",
    ]
    assert await names(files_gql, louis, seen["PLU intercommunal"]) == [
        "Note de synthèse – zonage de la vallée de la Bièvre.md"
    ]
