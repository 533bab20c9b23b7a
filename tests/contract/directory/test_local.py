"""The directory contract on the hub's own LocalDirectory (embedded mode), where the hub's
tables are the directory: the people service writes the rows, the port reads them back. The
same promises as Keycloak's where they apply: stable ids per town, members as the hub records
them, lookups by the whole username whatever its case, NotFound for a town that does not
exist. (An unknown account is not refused here: the hub calls the port inside the transaction
that creates the person, and the rows are the directory.)"""

from __future__ import annotations

import pytest

from connectors.directory import Account, DirectoryPerson, TownHolding
from connectors.errors import NotFound
from hub.people.local_directory import LocalDirectory
from hub.people.models import Role
from hub.services import Services
from tests.support.world import World


@pytest.fixture
def local(services: Services) -> LocalDirectory:
    return LocalDirectory(services.sessions)


async def test_ensure_town_group_twice_gives_the_same_ids(local: LocalDirectory) -> None:
    first = await local.ensure_town_group("vic", "Vic")
    again = await LocalDirectory(local._sessions).ensure_town_group("vic", "Vic")
    assert first == again
    assert first.organization_id is None


async def test_members_are_the_towns_members_in_the_hub(
    local: LocalDirectory, world: World
) -> None:
    await world.town("vic", "Vic", "09330")
    anne = await world.person("anne")
    await world.person("bruno")
    created = await local.create_person(DirectoryPerson("anne", "Anne", anne.email))
    await world.member("anne", "vic", Role.STAFF)
    await local.add_member("vic", created.id)

    assert await local.list_members("vic") == [created.id]
    assert await local.find_person("anne") == created.id


async def test_find_person_matches_the_whole_username_whatever_its_case(
    local: LocalDirectory, world: World
) -> None:
    await world.person("anne.martin")
    await world.person("anne.martinez")
    anne = await local.find_person("anne.martin")
    assert anne is not None
    assert await local.find_person("ANNE.MARTIN") == anne
    assert await local.find_person("anne.mart") is None


async def test_a_town_never_ensured_is_not_found(local: LocalDirectory, world: World) -> None:
    await world.person("anne")
    anne = await local.find_person("anne")
    assert anne is not None
    with pytest.raises(NotFound):
        await local.add_member("nowhere", anne)
    with pytest.raises(NotFound):
        await local.list_members("nowhere")


async def test_delete_person_leaves_the_account_to_the_hubs_row(
    local: LocalDirectory, world: World, services: Services
) -> None:
    # given Anne, a member of Vic, in the hub's own directory
    await world.town("vic", "Vic", "09330")
    await world.person("anne")
    await world.member("anne", "vic", Role.STAFF)
    anne = await local.find_person("anne")
    assert anne is not None
    # when the port deletes her account, nothing else is needed: the row is the account
    await local.delete_person(anne)
    await local.delete_person("local:nobody")
    # and once the erasure deleted the hub's row she is gone from the directory too
    async with services.sessions() as session:
        await session.delete(await session.merge(world.people["anne"]))
        await session.commit()
    assert await local.find_person("anne") is None
    assert await local.list_members("vic") == []


async def test_inspecting_a_town_reads_the_hubs_own_members(
    local: LocalDirectory, world: World
) -> None:
    # given Vic with Anne, in embedded mode (the hub's rows are the directory)
    await world.town("vic", "Vic", "09330")
    await world.person("anne")
    await world.member("anne", "vic", Role.STAFF)
    anne = await local.find_person("anne")
    # when it is read, then its group holds Anne, and there is never an organisation
    holding = await local.inspect_town("vic")
    assert holding == TownHolding(group=True, group_members=(Account(str(anne), "anne"),))
    assert await local.inspect_town("nowhere") == TownHolding(group=False)
