"""Drift in the directory, on the Keycloak double and on a real Keycloak: a member taken out
of a town's group, a stranger put in it, the organisation renamed, the group deleted, each
behind the hub's back as an administrator would in Keycloak's console; then repaired."""

from __future__ import annotations

from connectors.directory import DirectoryPerson
from connectors.directory.keycloak import KeycloakDirectory
from hub.people.models import Role
from hub.services import Services
from tests.contract.directory.inspectors import Inspector
from tests.doubles.keycloak import KeycloakDouble
from tests.drift.helpers import brief, drifts, repair
from tests.support.graphql import GraphQLClient
from tests.support.world import World

Hub = tuple[Inspector, KeycloakDirectory]

SET = """
mutation Set($person: ID!, $town: String!) {
  setMembership(person: $person, town: $town, role: STAFF) { role }
}
"""


async def _with_members(gql: GraphQLClient, world: World) -> None:
    """Louis and Camille in Igny's directory group, through the hub (accounts made)."""
    admin = world.token("admin")
    for name in ("louis", "camille"):
        answer = await gql(SET, {"person": world.people[name].id, "town": "igny"}, token=admin)
        answer.ok()


async def _account(directory: KeycloakDirectory, username: str) -> str:
    found = await directory.find_person(username)
    assert found is not None
    return found


async def test_a_member_taken_out_of_the_group_is_put_back(
    keycloak_hub: Hub, gql: GraphQLClient, world: World
) -> None:
    inspector, directory = keycloak_hub
    await _with_members(gql, world)
    admin = world.token("admin")
    assert await drifts(gql, admin) == []
    # given Louis taken out of Igny's group in Keycloak's console
    louis = await _account(directory, "louis")
    inspector.leave_group("igny", louis)
    # when Igny is checked, then the group lacks him (the organisation does not)
    found = await drifts(gql, admin)
    assert brief(found) == [("DIRECTORY", "WRONG_MEMBERS", "TOWN_GROUP", "igny")]
    assert found[0]["missingMembers"] == ["louis"] and found[0]["extraMembers"] == []
    # when it is repaired, then he is back, and nothing remains
    done = await repair(gql, admin)
    assert brief(done["repaired"]) == [("DIRECTORY", "WRONG_MEMBERS", "TOWN_GROUP", "igny")]
    assert done["remaining"] == []
    assert louis in inspector.group_members("igny")


async def test_a_stranger_put_in_the_group_is_taken_out(
    keycloak_hub: Hub, gql: GraphQLClient, world: World
) -> None:
    inspector, directory = keycloak_hub
    await _with_members(gql, world)
    admin = world.token("admin")
    # given an account the hub does not know, added to Igny in Keycloak's console
    intruder = await directory.create_person(
        DirectoryPerson("intrus", "Jean Intrus", "intrus@example.org"), invite=False
    )
    await directory.add_member("igny", intruder.id)
    found = await drifts(gql, admin)
    assert brief(found) == [
        ("DIRECTORY", "WRONG_MEMBERS", "ORGANIZATION", "Igny"),
        ("DIRECTORY", "WRONG_MEMBERS", "TOWN_GROUP", "igny"),
    ]
    assert {tuple(d["extraMembers"]) for d in found} == {("intrus",)}
    # when repaired, then the account is out of both (and still exists)
    await repair(gql, admin)
    assert intruder.id not in inspector.group_members("igny")
    assert intruder.id not in inspector.organization_members("igny")
    assert inspector.account("intrus") is not None


async def test_a_renamed_organisation_and_a_deleted_group_are_restored(
    keycloak_hub: Hub, gql: GraphQLClient, world: World
) -> None:
    inspector, directory = keycloak_hub
    await _with_members(gql, world)
    admin = world.token("admin")
    # given Igny's organisation renamed and its group deleted
    inspector.rename_organization("igny", "Igny (ancienne)")
    inspector.delete_group("igny")
    found = await drifts(gql, admin)
    assert brief(found) == [
        ("DIRECTORY", "MISSING", "TOWN_GROUP", "igny"),
        ("DIRECTORY", "RENAMED", "ORGANIZATION", "Igny"),
    ]
    # when repaired, then the group is back with Igny's members, the organisation named back
    done = await repair(gql, admin)
    assert done["remaining"] == [] and done["failures"] == []
    members = {await _account(directory, n) for n in ("louis", "camille")}
    assert inspector.group_members("igny") == members
    assert inspector.organization_name("igny") == "Igny"


async def test_a_member_without_an_account_gets_one(
    keycloak_hub: Hub, gql: GraphQLClient, world: World
) -> None:
    # given Louis a member of Igny in the hub only (as if added before Keycloak was set up)
    inspector, _ = keycloak_hub
    admin = world.token("admin")
    found = await drifts(gql, admin)
    assert {tuple(d["missingMembers"]) for d in found} == {("camille", "louis")}
    # when repaired, then each has an account in Igny's group
    await repair(gql, admin)
    louis, camille = inspector.account("louis"), inspector.account("camille")
    assert louis is not None and camille is not None
    assert inspector.group_members("igny") == {louis.id, camille.id}
    assert await drifts(gql, admin) == []


async def test_a_directory_that_does_not_answer_is_unchecked(
    keycloak_double: KeycloakDouble, services: Services, gql: GraphQLClient, world: World
) -> None:
    from tests.contract.directory.conftest import connect
    from tests.support.territory import essonne

    keycloak_double.reset()
    directory = connect(keycloak_double)
    services.backends.directory = directory
    try:
        await essonne(world)
        keycloak_double.fail_next(503, times=100)
        found = await drifts(gql, world.token("admin"))
    finally:
        keycloak_double.clear_failures()
        await directory.close()
    assert brief(found) == [("DIRECTORY", "UNCHECKED", "SERVER", "directory")]
    assert not found[0]["repairable"]
    assert "not answering" in found[0]["detail"]


async def test_members_of_the_hub_are_the_directorys_in_embedded_mode(
    gql: GraphQLClient, world: World
) -> None:
    from tests.support.territory import essonne

    await essonne(world)
    await world.member("ines", "igny", Role.STAFF)
    assert await drifts(gql, world.token("admin"), None) == []
