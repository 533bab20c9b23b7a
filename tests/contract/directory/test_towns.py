"""Town groups, organisations and membership on Keycloak."""

from __future__ import annotations

import pytest

from connectors.directory import DirectoryPerson
from connectors.directory.keycloak import KeycloakDirectory
from connectors.errors import NotFound
from tests.contract.directory.conftest import connect
from tests.doubles.keycloak import KeycloakDouble


async def _people(directory: KeycloakDirectory, count: int) -> list[str]:
    return [
        (await directory.create_person(DirectoryPerson(f"p{i:02}", f"P {i}", f"p{i}@t.fr"))).id
        for i in range(count)
    ]


async def _fill_organizations(directory: KeycloakDirectory, count: int) -> None:
    # Names that sort before any town's, so a first page of 10 would hide the town's.
    for i in range(count):
        await directory.ensure_town_group(f"aaa-{i:02}", f"AAA {i:02}")


async def test_ensure_town_group_twice_gives_the_same_ids(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given twelve organisations already (more than Keycloak's default page of 10)
    await _fill_organizations(directory, 12)
    # when the town is ensured twice, the second time by a connector that remembers nothing
    first = await directory.ensure_town_group("sainte-foy", "Sainte-Foy")
    fresh = connect(kc)
    try:
        second = await fresh.ensure_town_group("sainte-foy", "Sainte-Foy")
    finally:
        await fresh.close()
    # then both answers name the same group and organisation, created once
    assert first == second
    group = kc.group_by_path("/entente/sainte-foy")
    org = kc.organization_by_alias("sainte-foy")
    assert group is not None and org is not None
    assert (first.group_id, first.organization_id) == (group.id, org.id)
    assert org.name == "Sainte-Foy"
    assert len(kc.organizations) == 13


async def test_the_organisation_is_found_across_pages(kc: KeycloakDouble) -> None:
    # given twelve organisations and the town's, and a connector reading 5 per page
    directory = connect(kc, page_size=5)
    try:
        await _fill_organizations(directory, 12)
        town = await directory.ensure_town_group("zonza", "Zonza")
        # when a connector that remembers nothing looks for the town
        fresh = connect(kc, page_size=5)
        try:
            again = await fresh.ensure_town_group("zonza", "Zonza")
        finally:
            await fresh.close()
    finally:
        await directory.close()
    # then it found the organisation on the third page instead of creating another
    assert again == town
    assert len(kc.organizations) == 13
    assert any("first=10&max=5" in path for _, path, _ in kc.requests)


async def test_without_organisations_only_the_group_is_made(kc: KeycloakDouble) -> None:
    # given a realm with organisations off (the connector reads the realm to know)
    kc.organizations_enabled = False
    directory = connect(kc)
    try:
        # when the town is ensured
        town = await directory.ensure_town_group("lyon", "Lyon")
    finally:
        await directory.close()
    # then there is a group and no organisation
    assert town.organization_id is None
    assert kc.group_by_path("/entente/lyon") is not None
    assert kc.organizations == {}


async def test_add_and_remove_members_idempotently(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given a town and two people
    town = await directory.ensure_town_group("vic", "Vic")
    anne, bruno = await _people(directory, 2)
    # when Anne is added twice and Bruno once
    await directory.add_member("vic", anne)
    await directory.add_member("vic", anne)
    await directory.add_member("vic", bruno)
    # then both are in the group and the organisation
    assert sorted(await directory.list_members("vic")) == sorted([anne, bruno])
    assert town.organization_id is not None
    assert kc.organizations[town.organization_id].members == {anne, bruno}
    # and the organisation got the id as a JSON string
    bodies = [body for method, path, body in kc.requests if path.endswith("/members")]
    assert f'"{anne}"'.encode() in bodies
    # when Bruno is removed twice
    await directory.remove_member("vic", bruno)
    await directory.remove_member("vic", bruno)
    # then only Anne is left, in both places
    assert await directory.list_members("vic") == [anne]
    assert kc.organizations[town.organization_id].members == {anne}
    assert kc.group_members(town.group_id) == {anne}


async def test_list_members_reads_every_page(kc: KeycloakDouble) -> None:
    # given seven members and a connector reading 3 per page
    directory = connect(kc, page_size=3)
    try:
        await directory.ensure_town_group("ax", "Ax")
        people = await _people(directory, 7)
        for person in people:
            await directory.add_member("ax", person)
        # when the members are listed, then all seven come back
        assert sorted(await directory.list_members("ax")) == sorted(people)
    finally:
        await directory.close()


async def test_a_town_never_ensured_is_not_found(directory: KeycloakDirectory) -> None:
    # given no town "nowhere", when someone is added to it, then NotFound
    (anne,) = await _people(directory, 1)
    with pytest.raises(NotFound):
        await directory.add_member("nowhere", anne)
    with pytest.raises(NotFound):
        await directory.list_members("nowhere")


async def test_adding_an_unknown_person_is_not_found(directory: KeycloakDirectory) -> None:
    # given a town, when an unknown id is added, then Keycloak's 404 is NotFound
    await directory.ensure_town_group("vic", "Vic")
    with pytest.raises(NotFound):
        await directory.add_member("vic", "no-such-user")
