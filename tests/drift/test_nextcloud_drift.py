"""Drift of a workspace kept as a Nextcloud team folder (on the Nextcloud double): renamed,
its town's group taken off, another group given it, the group deleted; then repaired."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from hub.services import Services, build_services
from tests.doubles.nextcloud import NextcloudDouble
from tests.drift.helpers import brief, drifts, repair
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.world import World


@pytest.fixture
async def nextcloud_hub(
    services: Services, nextcloud_double: NextcloudDouble
) -> AsyncIterator[tuple[GraphQLClient, World, str]]:
    settings = services.settings.model_copy(
        update={
            "files_backend": "nextcloud",
            "nextcloud_url": nextcloud_double.url,
            "nextcloud_username": nextcloud_double.username,
            "nextcloud_password": SecretStr(nextcloud_double.password),
        }
    )
    own = build_services(settings, engine=services.engine)
    world = World(own)
    slug = f"nc-{uuid.uuid4().hex[:8]}"  # the double outlives the test: a slug of its own
    try:
        await world.town(slug, "Le Diamant", "97226")
        await world.person("admin", hub_admin=True)
        async with hub_http(own) as http:
            yield GraphQLClient(http), world, slug
    finally:
        await own.backends.aclose()


def _folder(double: NextcloudDouble, mount_point: str) -> dict[str, Any]:
    (found,) = [f for f in double.folders.values() if f["mount_point"] == mount_point]
    return found


async def test_a_team_folder_as_provisioned_has_no_drift(
    nextcloud_hub: tuple[GraphQLClient, World, str],
) -> None:
    gql, world, slug = nextcloud_hub
    assert await drifts(gql, world.token("admin"), slug) == []


async def test_a_renamed_team_folder_with_other_groups_is_set_right(
    nextcloud_hub: tuple[GraphQLClient, World, str], nextcloud_double: NextcloudDouble
) -> None:
    gql, world, slug = nextcloud_hub
    admin = world.token("admin")
    # given the town's team folder renamed, given to the trainees, and its group deleted
    folder = _folder(nextcloud_double, slug)
    folder["mount_point"] = "Le Diamant (archives)"
    folder["groups"]["stagiaires"] = 31
    nextcloud_double.groups.discard(slug)
    # when it is checked
    found = await drifts(gql, admin, slug)
    # then each difference is said
    assert brief(found) == [
        ("FILES", "EXTRA", "FOLDER_GROUP", "stagiaires"),
        ("FILES", "MISSING", "GROUP", slug),
        ("FILES", "RENAMED", "TEAM_FOLDER", slug),
    ]
    assert [d["found"] for d in found if d["kind"] == "RENAMED"] == ["Le Diamant (archives)"]
    # when repaired: named back, the trainees taken off, the group made again (same folder)
    done = await repair(gql, admin, slug)
    assert done["remaining"] == [] and done["failures"] == []
    assert _folder(nextcloud_double, slug) is folder
    assert set(folder["groups"]) == {slug, "entente-hub"}
    assert slug in nextcloud_double.groups


async def test_a_group_taken_off_and_a_deleted_team_folder(
    nextcloud_hub: tuple[GraphQLClient, World, str], nextcloud_double: NextcloudDouble
) -> None:
    gql, world, slug = nextcloud_hub
    admin = world.token("admin")
    folder = _folder(nextcloud_double, slug)
    del folder["groups"][slug]
    assert brief(await drifts(gql, admin, slug)) == [("FILES", "MISSING", "FOLDER_GROUP", slug)]
    del nextcloud_double.folders[
        next(k for k, v in nextcloud_double.folders.items() if v is folder)
    ]
    assert brief(await drifts(gql, admin, slug)) == [("FILES", "MISSING", "TEAM_FOLDER", slug)]
    await repair(gql, admin, slug)
    assert set(_folder(nextcloud_double, slug)["groups"]) == {slug, "entente-hub"}
