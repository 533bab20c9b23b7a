"""Recurring events written through the hub: one occurrence, the following ones, the series.

Checked three ways: the hub's own agenda, the stored iCalendar read back by the independent
`caldav` client, and Radicale's own expansion of the series (a CALDAV:expand REPORT), so that
other calendar clients see what the hub shows.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import icalendar

from hub.embedded.process import EmbeddedServer
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import AGENDA, ALLOCATION, CREATE, DELETE, PARIS, UPDATE, territory
from tests.servers.radicale import plain_client, radicale_home

SEPT_3 = datetime(2026, 9, 3, 14, 0, tzinfo=PARIS)  # a Thursday, summer time
AUTUMN = {"start": "2026-09-01T00:00:00+02:00", "end": "2027-01-01T00:00:00+01:00"}
NOVEMBER = {"start": "2026-11-01T00:00:00+01:00", "end": "2026-12-01T00:00:00+01:00"}


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


async def permanence(hub: CalendarHub, **more: Any) -> dict[str, Any]:
    """Camille's Thursday afternoons in Vauhallan, 14 h–18 h Paris, weekly from 3 September."""
    data = {
        "town": "vauhallan",
        "title": "Permanence de Camille",
        "start": SEPT_3.isoformat(),
        "end": (SEPT_3 + timedelta(hours=4)).isoformat(),
        "people": [hub.world.people["camille"].id],
        "recurrence": "FREQ=WEEKLY",
        **more,
    }
    reply = await hub.gql(CREATE, {"input": data}, token=hub.world.token("camille"))
    return reply.ok()["createEvent"]  # type: ignore[no-any-return]


async def agenda(hub: CalendarHub, window: dict[str, str] = AUTUMN) -> list[dict[str, Any]]:
    reply = await hub.gql(
        AGENDA, {**window, "towns": ["vauhallan"]}, token=hub.world.token("camille")
    )
    return reply.ok()["agenda"]["events"]  # type: ignore[no-any-return]


def occurrence(events: list[dict[str, Any]], day: date) -> dict[str, Any]:
    (found,) = [
        e for e in events if datetime.fromisoformat(e["start"]).astimezone(PARIS).date() == day
    ]
    return found


def local_starts(events: list[dict[str, Any]]) -> list[str]:
    return [
        datetime.fromisoformat(e["start"]).astimezone(PARIS).strftime("%m-%d %H:%M") for e in events
    ]


def _stored(radicale: EmbeddedServer, calendar: str) -> list[icalendar.Calendar]:
    with plain_client(radicale) as client:
        found = client.calendar(url=f"{radicale_home(radicale)}{calendar}/").events()  # type: ignore[no-untyped-call]
        return [icalendar.Calendar.from_ical(item.data) for item in found]


def _expanded_by_radicale(
    radicale: EmbeddedServer, calendar: str, start: datetime, end: datetime
) -> list[tuple[str, str]]:
    """Radicale's own expansion (CALDAV:expand), read with the caldav client."""
    with plain_client(radicale) as client:
        cal = client.calendar(url=f"{radicale_home(radicale)}{calendar}/")  # type: ignore[no-untyped-call]
        found = cal.search(start=start, end=end, event=True, expand=True, server_expand=True)
        shown = []
        for item in found:
            component = item.icalendar_component
            when = component.get("DTSTART").dt
            local = (
                when.astimezone(PARIS).strftime("%m-%d %H:%M")
                if isinstance(when, datetime)
                else when.isoformat()
            )
            shown.append((str(component.get("SUMMARY")), local))
        return sorted(shown, key=lambda pair: pair[1])


async def stored(hub: CalendarHub, calendar: str = "vauhallan") -> list[icalendar.Calendar]:
    return await asyncio.to_thread(_stored, hub.radicale, calendar)


async def expanded(hub: CalendarHub, start: datetime, end: datetime) -> list[tuple[str, str]]:
    return await asyncio.to_thread(_expanded_by_radicale, hub.radicale, "vauhallan", start, end)


def update_input(event: dict[str, Any], hub: CalendarHub, **changes: Any) -> dict[str, Any]:
    return {
        "town": "vauhallan",
        "title": event["title"],
        "start": event["start"],
        "end": event["end"],
        "people": [hub.world.people["camille"].id],
        **changes,
    }


async def test_a_weekly_series_is_written_in_paris_time_and_read_alike(
    calendar_hub: CalendarHub,
) -> None:
    hub = await territory(calendar_hub)
    created = await permanence(hub)

    events = await agenda(hub)
    (series,) = await stored(hub)
    by_radicale = await expanded(hub, paris(date(2026, 10, 20), 0), paris(date(2026, 11, 3), 0))

    assert created["recurring"] and created["recurrence"] == "FREQ=WEEKLY"
    assert len(events) == 18  # the Thursdays from 3 September to 31 December
    # 14 h in Paris before and after the change of time (25 October)
    assert {s[-5:] for s in local_starts(events)} == {"14:00"}
    (master,) = series.walk("VEVENT")
    assert master["DTSTART"].params["TZID"] == "Europe/Paris"
    assert series.walk("VTIMEZONE")
    assert by_radicale == [
        ("Permanence de Camille", "10-22 14:00"),
        ("Permanence de Camille", "10-29 14:00"),
    ]


