"""People changes reach the Keycloak directory and the hub together: on the strict double and
on a real Keycloak with the shipped realm (the ``inspector`` fixture runs each test on both)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.directory.keycloak import KeycloakDirectory
from connectors.directory.port import DirectoryPerson
from hub.people.directory_sync import DirectoryStep
from hub.services import Services
from tests.contract.directory.conftest import connect
from tests.contract.directory.inspectors import Inspector
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


async def _wired(where: Inspector | KeycloakDouble, services: Services) -> KeycloakDirectory:
    directory = connect(where)
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    return directory


@pytest.fixture
async def keycloak(inspector: Inspector, services: Services) -> AsyncIterator[Inspector]:
    directory = await _wired(inspector, services)
    yield inspector
    await directory.close()


@pytest.fixture
async def double(
    keycloak_double: KeycloakDouble, services: Services
) -> AsyncIterator[KeycloakDouble]:
    """The double alone, for fault injection."""
    keycloak_double.reset()
    directory = await _wired(keycloak_double, services)
    yield keycloak_double
    await directory.close()


async def test_provisioning_creates_each_towns_group(keycloak: Inspector, world: World) -> None:
    await essonne(world)

    for slug in ("igny", "bievres", "vauhallan"):
        assert keycloak.group_id(slug) is not None
        assert keycloak.organization_id(slug) is not None


async def test_add_then_offboard_keeps_directory_and_hub_consistent(
    keycloak: Inspector, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    admin = world.token("admin")

    person = (await gql(ADD, zoe(), token=world.token("ines"))).ok()["addStaff"]
    account = keycloak.account("zoe")
    assert account is not None and account.enabled
    assert account.id in keycloak.group_members("bievres")
    assert account.id in keycloak.organization_members("bievres")
    # the invitation asks for a password and a verified address
    assert keycloak.invitations("zoe") == [["UPDATE_PASSWORD", "VERIFY_EMAIL"]]

    gone = await gql(OFFBOARD, {"person": person["id"]}, token=admin)

    assert gone.ok()["offboardStaff"] == {"active": False}
    assert keycloak.account("zoe").enabled is False  # type: ignore[union-attr]
    people = (await gql(PEOPLE, token=admin)).ok()["people"]
    assert people == [{"username": "zoe", "memberships": [{"town": {"slug": "bievres"}}]}]


async def test_directory_down_leaves_the_hub_unchanged(
    double: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    double.fail_next(503, times=50)

    refused = await gql(ADD, zoe(), token=world.token("ines"))

    double.clear_failures()
    assert refused.codes == ["BACKEND_UNAVAILABLE"]
    assert (await gql(PEOPLE, token=world.token("admin"))).ok()["people"] == []
    audit = await gql(
        "{ auditLog(first: 1) { entries { action outcome } } }", token=world.token("admin")
    )
    assert audit.ok()["auditLog"]["entries"] == [
        {"action": "person.add", "outcome": "BACKEND_UNAVAILABLE"}
    ]


async def test_an_account_left_by_a_failed_attempt_is_adopted(
    keycloak: Inspector, gql: GraphQLClient, world: World, services: Services
) -> None:
    await essonne(world)
    # An earlier attempt created the account, then failed before the hub committed.
    await services.backends.directory.create_person(
        DirectoryPerson("zoe", "Zoé Lefèvre", "zoe@bievres.example")
    )

    retried = await gql(ADD, zoe(), token=world.token("ines"))

    assert retried.ok()["addStaff"]["username"] == "zoe"
    account = keycloak.account("zoe")
    assert keycloak.account_count() == 1 and account is not None
    assert account.id in keycloak.group_members("bievres")


async def test_removing_a_membership_leaves_the_group(
    keycloak: Inspector, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    person = (await gql(ADD, zoe(), token=world.token("ines"))).ok()["addStaff"]

    removed = await gql(
        REMOVE, {"person": person["id"], "town": "bievres"}, token=world.token("ines")
    )

    account = keycloak.account("zoe")
    assert removed.ok() == {"removeMembership": True}
    assert account is not None
    assert account.id not in keycloak.group_members("bievres")
    assert account.id not in keycloak.organization_members("bievres")


async def test_a_slow_invitation_email_keeps_the_new_account(
    double: KeycloakDouble, gql: GraphQLClient, world: World, services: Services
) -> None:
    # given a directory whose mail server takes longer than the hub waits for a backend
    await essonne(world)
    double.mail_delay = services.settings.backend_timeout + 1

    # when Inès adds Zoé
    added = await gql(ADD, zoe(), token=world.token("ines"))

    # then Zoé is added (her account exists), and the unconfirmed invitation is audited
    assert added.ok()["addStaff"]["username"] == "zoe"
    assert double.user_by_username("zoe") is not None
    audit = await gql(
        "{ auditLog(first: 5) { entries { action outcome } } }", token=world.token("admin")
    )
    entries = audit.ok()["auditLog"]["entries"]
    assert {"action": "person.invite", "outcome": "BACKEND_UNAVAILABLE"} in entries
    assert {"action": "person.add", "outcome": "ok"} in entries


async def test_the_directory_refusing_the_hubs_account_is_for_an_administrator(
    double: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    await essonne(world)
    # given Keycloak refusing the hub's service account (its role was taken away)
    double.fail_next(403, times=50)

    refused = await gql(ADD, zoe(), token=world.token("ines"))

    double.clear_failures()
    # then the same answer as any backend refusing the hub: BACKEND_UNAVAILABLE, naming the
    # directory and saying an administrator must act (not the town admin's doing)
    assert refused.codes == ["BACKEND_UNAVAILABLE"]
    message = refused.errors[0]["message"]
    assert "Keycloak" in message and "administrator" in message
    assert (await gql(PEOPLE, token=world.token("admin"))).ok()["people"] == []
