"""Dates the hub cannot compute with are bad input, never an internal error."""

from __future__ import annotations

import pytest

from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import AGENDA, CREATE, WEEK, put_raw, territory

FAR = {"start": "9999-12-30T00:00:00Z", "end": "9999-12-31T23:59:59Z"}
EARLY = {"start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"}
WEEKLY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    "UID:permanence\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T080000Z\r\n"
    "DTEND:20260105T120000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Permanence\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.mark.parametrize("window", [FAR, EARLY], ids=["year 9999", "year 1"])
async def test_an_agenda_at_the_ends_of_time_is_bad_input(
    calendar_hub: CalendarHub, window: dict[str, str]
) -> None:
    hub = await territory(calendar_hub)
    await put_raw(hub, "igny", "permanence", WEEKLY)  # expanded up to the window's end

    reply = await hub.gql(AGENDA, window, token=hub.world.token("camille"))

    assert set(reply.codes) == {"BAD_INPUT"}
    assert "Give a date between 1900 and 2199." in reply.errors[0]["message"]


async def test_an_event_at_the_ends_of_time_is_bad_input(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    event = {"town": "igny", "title": "Conseil", **FAR}

    reply = await hub.gql(CREATE, {"input": event}, token=hub.world.token("camille"))
    week = await hub.gql(AGENDA, WEEK, token=hub.world.token("camille"))

    assert set(reply.codes) == {"BAD_INPUT"}
    assert week.ok()["agenda"]["events"] == []
