"""Bad input and faults: each one answers as documented, the rest of the agenda still comes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.calendar.port import SyncState
from hub.agenda.expansion import MAX_OCCURRENCES_PER_OBJECT
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import AGENDA, MONDAY, WEEK, at, put_event, put_raw, territory


@pytest.mark.parametrize(
    "window",
    [
        {"start": at(3, 0).isoformat(), "end": at(1, 0).isoformat()},  # end before start
        {"start": at(0, 0).isoformat(), "end": (MONDAY + timedelta(days=367)).isoformat()},
        {"start": "2026-11-16T00:00:00", "end": at(7, 0).isoformat()},  # naive
        {"start": at(0, 0).isoformat(), "end": "2026-11-23T00:00:00"},  # naive
    ],
    ids=["end-before-start", "longer-than-366-days", "naive-start", "naive-end"],
)
async def test_bad_windows_are_bad_input(calendar_hub: CalendarHub, window: dict[str, str]) -> None:
    hub = await territory(calendar_hub)

    reply = await hub.gql(AGENDA, window, token=hub.world.token("camille"))

    assert reply.codes == ["BAD_INPUT"]


async def test_unknown_town_is_not_found(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)

    reply = await hub.gql(
        AGENDA, {**WEEK, "towns": ["igny", "paris"]}, token=hub.world.token("camille")
    )

    assert reply.codes == ["NOT_FOUND"]


async def test_a_town_the_caller_is_not_in_is_forbidden(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)

    reply = await hub.gql(AGENDA, {**WEEK, "towns": ["bievres"]}, token=hub.world.token("louis"))

    assert reply.codes == ["FORBIDDEN"]


async def test_listed_towns_only(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Conseil", at(0, 20), at(0, 22))
    await put_event(hub, "bievres", "b1", "Commission", at(1, 14), at(1, 16))

    reply = await hub.gql(AGENDA, {**WEEK, "towns": ["bievres"]}, token=hub.world.token("camille"))

    assert [e["title"] for e in reply.ok()["agenda"]["events"]] == ["Commission"]


UNBOUNDED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//FR\r
BEGIN:VEVENT\r
UID:daily\r
DTSTAMP:20260101T000000Z\r
DTSTART:20200101T080000Z\r
DTEND:20200101T083000Z\r
SUMMARY:Point quotidien\r
RRULE:FREQ=DAILY\r
END:VEVENT\r
END:VCALENDAR\r
"""

DENSE = UNBOUNDED.replace("UID:daily", "UID:dense").replace(
    "RRULE:FREQ=DAILY", "RRULE:FREQ=HOURLY;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55"
)


async def test_rrule_without_end_expands_inside_the_window_only(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await put_raw(hub, "igny", "daily", UNBOUNDED)

    events = (await hub.gql(AGENDA, WEEK, token=hub.world.token("louis"))).ok()["agenda"]["events"]

    assert len(events) == 7
    assert events[0]["start"] == "2026-11-16T08:00:00+00:00"
    assert len({e["id"] for e in events}) == 7  # one id per occurrence


async def test_rrule_expansion_never_passes_the_cap(calendar_hub: CalendarHub) -> None:
    # Given a daily rule read over a year, with a cap lowered for the test
    hub = await territory(calendar_hub)
    await put_raw(hub, "igny", "daily", UNBOUNDED)
    year = {"start": MONDAY.isoformat(), "end": (MONDAY + timedelta(days=366)).isoformat()}
    # When read over a year (366 occurrences, under the cap of 2000)
    agenda = (await hub.gql(AGENDA, year, token=hub.world.token("louis"))).ok()["agenda"]
    # Then every occurrence is there and none was cut
    assert len(agenda["events"]) == 366 < MAX_OCCURRENCES_PER_OBJECT
    assert agenda["errors"] == []


async def test_malformed_and_hostile_objects_are_skipped_with_an_error(
    calendar_hub: CalendarHub,
) -> None:
    # Given a good event, a broken one and a too-dense rule in Igny's calendar
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "good", "Conseil municipal", at(0, 20), at(0, 22))
    # (Radicale refuses unparsable text on PUT; it stores an event that ends before it starts.)
    backwards = (
        UNBOUNDED.replace("UID:daily", "UID:backwards")
        .replace("RRULE:FREQ=DAILY\r\n", "")
        .replace("DTSTART:20200101T080000Z", "DTSTART:20261117T100000Z")
        .replace("DTEND:20200101T083000Z", "DTEND:20261117T090000Z")
    )
    await put_raw(hub, "igny", "backwards", backwards)
    await put_raw(hub, "igny", "dense", DENSE)
    # When the agenda is read
    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("louis"))).ok()["agenda"]
    # Then the good event is there, and each bad object is one INVALID_EVENT error
    assert [e["title"] for e in agenda["events"]] == ["Conseil municipal"]
    assert sorted((e["code"], e["town"]["slug"]) for e in agenda["errors"]) == [
        ("INVALID_EVENT", "igny"),
        ("INVALID_EVENT", "igny"),
    ]


async def test_a_town_whose_server_is_down_is_an_error_not_a_failure(
    calendar_hub: CalendarHub, closed_url: str
) -> None:
    # Given Bièvres' calendar on a server that is not running
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Conseil municipal", at(0, 20), at(0, 22))
    hub.services.backends.calendars.route("bievres", hub.store(closed_url))
    # When Camille reads her week
    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("camille"))).ok()["agenda"]
    # Then Igny's events come, and Bièvres is one error
    assert [e["title"] for e in agenda["events"]] == ["Conseil municipal"]
    assert [(e["town"]["slug"], e["source"], e["code"]) for e in agenda["errors"]] == [
        ("bievres", "calendar", "BACKEND_UNAVAILABLE")
    ]


async def test_a_hanging_server_fails_at_the_timeout(
    calendar_hub: CalendarHub, hanging_url: str
) -> None:
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Conseil municipal", at(0, 20), at(0, 22))
    hub.services.backends.calendars.route("vauhallan", hub.store(hanging_url))

    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("camille"))).ok()["agenda"]

    assert [e["title"] for e in agenda["events"]] == ["Conseil municipal"]
    assert [(e["town"]["slug"], e["code"]) for e in agenda["errors"]] == [("vauhallan", "TIMEOUT")]


async def test_a_refused_sync_token_falls_back_to_a_full_read(calendar_hub: CalendarHub) -> None:
    # Given the hub remembers a sync-token the server does not know (and stale objects)
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Conseil municipal", at(0, 20), at(0, 22))
    calendars = hub.services.backends.calendars
    store = calendars.store_for("igny")
    calendars.remember("igny", store, SyncState("http://radicale.org/ns/sync/unknown", {}))
    # When the agenda is read
    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("louis"))).ok()["agenda"]
    # Then the calendar was read again in full
    assert [e["title"] for e in agenda["events"]] == ["Conseil municipal"]
    assert agenda["errors"] == []
    assert calendars.state("igny", store) is not None
    assert calendars.state("igny", store).token != "http://radicale.org/ns/sync/unknown"  # type: ignore[union-attr]


async def test_unauthenticated_callers_get_nothing(calendar_hub: CalendarHub) -> None:
    reply = await calendar_hub.gql(AGENDA, WEEK)

    assert reply.codes == ["UNAUTHENTICATED"]
