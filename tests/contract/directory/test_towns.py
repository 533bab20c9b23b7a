"""Town groups, organisations and membership: on the double and on a real Keycloak."""

from __future__ import annotations

import pytest

from connectors.directory import DirectoryPerson
from connectors.directory.keycloak import KeycloakDirectory
from connectors.errors import NotFound
from tests.contract.directory.conftest import connect
from tests.contract.directory.inspectors import Inspector
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
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given twelve organisations already (more than Keycloak's default page of 10)
    await _fill_organizations(directory, 12)
    # when the town is ensured twice, the second time by a connector that remembers nothing
    first = await directory.ensure_town_group("sainte-foy", "Sainte-Foy")
    fresh = connect(inspector)
    try:
        second = await fresh.ensure_town_group("sainte-foy", "Sainte-Foy")
    finally:
        await fresh.close()
    # then both answers name the same group and organisation, created once
    assert first == second
    assert (first.group_id, first.organization_id) == (
        inspector.group_id("sainte-foy"),
        inspector.organization_id("sainte-foy"),
    )
    assert inspector.organization_name("sainte-foy") == "Sainte-Foy"
    assert inspector.organization_count() == 13


async def test_the_organisation_is_found_across_pages(inspector: Inspector) -> None:
    # given twelve organisations and the town's, and a connector reading 5 per page
    directory = connect(inspector, page_size=5)
    try:
        await _fill_organizations(directory, 12)
        town = await directory.ensure_town_group("zonza", "Zonza")
        # when a connector that remembers nothing looks for the town
        fresh = connect(inspector, page_size=5)
        try:
            again = await fresh.ensure_town_group("zonza", "Zonza")
        finally:
            await fresh.close()
    finally:
        await directory.close()
    # then it found the organisation instead of creating another
    assert again == town
    assert inspector.organization_count() == 13


async def test_organisations_are_read_page_by_page(kc: KeycloakDouble) -> None:
    # given a connector reading 5 per page (the double logs the requests)
    directory = connect(kc, page_size=5)
    try:
        await _fill_organizations(directory, 12)
        fresh = connect(kc, page_size=5)
        try:
            await fresh.ensure_town_group("zonza", "Zonza")
        finally:
            await fresh.close()
    finally:
        await directory.close()
    # then it asked for the third page
    assert any("first=10&max=5" in path for _, path, _ in kc.requests)


async def test_without_organisations_only_the_group_is_made(inspector: Inspector) -> None:
    # given a realm with organisations off (the connector reads the realm to know)
    inspector.set_organizations(False)
    directory = connect(inspector)
    try:
        # when the town is ensured
        town = await directory.ensure_town_group("lyon", "Lyon")
    finally:
        await directory.close()
        inspector.set_organizations(True)
    # then there is a group and no organisation
    assert town.organization_id is None
    assert inspector.group_id("lyon") is not None
    assert inspector.organization_count() == 0


async def test_add_and_remove_members_idempotently(
    inspector: Inspector, directory: KeycloakDirectory
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
    assert inspector.organization_members("vic") == {anne, bruno}
    # when Bruno is removed twice
    await directory.remove_member("vic", bruno)
    await directory.remove_member("vic", bruno)
    # then only Anne is left, in both places
    assert await directory.list_members("vic") == [anne]
    assert inspector.organization_members("vic") == {anne}
    assert inspector.group_members("vic") == {anne}


async def test_an_organisation_member_is_sent_as_a_json_string(kc: KeycloakDouble) -> None:
    # given a town and Anne on the double (which logs request bodies)
    directory = connect(kc)
    try:
        await directory.ensure_town_group("vic", "Vic")
        (anne,) = await _people(directory, 1)
        # when she is added
        await directory.add_member("vic", anne)
    finally:
        await directory.close()
    # then the organisation got the id as a JSON string
    bodies = [body for method, path, body in kc.requests if path.endswith("/members")]
    assert f'"{anne}"'.encode() in bodies


async def test_list_members_reads_every_page(inspector: Inspector) -> None:
    # given seven members and a connector reading 3 per page
    directory = connect(inspector, page_size=3)
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
