"""The agenda on the calendar servers towns actually run: Xandikos (a missing collection
answers 207 whose response says 404; sync answers carry etags without the data), and a server
that refuses the hub's own password. Nothing is dropped in silence, and one operator mistake
gives one answer everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select

from hub.agenda.ical_write import build_event
from hub.backends import Endpoints
from hub.embedded.process import EmbeddedServer
from hub.embedded.stack import Endpoint
from hub.services import Services, build_services
from hub.towns.models import ProvisioningStep
from tests.agenda.fixtures import TIMEOUT, CalendarHub
from tests.agenda.helpers import AGENDA, ALLOCATION, CREATE, WEEK, at, event_input
from tests.servers.radicale import radicale_home
from tests.servers.xandikos import xandikos_home
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.territory import essonne
from tests.support.world import World


async def _calendar_hub(
    services: Services, server: EmbeddedServer, home: str, password: str
) -> AsyncIterator[CalendarHub]:
    settings = services.settings.model_copy(update={"backend_timeout": 5 * TIMEOUT})
    endpoint = Endpoint(home, server.username, password)
    own = build_services(settings, engine=services.engine, endpoints=Endpoints(caldav=endpoint))
    hub = CalendarHub(own, None, World(own), server)  # type: ignore[arg-type]
    try:
        async with hub_http(own) as http:
            hub.gql = GraphQLClient(http)
            yield hub
    finally:
        await own.backends.aclose()
        for store in hub.stores:
            await store.aclose()


@pytest.fixture
async def xandikos_hub(services: Services, xandikos: EmbeddedServer) -> AsyncIterator[CalendarHub]:
    # each test's towns get calendars of their own: the home is per test
    async for hub in _calendar_hub(services, xandikos, xandikos_home(xandikos), "x"):
        yield hub
    async with aiohttp.ClientSession() as http:
        for slug in ("igny", "bievres", "vauhallan"):
            async with http.delete(f"{xandikos_home(xandikos)}{slug}/"):
                pass


async def _steps(world: World, name: str) -> dict[str, tuple[bool, str | None]]:
    async with world.services.sessions() as session:
        rows = await session.scalars(select(ProvisioningStep).where(ProvisioningStep.name == name))
        by_id = {town.id: slug for slug, town in world.towns.items()}
        return {by_id[r.town_id]: (r.done, r.error) for r in rows}


async def test_on_xandikos_every_event_comes_back_and_counts(xandikos_hub: CalendarHub) -> None:
    hub = xandikos_hub
    await essonne(hub.world)
    camille = hub.world.token("camille")
    # given calendars provisioned on Xandikos (a missing one answers 207 saying 404)
    assert set((await _steps(hub.world, "calendar")).values()) == {(True, None)}
    # and two events of camille, one written through the hub, one by another client
    created = await hub.gql(
        CREATE,
        {"input": event_input(hub, "igny", "Permanence", at(0, 9), at(0, 12), ["camille"])},
        token=camille,
    )
    created.ok()
    camille_id = hub.world.people["camille"].id
    other = build_event("b1", "Commission", at(1, 14), at(1, 16), False, "", "", [camille_id], "x")
    await hub.store(xandikos_home(hub.radicale)).put("bievres", "b1", other, None)
    # when the agenda is read twice (cold, then warm) and the month's allocation
    cold = (await hub.gql(AGENDA, WEEK, token=camille)).ok()["agenda"]
    warm = (await hub.gql(AGENDA, WEEK, token=camille)).ok()["agenda"]
    report = (await hub.gql(ALLOCATION, {"month": "2026-11"}, token=camille)).ok()["allocation"]
    # then both events are there every time, with no error, and the hours count them
    for agenda in (cold, warm):
        assert [e["title"] for e in agenda["events"]] == ["Permanence", "Commission"]
        assert agenda["errors"] == []
    assert report["totalHours"] == 5.0


async def test_an_event_in_a_town_without_its_calendar_is_not_a_stale_etag(
    xandikos_hub: CalendarHub,
) -> None:
    hub = xandikos_hub
    await essonne(hub.world)
    url = f"{xandikos_home(hub.radicale)}igny/"
    async with aiohttp.ClientSession() as http, http.delete(url) as gone:
        assert gone.status in (200, 204)
    # when an event is created in the town whose calendar was deleted
    reply = await hub.gql(
        CREATE,
        {"input": event_input(hub, "igny", "Conseil", at(0, 20), at(0, 22))},
        token=hub.world.token("louis"),
    )
    # then it is missing, said so, never "the event changed since you read it"
    assert reply.codes == ["NOT_FOUND"]
    assert "no calendar" in reply.errors[0]["message"]


@pytest.fixture
async def wrong_password_hub(
    services: Services, radicale: EmbeddedServer
) -> AsyncIterator[CalendarHub]:
    async for hub in _calendar_hub(services, radicale, radicale_home(radicale), "not-it"):
        yield hub


async def test_a_wrong_caldav_password_is_one_answer_everywhere(
    wrong_password_hub: CalendarHub,
) -> None:
    hub = wrong_password_hub
    await essonne(hub.world)
    louis = hub.world.token("louis")
    # given the calendar step failed with a short sentence
    done, error = (await _steps(hub.world, "calendar"))["igny"]
    assert not done and error is not None and "administrator" in error
    # when louis reads the agenda and creates an event
    agenda = (await hub.gql(AGENDA, WEEK, token=louis)).ok()["agenda"]
    created = await hub.gql(
        CREATE,
        {"input": event_input(hub, "igny", "Conseil", at(0, 20), at(0, 22))},
        token=louis,
    )
    # then both say BACKEND_UNAVAILABLE: the calendar server refused the hub's own account
    # and an administrator must act
    assert [e["code"] for e in agenda["errors"]] == ["BACKEND_UNAVAILABLE"]
    assert created.codes == ["BACKEND_UNAVAILABLE"]
    for message in (agenda["errors"][0]["message"], created.errors[0]["message"]):
        assert "CalDAV" in message and "administrator" in message


async def test_a_dead_towns_server_is_skipped_and_its_error_says_so(
    calendar_hub: CalendarHub, closed_url: str
) -> None:
    from connectors.breaker import Breaker
    from connectors.calendar.caldav_store import CalDAVStore

    hub = calendar_hub
    await essonne(hub.world)
    camille = hub.world.token("camille")
    # given igny's calendar on a server that is down, behind a breaker opening at 2 failures
    dead = CalDAVStore(closed_url, "u", "p", breaker=Breaker("caldav", threshold=2))
    hub.services.backends.calendars.route("igny", dead)
    try:
        # when the agenda is read three times
        replies = [(await hub.gql(AGENDA, WEEK, token=camille)).ok() for _ in range(3)]
    finally:
        await dead.aclose()
    # then igny is an error each time, the third saying it is skipped for a while
    errors = [reply["agenda"]["errors"] for reply in replies]
    assert [[e["town"]["slug"] for e in found] for found in errors] == [["igny"]] * 3
    assert {e["code"] for found in errors for e in found} == {"BACKEND_UNAVAILABLE"}
    assert "not answering" in errors[0][0]["message"]
    assert "keeps failing" in errors[2][0]["message"]
