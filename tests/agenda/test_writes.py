"""createEvent / updateEvent / deleteEvent: members only, etags, audit, other clients see it."""

from __future__ import annotations

import asyncio

from hub.agenda.ical import parse_events
from hub.embedded.process import EmbeddedServer
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import AGENDA, CREATE, DELETE, UPDATE, WEEK, at, event_input, territory
from tests.servers.radicale import plain_client, radicale_home

AUDIT = "query { auditLog(first: 20) { entries { action target outcome town { slug } } } }"


async def create(hub: CalendarHub, user: str = "camille", **changes: object) -> dict[str, object]:
    data = event_input(hub, "igny", "Conseil municipal", at(0, 20), at(0, 22), ["camille"])
    reply = await hub.gql(CREATE, {"input": {**data, **changes}}, token=hub.world.token(user))
    return reply.ok()["createEvent"]  # type: ignore[no-any-return]


def _plain_read(radicale: EmbeddedServer, calendar: str) -> list[str]:
    with plain_client(radicale) as client:
        found = client.calendar(url=f"{radicale_home(radicale)}{calendar}/").events()  # type: ignore[no-untyped-call]
        return [str(item.data) for item in found]


async def test_created_event_is_seen_by_a_plain_caldav_client(calendar_hub: CalendarHub) -> None:
    # Given Camille creates an event in Igny booking herself
    hub = await territory(calendar_hub)
    created = await create(hub, location="Salle du conseil")
    # When a plain CalDAV client reads Igny's calendar
    (text,) = await asyncio.to_thread(_plain_read, hub.radicale, "igny")
    # Then it finds the event with its people as attendees
    (event,) = parse_events(text)
    assert event.title == "Conseil municipal" and event.location == "Salle du conseil"
    assert event.people == (hub.world.people["camille"].id,)
    assert [a.email for a in event.attendees] == ["camille@test.example"]
    assert created["etag"] and created["town"] == {"slug": "igny"}
    assert [person["username"] for person in created["people"]] == ["camille"]


async def test_update_with_the_current_etag_then_a_stale_one(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    created = await create(hub)
    token = hub.world.token("camille")
    changed = event_input(hub, "igny", "Conseil (reporté)", at(1, 20), at(1, 22), ["camille"])
    # When updated with the etag just read, then again with that same, now stale, etag
    updated = await hub.gql(
        UPDATE, {"id": created["id"], "input": changed, "etag": created["etag"]}, token=token
    )
    stale = await hub.gql(
        UPDATE,
        {"id": created["id"], "input": {**changed, "title": "Perdu"}, "etag": created["etag"]},
        token=token,
    )
    gone = await hub.gql(DELETE, {"id": created["id"], "etag": created["etag"]}, token=token)
    # Then the first wins, the stale ones answer CONFLICT and change nothing
    assert updated.ok()["updateEvent"]["title"] == "Conseil (reporté)"
    assert stale.codes == ["CONFLICT"] and gone.codes == ["CONFLICT"]
    events = (await hub.gql(AGENDA, WEEK, token=token)).ok()["agenda"]["events"]
    assert [(e["title"], e["start"]) for e in events] == [
        ("Conseil (reporté)", "2026-11-17T19:00:00+00:00")
    ]


async def test_delete_with_the_current_etag(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    created = await create(hub)
    token = hub.world.token("camille")

    deleted = await hub.gql(DELETE, {"id": created["id"], "etag": created["etag"]}, token=token)

    assert deleted.ok() == {"deleteEvent": True}
    assert (await hub.gql(AGENDA, WEEK, token=token)).ok()["agenda"]["events"] == []


async def test_only_members_of_the_town_write_its_events(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    created = await create(hub)
    data = event_input(hub, "igny", "Intrus", at(2, 9), at(2, 10))

    refused = await hub.gql(CREATE, {"input": data}, token=hub.world.token("ines"))
    deleting = await hub.gql(DELETE, {"id": created["id"]}, token=hub.world.token("ines"))
    by_staff = await hub.gql(CREATE, {"input": data}, token=hub.world.token("louis"))

    assert refused.codes == ["FORBIDDEN"] and deleting.codes == ["FORBIDDEN"]
    assert by_staff.ok()["createEvent"]["title"] == "Intrus"


async def test_people_must_be_members_of_the_town(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    data = event_input(hub, "igny", "Visite", at(2, 9), at(2, 10), ["ines"])

    reply = await hub.gql(CREATE, {"input": data}, token=hub.world.token("camille"))

    assert reply.codes == ["BAD_INPUT"]
    assert await asyncio.to_thread(_plain_read, hub.radicale, "igny") == []


async def test_bad_event_input(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    token = hub.world.token("camille")
    backwards = event_input(hub, "igny", "À l'envers", at(2, 10), at(2, 9))
    naive = {
        **event_input(hub, "igny", "Naïf", at(2, 9), at(2, 10)),
        "start": "2026-11-18T09:00:00",
    }
    untitled = event_input(hub, "igny", "   ", at(2, 9), at(2, 10))

    for data in (backwards, naive, untitled):
        assert (await hub.gql(CREATE, {"input": data}, token=token)).codes == ["BAD_INPUT"]
    assert (await hub.gql(DELETE, {"id": "not-an-id"}, token=token)).codes == ["NOT_FOUND"]


async def test_writes_are_audited_with_their_town(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    created = await create(hub)
    await hub.gql(DELETE, {"id": created["id"]}, token=hub.world.token("camille"))

    entries = (await hub.gql(AUDIT, token=hub.world.token("admin"))).ok()["auditLog"]["entries"]

    actions = [(e["action"], e["outcome"], (e["town"] or {}).get("slug")) for e in entries]
    assert ("event.create", "ok", "igny") in actions
    assert ("event.delete", "ok", "igny") in actions


async def test_a_server_failure_changes_nothing(calendar_hub: CalendarHub, closed_url: str) -> None:
    hub = await territory(calendar_hub)
    hub.services.backends.calendars.route("igny", hub.store(closed_url))
    data = event_input(hub, "igny", "Conseil", at(2, 9), at(2, 10))

    reply = await hub.gql(CREATE, {"input": data}, token=hub.world.token("camille"))

    assert reply.codes == ["BACKEND_UNAVAILABLE"]
    entries = (await hub.gql(AUDIT, token=hub.world.token("admin"))).ok()["auditLog"]["entries"]
    assert [(e["action"], e["outcome"]) for e in entries if e["action"] == "event.create"] == [
        ("event.create", "BACKEND_UNAVAILABLE")
    ]
