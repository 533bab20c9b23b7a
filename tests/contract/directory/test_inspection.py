"""Reading what the directory holds for a town (drift detection), and ensuring it back: on the
double and on a real Keycloak, the changes made behind the connector's back as an
administrator would make them in Keycloak's console."""

from __future__ import annotations

from connectors.directory import Account, DirectoryPerson, TownHolding
from connectors.directory.keycloak import KeycloakDirectory
from tests.contract.directory.conftest import connect
from tests.contract.directory.inspectors import Inspector


async def _town_with(directory: KeycloakDirectory, *usernames: str) -> list[Account]:
    await directory.ensure_town_group("vic", "Vic")
    accounts = []
    for username in usernames:
        person = DirectoryPerson(username, username.title(), f"{username}@vic.example")
        created = await directory.create_person(person, invite=False)
        await directory.add_member("vic", created.id)
        accounts.append(Account(created.id, username))
    return accounts


def _sorted(accounts: tuple[Account, ...]) -> list[Account]:
    return sorted(accounts, key=lambda a: a.username)


async def test_a_town_as_it_was_made(directory: KeycloakDirectory) -> None:
    # given a town with Anne and Bruno
    anne, bruno = await _town_with(directory, "anne", "bruno")
    # when a connector that remembers nothing reads it
    holding = await directory.inspect_town("vic")
    # then it holds its group and organisation, both with Anne and Bruno (and their usernames)
    assert holding.group and holding.organizations
    assert holding.organization_name == "Vic"
    assert _sorted(holding.group_members) == [anne, bruno]
    assert _sorted(holding.organization_members) == [anne, bruno]


async def test_a_town_never_made_is_said_missing_not_raised(
    directory: KeycloakDirectory,
) -> None:
    holding = await directory.inspect_town("nowhere")
    assert holding == TownHolding(group=False, organizations=True)


async def test_a_member_taken_out_of_the_group_behind_the_hubs_back(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given Anne and Bruno in Vic, then Bruno taken out of the group in Keycloak's console
    anne, bruno = await _town_with(directory, "anne", "bruno")
    inspector.leave_group("vic", bruno.id)
    # when the town is read again, then Bruno is missing from the group, not from the org
    holding = await directory.inspect_town("vic")
    assert holding.group_members == (anne,)
    assert _sorted(holding.organization_members) == [anne, bruno]
    # and adding him again puts him back (adding is idempotent in both places)
    await directory.add_member("vic", bruno.id)
    assert _sorted((await directory.inspect_town("vic")).group_members) == [anne, bruno]


async def test_a_renamed_organisation_is_named_back_by_ensuring_the_town(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given Vic renamed in Keycloak's console
    (anne,) = await _town_with(directory, "anne")
    inspector.rename_organization("vic", "Vic-sur-Cère (ancien)")
    assert (await directory.inspect_town("vic")).organization_name == "Vic-sur-Cère (ancien)"
    # when a connector that remembers nothing ensures the town with its name
    fresh = connect(inspector)
    try:
        town = await fresh.ensure_town_group("vic", "Vic")
    finally:
        await fresh.close()
    # then the organisation has its name back, the same id and its members
    assert inspector.organization_name("vic") == "Vic"
    assert town.organization_id == inspector.organization_id("vic")
    assert inspector.organization_members("vic") == {anne.id}


async def test_a_deleted_group_is_made_again_by_ensuring_the_town(
    inspector: Inspector, directory: KeycloakDirectory
) -> None:
    # given Vic's group deleted in Keycloak's console (the connector still remembers it)
    (anne,) = await _town_with(directory, "anne")
    inspector.delete_group("vic")
    holding = await directory.inspect_town("vic")
    assert not holding.group and holding.organization_name == "Vic"
    # when the town is ensured and Anne added again
    await directory.ensure_town_group("vic", "Vic")
    await directory.add_member("vic", anne.id)
    # then the group exists again with her in it
    assert inspector.group_members("vic") == {anne.id}
    assert (await directory.inspect_town("vic")).group_members == (anne,)


async def test_without_organisations_only_the_group_is_read(inspector: Inspector) -> None:
    inspector.set_organizations(False)
    directory = connect(inspector)
    try:
        (anne,) = await _town_with(directory, "anne")
        holding = await directory.inspect_town("vic")
    finally:
        await directory.close()
        inspector.set_organizations(True)
    assert holding == TownHolding(group=True, group_members=(anne,), organizations=False)


async def test_members_are_read_page_by_page(inspector: Inspector) -> None:
    directory = connect(inspector, page_size=2)
    try:
        accounts = await _town_with(directory, "anna", "benoit", "cyril", "dominique", "eve-marie")
        holding = await directory.inspect_town("vic")
    finally:
        await directory.close()
    assert _sorted(holding.group_members) == accounts
    assert _sorted(holding.organization_members) == accounts