async def test_deleting_one_thursday_keeps_the_others_and_the_past_months(
    calendar_hub: CalendarHub,
) -> None:
    # Given Camille's weekly permanence since September and her November report
    hub = await territory(calendar_hub)
    await permanence(hub)
    token = hub.world.token("camille")
    before = (await hub.gql(ALLOCATION, {"month": "2026-11"}, token=token)).ok()["allocation"]
    thursday = occurrence(await agenda(hub), date(2026, 12, 10))
    # When she deletes that one Thursday, the default scope
    reply = await hub.gql(DELETE, {"id": thursday["id"], "etag": thursday["etag"]}, token=token)
    # Then only that occurrence is gone, for the hub and for Radicale's own expansion
    assert reply.ok() == {"deleteEvent": True}
    events = await agenda(hub)
    assert len(events) == 17 and "12-10 14:00" not in local_starts(events)
    assert await expanded(hub, paris(date(2026, 12, 1), 0), paris(date(2026, 12, 18), 0)) == [
        ("Permanence de Camille", "12-03 14:00"),
        ("Permanence de Camille", "12-17 14:00"),
    ]
    (master,) = (await stored(hub))[0].walk("VEVENT")
    assert master.get("EXDATE") is not None
    after = (await hub.gql(ALLOCATION, {"month": "2026-11"}, token=token)).ok()["allocation"]
    assert after["rows"] == before["rows"] and after["totalHours"] == before["totalHours"] == 16


