"""An erasure cut short by a backend keeps its progress and its error, and the next
erasePerson finishes it: never a half-erased person without a way to finish."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.people.directory_sync import DirectoryStep
from hub.people.models import Person
from hub.services import Services
from tests.agenda.fixtures import CalendarHub
from tests.contract.directory.conftest import connect
from tests.doubles.keycloak import KeycloakDouble
from tests.privacy.helpers import ERASE, PERSONAL_DATA, offboard, with_dpo
from tests.support.graphql import GraphQLClient
from tests.support.world import World

ADD = """mutation($input: AddStaffInput!) { addStaff(input: $input) { id } }"""


@pytest.fixture
async def double(
    keycloak_double: KeycloakDouble, services: Services
) -> AsyncIterator[KeycloakDouble]:
    keycloak_double.reset()
    directory = connect(keycloak_double)
    services.backends.directory = directory
    services.provisioning_steps = [DirectoryStep(directory)]
    yield keycloak_double
    await directory.close()


async def test_a_directory_failure_leaves_the_erasure_failed_then_it_resumes(
    double: KeycloakDouble, gql: GraphQLClient, world: World
) -> None:
    # given Zoé, whose account the hub made in Keycloak, offboarded from Igny
    await with_dpo(world)
    added = await gql(
        ADD,
        {
            "input": {
                "username": "zoe",
                "displayName": "Zoé Lefèvre",
                "email": "zoe@igny.example",
                "towns": [{"town": "igny", "role": "STAFF"}],
            }
        },
        token=world.token("admin"),
    )
    zoe = added.ok()["addStaff"]["id"]
    world.people["zoe"] = Person(id=zoe, username="zoe")
    await offboard(gql, world, "zoe")
    assert double.user_by_username("zoe") is not None
    # when Sophie erases her while Keycloak answers 503
    double.fail_next(503, times=20)
    failed = (await gql(ERASE, {"person": zoe}, token=world.token("sophie"))).ok()["erasePerson"]
    double.clear_failures()
    # then the erasure is FAILED at the directory, the calendars done, the hub untouched
    assert failed["state"] == "FAILED"
    steps = {s["name"]: (s["done"], s["error"]) for s in failed["steps"]}
    assert steps["calendars"] == (True, None)
    assert steps["directory"][0] is False and "directory" in steps["directory"][1]
    assert steps["hub"] == (False, None)
    async with world.services.sessions() as session:
        assert await session.get(Person, zoe) is not None
        outcomes = list(
            await session.scalars(
                select(AuditEntry.outcome).where(AuditEntry.action == "person.erase.directory")
            )
        )
    assert outcomes == ["BACKEND_UNAVAILABLE"]
    assert double.user_by_username("zoe") is not None
    # and the DPO's page shows it under way, with its pseudonym
    seen = (await gql(PERSONAL_DATA, {"person": zoe}, token=world.token("sophie"))).ok()
    assert seen["personalData"]["erasure"]["pseudonym"] == failed["pseudonym"]
    # when she erases her again, then it finishes where it stopped
    done = (await gql(ERASE, {"person": zoe}, token=world.token("sophie"))).ok()["erasePerson"]
    assert done["state"] == "COMPLETE" and done["pseudonym"] == failed["pseudonym"]
    assert double.user_by_username("zoe") is None
    async with world.services.sessions() as session:
        assert await session.get(Person, zoe) is None


async def test_a_calendar_server_down_stops_the_erasure_before_anything_is_deleted(
    calendar_hub: CalendarHub, closed_url: str
) -> None:
    # given Louis, offboarded, and Bièvres's calendar on a server that is down
    hub, world, gql = calendar_hub, calendar_hub.world, calendar_hub.gql
    await with_dpo(world)
    await offboard(gql, world, "louis")
    louis = world.people["louis"].id
    hub.services.backends.calendars.route("bievres", hub.store(closed_url))
    # when Sophie erases him
    failed = (await gql(ERASE, {"person": louis}, token=world.token("sophie"))).ok()["erasePerson"]
    # then the calendars step failed, naming the server, and nothing else ran
    assert failed["state"] == "FAILED"
    assert [(s["name"], s["done"]) for s in failed["steps"]] == [
        ("calendars", False),
        ("directory", False),
        ("hub", False),
    ]
    assert "calendar server" in failed["steps"][0]["error"]
    # when the server is back, then erasing again completes
    hub.services.backends.calendars.route("bievres", hub.store())
    done = (await gql(ERASE, {"person": louis}, token=world.token("sophie"))).ok()["erasePerson"]
    assert done["state"] == "COMPLETE"
