"""A handover in the directory (the Keycloak double and a real Keycloak): the incoming person
joins the towns' groups, the outgoing one leaves them; a directory that fails leaves the hub's
memberships as they were, and the same handover again finishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from hub.people.directory_sync import DirectoryStep
from hub.people.mandates import today
from hub.services import Services
from tests.contract.directory.conftest import connect
from tests.contract.directory.inspectors import Inspector
from tests.doubles.keycloak import KeycloakDouble
from tests.support.graphql import GraphQLClient, operation
from tests.support.territory import essonne
from tests.support.world import World

HAND_OVER = operation("scripts/HandOver")
SET = """
mutation Set($person: ID!) { setMembership(person: $person, town: "igny", role: STAFF) { role } }
"""


async def _wired(
    where: Inspector | KeycloakDouble, services: Services, world: World, gql: GraphQLClient
) -> Any:
    directory = connect(where)
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    await essonne(world)
    await world.person("marie")
    # Camille in Igny's group through the hub (her account made)
    camille = world.people["camille"].id
    (await gql(SET, {"person": camille}, token=world.token("admin"))).ok()
    return directory


def _vars(world: World) -> dict[str, Any]:
    return {
        "outgoing": world.people["camille"].id,
        "incoming": world.people["marie"].id,
        "towns": ["igny"],
        "effective": (today() + timedelta(days=1)).isoformat(),
    }


@pytest.fixture
async def wired(
    inspector: Inspector, services: Services, world: World, gql: GraphQLClient
) -> AsyncIterator[Inspector]:
    directory = await _wired(inspector, services, world, gql)
    try:
        yield inspector
    finally:
        await directory.close()


async def test_the_groups_follow_the_post(
    wired: Inspector, gql: GraphQLClient, world: World
) -> None:
    done = (await gql(HAND_OVER, _vars(world), token=world.token("admin"))).ok()["handOver"]
    assert done["complete"]
    marie, camille = wired.account("marie"), wired.account("camille")
    assert marie is not None and camille is not None
    assert wired.group_members("igny") == {marie.id}
    assert wired.organization_members("igny") == {marie.id}


async def test_a_failing_directory_leaves_the_hub_as_it_was_until_run_again(
    keycloak_double: KeycloakDouble, services: Services, world: World, gql: GraphQLClient
) -> None:
    keycloak_double.reset()
    directory = await _wired(keycloak_double, services, world, gql)
    admin = world.token("admin")
    members = 'query { town(slug: "igny") { members { person { username } role } } }'
    try:
        keycloak_double.fail_next(503, times=100)
        cut = (await gql(HAND_OVER, _vars(world), token=admin)).ok()["handOver"]
        keycloak_double.clear_failures()
        assert not cut["complete"] and "directory" in cut["towns"][0]["error"]
        team = (await gql(members, token=admin)).ok()["town"]["members"]
        assert {m["person"]["username"] for m in team} == {"camille", "louis"}
        finished = (await gql(HAND_OVER, _vars(world), token=admin)).ok()["handOver"]
    finally:
        await directory.close()
    assert finished["complete"] and finished["towns"][0]["error"] is None
    team = (await gql(members, token=admin)).ok()["town"]["members"]
    assert {m["person"]["username"] for m in team} == {"marie", "louis"}
    marie = keycloak_double.user_by_username("marie")
    assert marie is not None and keycloak_double.group_members(
        keycloak_double.group_by_path("/entente/igny").id  # type: ignore[union-attr]
    ) == {marie.id}
