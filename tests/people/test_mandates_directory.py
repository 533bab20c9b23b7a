"""A mandate that ends takes the official out of the town's group in Keycloak (the double and a
real one); a directory that does not answer does not keep them in the town."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.people.directory_sync import DirectoryStep
from hub.people.mandates import end_mandates, today
from hub.people.models import Membership, Role
from hub.services import Services
from tests.contract.directory.conftest import connect
from tests.contract.directory.inspectors import Inspector
from tests.doubles.keycloak import KeycloakDouble
from tests.support.graphql import GraphQLClient
from tests.support.territory import essonne
from tests.support.world import World

SET = """
mutation Set($person: ID!, $end: Date!) {
  setMembership(person: $person, town: "igny", role: ELECTED, mandateEnd: $end) { role }
}
"""


async def _elected(gql: GraphQLClient, world: World, services: Services) -> date:
    """The mayor of Igny, in Igny's group, whose mandate ended yesterday."""
    maire = await world.person("maire")
    later = (today() + timedelta(days=30)).isoformat()
    (await gql(SET, {"person": maire.id, "end": later}, token=world.token("admin"))).ok()
    ended_on = today() - timedelta(days=1)
    async with services.sessions() as session:
        row = await session.get(Membership, (maire.id, world.towns["igny"].id))
        assert row is not None
        row.mandate_end = ended_on
        await session.commit()
    return ended_on


async def test_the_official_leaves_the_towns_group(
    inspector: Inspector, services: Services, gql: GraphQLClient, world: World
) -> None:
    directory = connect(inspector)
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    try:
        await essonne(world)
        await _elected(gql, world, services)
        account = inspector.account("maire")
        assert account is not None and account.id in inspector.group_members("igny")
        await end_mandates(services.sessions, directory, 5.0, today())
    finally:
        await directory.close()
    assert account.id not in inspector.group_members("igny")
    assert account.id not in inspector.organization_members("igny")


async def test_a_silent_directory_does_not_keep_the_official_in(
    keycloak_double: KeycloakDouble, services: Services, gql: GraphQLClient, world: World
) -> None:
    keycloak_double.reset()
    directory = connect(keycloak_double)
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    try:
        await essonne(world)
        await _elected(gql, world, services)
        keycloak_double.fail_next(503, times=50)
        ended = await end_mandates(services.sessions, directory, 2.0, today())
    finally:
        keycloak_double.clear_failures()
        await directory.close()
    # the membership is over all the same; the trail says the directory was not updated
    assert [e.username for e in ended] == ["maire"] and ended[0].directory_error
    async with services.sessions() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "membership.expire")
        )
        assert (
            await session.scalar(select(Membership).where(Membership.role == Role.ELECTED)) is None
        )
    assert entry is not None and "not answering" in entry.details["directory"]  # type: ignore[index]
