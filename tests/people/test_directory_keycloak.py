"""People changes reach the Keycloak directory (its strict double) and the hub together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.directory.keycloak import KeycloakDirectory
from connectors.directory.port import DirectoryPerson
from hub.people.directory_sync import DirectoryStep
from hub.services import Services
from tests.doubles.keycloak import KeycloakDouble
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

ADD = """
mutation Add($input: AddStaffInput!) { addStaff(input: $input) { id username active } }
"""
OFFBOARD = "mutation Off($person: ID!) { offboardStaff(person: $person) { active } }"
REMOVE = (
    "mutation R($person: ID!, $town: String!) { removeMembership(person: $person, town: $town) }"
)
PEOPLE = 'query { people(search: "zoe") { username memberships { town { slug } } } }'


def zoe() -> dict[str, Any]:
    return {
        "input": {
            "username": "zoe",
            "displayName": "Zoé Lefèvre",
            "email": "zoe@bievres.example",
            "towns": [{"town": "bievres", "role": "STAFF"}],
        }
    }


@pytest.fixture
async def keycloak(
    keycloak_double: KeycloakDouble, services: Services
) -> AsyncIterator[KeycloakDouble]:
    keycloak_double.reset()
    directory = KeycloakDirectory(
        keycloak_double.url,
        keycloak_double.realm,
        keycloak_double.client_id,
        keycloak_double.client_secret,
        timeout=2.0,
    )
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    yield keycloak_double
    await directory.close()


async def test_provisioning_creates_each_towns_group(
    keycloak: KeycloakDouble, world: World
) -> None:
    await essonne(world)

    for slug in ("igny", "bievres", "vauhallan"):
        assert keycloak.group_by_path(f"/entente/{slug}") is not None
        assert keycloak.organization_by_alias(slug) is not None


async def test_add_then_offboard_keeps_directory_and_hub_consistent(
    keycloak: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    admin = world.token("admin")

    person = (await gql(ADD, zoe(), token=world.token("ines"))).ok()["addStaff"]
    account = keycloak.user_by_username("zoe")
    group = keycloak.group_by_path("/entente/bievres")
    assert account is not None and group is not None
    assert account.id in keycloak.group_members(group.id)
    assert account.enabled

    gone = await gql(OFFBOARD, {"person": person["id"]}, token=admin)

    assert gone.ok()["offboardStaff"] == {"active": False}
    assert keycloak.user_by_username("zoe").enabled is False  # type: ignore[union-attr]
    people = (await gql(PEOPLE, token=admin)).ok()["people"]
    assert people == [{"username": "zoe", "memberships": [{"town": {"slug": "bievres"}}]}]


async def test_directory_down_leaves_the_hub_unchanged(
    keycloak: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    keycloak.fail_next(503, times=50)

    refused = await gql(ADD, zoe(), token=world.token("ines"))

    keycloak.clear_failures()
    assert refused.codes == ["BACKEND_UNAVAILABLE"]
    assert (await gql(PEOPLE, token=world.token("admin"))).ok()["people"] == []
    audit = await gql(
        "{ auditLog(first: 1) { entries { action outcome } } }", token=world.token("admin")
    )
    assert audit.ok()["auditLog"]["entries"] == [
        {"action": "person.add", "outcome": "BACKEND_UNAVAILABLE"}
    ]


async def test_an_account_left_by_a_failed_attempt_is_adopted(
    keycloak: KeycloakDouble, gql: GraphQLClient, world: World, services: Services
) -> None:
    await essonne(world)
    # An earlier attempt created the account, then failed before the hub committed.
    await services.backends.directory.create_person(
        DirectoryPerson("zoe", "Zoé Lefèvre", "zoe@bievres.example")
    )

    retried = await gql(ADD, zoe(), token=world.token("ines"))

    assert retried.ok()["addStaff"]["username"] == "zoe"
    accounts = [u for u in keycloak.users.values() if u.username == "zoe"]
    group = keycloak.group_by_path("/entente/bievres")
    assert len(accounts) == 1 and group is not None
    assert accounts[0].id in keycloak.group_members(group.id)


async def test_removing_a_membership_leaves_the_group(
    keycloak: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    person = (await gql(ADD, zoe(), token=world.token("ines"))).ok()["addStaff"]

    removed = await gql(
        REMOVE, {"person": person["id"], "town": "bievres"}, token=world.token("ines")
    )

    group = keycloak.group_by_path("/entente/bievres")
    account = keycloak.user_by_username("zoe")
    assert removed.ok() == {"removeMembership": True}
    assert group is not None and account is not None
    assert account.id not in keycloak.group_members(group.id)


async def test_the_directory_refusing_the_hubs_account_is_for_an_administrator(
    keycloak: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    # given Keycloak refusing the hub's service account (its role was taken away)
    keycloak.fail_next(403, times=50)

    refused = await gql(ADD, zoe(), token=world.token("ines"))

    keycloak.clear_failures()
    # then the same answer as any backend refusing the hub: BACKEND_UNAVAILABLE, naming the
    # directory and saying an administrator must act (not the town admin's doing)
    assert refused.codes == ["BACKEND_UNAVAILABLE"]
    message = refused.errors[0]["message"]
    assert "Keycloak" in message and "administrator" in message
    assert (await gql(PEOPLE, token=world.token("admin"))).ok()["people"] == []