async def test_moving_one_occurrence_overrides_it(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await permanence(hub)
    token = hub.world.token("camille")
    thursday = occurrence(await agenda(hub), date(2026, 11, 19))
    friday = paris(date(2026, 11, 20), 9)

    reply = await hub.gql(
        UPDATE,
        {
            "id": thursday["id"],
            "etag": thursday["etag"],
            "input": update_input(
                thursday,
                hub,
                title="Permanence (déplacée)",
                start=friday.isoformat(),
                end=(friday + timedelta(hours=3)).isoformat(),
            ),
        },
        token=token,
    )

    moved = reply.ok()["updateEvent"]
    assert moved["id"] == thursday["id"]
    assert datetime.fromisoformat(moved["start"]) == friday
    november = await agenda(hub, NOVEMBER)
    assert [(e["title"], s) for e, s in zip(november, local_starts(november), strict=True)] == [
        ("Permanence de Camille", "11-05 14:00"),
        ("Permanence de Camille", "11-12 14:00"),
        ("Permanence (déplacée)", "11-20 09:00"),
        ("Permanence de Camille", "11-26 14:00"),
    ]
    (calendar,) = await stored(hub)
    (exception,) = [c for c in calendar.walk("VEVENT") if c.get("RECURRENCE-ID") is not None]
    assert exception["RECURRENCE-ID"].dt == paris(date(2026, 11, 19), 14)
    assert exception["RECURRENCE-ID"].params["TZID"] == "Europe/Paris"
    assert await expanded(hub, paris(date(2026, 11, 16), 0), paris(date(2026, 11, 23), 0)) == [
        ("Permanence (déplacée)", "11-20 09:00")
    ]


async def test_changing_the_following_ones_splits_the_series(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await permanence(hub)
    token = hub.world.token("camille")
    first_december = occurrence(await agenda(hub), date(2026, 12, 3))
    morning = paris(date(2026, 12, 3), 9)

    reply = await hub.gql(
        UPDATE,
        {
            "id": first_december["id"],
            "etag": first_december["etag"],
            "scope": "FOLLOWING",
            "input": update_input(
                first_december,
                hub,
                start=morning.isoformat(),
                end=(morning + timedelta(hours=3)).isoformat(),
                recurrence="FREQ=WEEKLY;INTERVAL=2",
            ),
        },
        token=token,
    )

    assert reply.ok()["updateEvent"]["recurrence"] == "FREQ=WEEKLY;INTERVAL=2"
    events = await agenda(hub)
    starts = local_starts(events)
    assert starts[-5:] == [
        "11-19 14:00",
        "11-26 14:00",
        "12-03 09:00",
        "12-17 09:00",
        "12-31 09:00",
    ]
    assert len(events) == 13 + 3
    objects = await stored(hub)
    assert len(objects) == 2
    rules = sorted(str(c["RRULE"].to_ical().decode()) for o in objects for c in o.walk("VEVENT"))
    assert rules == ["FREQ=WEEKLY;INTERVAL=2", "FREQ=WEEKLY;UNTIL=20261203T125959Z"]
    assert await expanded(hub, paris(date(2026, 11, 23), 0), paris(date(2026, 12, 24), 0)) == [
        ("Permanence de Camille", "11-26 14:00"),
        ("Permanence de Camille", "12-03 09:00"),
        ("Permanence de Camille", "12-17 09:00"),
    ]


async def test_changing_the_following_ones_of_a_counted_series_keeps_its_count(
    calendar_hub: CalendarHub,
) -> None:
    # given six Thursday permanences from 3 September (COUNT=6: to 8 October)
    hub = await territory(calendar_hub)
    await permanence(hub, recurrence="FREQ=WEEKLY;COUNT=6")
    fourth = occurrence(await agenda(hub), date(2026, 9, 24))
    # when the following ones from the fourth move to the morning
    morning = paris(date(2026, 9, 24), 9)
    reply = await hub.gql(
        UPDATE,
        {
            "id": fourth["id"],
            "etag": fourth["etag"],
            "scope": "FOLLOWING",
            "input": update_input(
                fourth,
                hub,
                start=morning.isoformat(),
                end=(morning + timedelta(hours=3)).isoformat(),
            ),
        },
        token=hub.world.token("camille"),
    )
    reply.ok()
    # then there are still six: three afternoons, three mornings (Radicale reads the same)
    assert await expanded(hub, paris(date(2026, 9, 1), 0), paris(date(2026, 12, 1), 0)) == [
        ("Permanence de Camille", "09-03 14:00"),
        ("Permanence de Camille", "09-10 14:00"),
        ("Permanence de Camille", "09-17 14:00"),
        ("Permanence de Camille", "09-24 09:00"),
        ("Permanence de Camille", "10-01 09:00"),
        ("Permanence de Camille", "10-08 09:00"),
    ]


async def test_deleting_the_following_ones_ends_the_series(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await permanence(hub)
    token = hub.world.token("camille")
    thursday = occurrence(await agenda(hub), date(2026, 12, 10))

    reply = await hub.gql(DELETE, {"id": thursday["id"], "scope": "FOLLOWING"}, token=token)

    assert reply.ok() == {"deleteEvent": True}
    assert local_starts(await agenda(hub))[-1] == "12-03 14:00"
    assert await expanded(hub, paris(date(2026, 12, 1), 0), paris(date(2027, 1, 1), 0)) == [
        ("Permanence de Camille", "12-03 14:00")
    ]


async def test_the_whole_series_moves_with_its_exceptions(calendar_hub: CalendarHub) -> None:
    # Given a series with one occurrence retitled and one deleted
    hub = await territory(calendar_hub)
    await permanence(hub)
    token = hub.world.token("camille")
    events = await agenda(hub)
    retitled, deleted = (
        occurrence(events, date(2026, 11, 5)),
        occurrence(events, date(2026, 11, 12)),
    )
    reply = await hub.gql(
        UPDATE,
        {"id": retitled["id"], "input": update_input(retitled, hub, title="Permanence + CCAS")},
        token=token,
    )
    reply.ok()
    (await hub.gql(DELETE, {"id": deleted["id"]}, token=token)).ok()
    # When the series moves an hour earlier and is renamed, from one of its occurrences
    chosen = occurrence(await agenda(hub), date(2026, 11, 19))
    earlier = paris(date(2026, 11, 19), 13)
    reply = await hub.gql(
        UPDATE,
        {
            "id": chosen["id"],
            "scope": "SERIES",
            "input": update_input(
                chosen,
                hub,
                title="Permanence en mairie",
                start=earlier.isoformat(),
                end=(earlier + timedelta(hours=4)).isoformat(),
            ),
        },
        token=token,
    )
    # Then every occurrence moved, the exception kept its own title, the deleted one stays gone
    assert datetime.fromisoformat(reply.ok()["updateEvent"]["start"]) == earlier
    november = await agenda(hub, NOVEMBER)
    assert [(e["title"], s) for e, s in zip(november, local_starts(november), strict=True)] == [
        ("Permanence + CCAS", "11-05 13:00"),
        ("Permanence en mairie", "11-19 13:00"),
        ("Permanence en mairie", "11-26 13:00"),
    ]
    assert local_starts(await agenda(hub))[0] == "09-03 13:00"
    assert await expanded(hub, paris(date(2026, 11, 1), 0), paris(date(2026, 11, 20), 0)) == [
        ("Permanence + CCAS", "11-05 13:00"),
        ("Permanence en mairie", "11-19 13:00"),
    ]


async def test_deleting_the_series_deletes_every_occurrence(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await permanence(hub)
    thursday = occurrence(await agenda(hub), date(2026, 12, 10))

    reply = await hub.gql(
        DELETE, {"id": thursday["id"], "scope": "SERIES"}, token=hub.world.token("camille")
    )

    assert reply.ok() == {"deleteEvent": True}
    assert await agenda(hub) == [] and await stored(hub) == []


async def test_monthly_on_the_third_thursday(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    start = paris(date(2026, 9, 17), 18)
    await permanence(
        hub,
        title="Commission",
        start=start.isoformat(),
        end=(start + timedelta(hours=2)).isoformat(),
        recurrence="FREQ=MONTHLY;BYDAY=3TH",
    )

    assert local_starts(await agenda(hub)) == [
        "09-17 18:00",
        "10-15 18:00",
        "11-19 18:00",
        "12-17 18:00",
    ]


async def test_rules_are_checked(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    token = hub.world.token("camille")
    refused = [
        "FREQ=SOMETIMES",
        "FREQ=WEEKLY;X-MINE=1",
        "FREQ=MINUTELY",
        "FREQ=DAILY;COUNT=100000",
        "FREQ=MONTHLY;BYDAY=1MO",  # 3 September 2026 is not a first Monday
        "FREQ=WEEKLY;UNTIL=20260101T000000Z",
        "FREQ=WEEKLY;" + "BYMONTH=1;" * 50,
    ]
    for rule in refused:
        data = {
            "town": "vauhallan",
            "title": "Essai",
            "start": SEPT_3.isoformat(),
            "end": (SEPT_3 + timedelta(hours=1)).isoformat(),
            "recurrence": rule,
        }
        reply = await hub.gql(CREATE, {"input": data}, token=token)
        assert reply.codes == ["BAD_INPUT"], rule
        assert reply.errors[0]["extensions"]["field"] == "recurrence", rule
    assert await stored(hub) == []


async def test_an_occurrence_cannot_repeat_by_itself(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await permanence(hub)
    thursday = occurrence(await agenda(hub), date(2026, 11, 19))

    reply = await hub.gql(
        UPDATE,
        {"id": thursday["id"], "input": update_input(thursday, hub, recurrence="FREQ=DAILY")},
        token=hub.world.token("camille"),
    )

    assert reply.codes == ["BAD_INPUT"] and reply.errors[0]["extensions"]["field"] == "recurrence"


async def test_all_day_events_keep_dates(calendar_hub: CalendarHub) -> None:
    # Given an all-day event
    hub = await territory(calendar_hub)
    token = hub.world.token("camille")
    day = date(2026, 11, 20)
    data = {
        "town": "vauhallan",
        "title": "Formation",
        "start": paris(day, 0).isoformat(),
        "end": paris(day + timedelta(days=1), 0).isoformat(),
        "allDay": True,
    }
    created = (await hub.gql(CREATE, {"input": data}, token=token)).ok()["createEvent"]
    # When it is saved again as read, then moved to the next Monday for two days
    same = await hub.gql(UPDATE, {"id": created["id"], "input": data}, token=token)
    monday = date(2026, 11, 23)
    moved = await hub.gql(
        UPDATE,
        {
            "id": created["id"],
            "input": {
                **data,
                "start": paris(monday, 0).isoformat(),
                "end": paris(monday + timedelta(days=2), 0).isoformat(),
            },
        },
        token=token,
    )
    # Then it stays an all-day event (DATE values) over the days asked for
    assert same.ok()["updateEvent"]["allDay"] is True
    event = moved.ok()["updateEvent"]
    assert event["allDay"] is True
    assert (event["start"], event["end"]) == (
        "2026-11-23T00:00:00+01:00",
        "2026-11-25T00:00:00+01:00",
    )
    (calendar,) = await stored(hub)
    (component,) = calendar.walk("VEVENT")
    assert component["DTSTART"].dt == monday and component["DTEND"].dt == date(2026, 11, 25)


async def test_an_all_day_weekly_series_skips_one_week(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    token = hub.world.token("camille")
    monday = date(2026, 11, 2)
    data = {
        "town": "vauhallan",
        "title": "Astreinte",
        "start": paris(monday, 0).isoformat(),
        "end": paris(monday + timedelta(days=1), 0).isoformat(),
        "allDay": True,
        "recurrence": "FREQ=WEEKLY",
    }
    (await hub.gql(CREATE, {"input": data}, token=token)).ok()
    skipped = occurrence(await agenda(hub, NOVEMBER), date(2026, 11, 16))

    (await hub.gql(DELETE, {"id": skipped["id"]}, token=token)).ok()

    assert [e["start"][:10] for e in await agenda(hub, NOVEMBER)] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-23",
        "2026-11-30",
    ]
    (master,) = (await stored(hub))[0].walk("VEVENT")
    assert master["EXDATE"].to_ical() == b"20261116"
