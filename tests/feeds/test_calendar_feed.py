"""A personal calendar subscription: a secret address, read-only, revocable, current."""

from __future__ import annotations

from urllib.parse import urlsplit

import icalendar

from tests.agenda.fixtures import CalendarHub
from tests.allocation.test_allocation import demo

CREATE = "mutation { createCalendarFeed { url createdAt } }"
REVOKE = "mutation { revokeCalendarFeed }"
READ = "query { calendarFeed { url createdAt } }"
OFFBOARD = "mutation Off($person: ID!) { offboardStaff(person: $person) { active } }"


async def new_feed(hub: CalendarHub, user: str = "camille") -> str:
    reply = await hub.gql(CREATE, token=hub.world.token(user))
    url = reply.ok()["createCalendarFeed"]["url"]
    assert isinstance(url, str)
    return urlsplit(url).path


async def fetch(hub: CalendarHub, path: str) -> tuple[int, bytes, dict[str, str]]:
    response = await hub.gql.http.get(path)  # no credentials: the address is the secret
    return response.status_code, response.content, dict(response.headers)


def summaries(body: bytes) -> list[str]:
    calendar = icalendar.Calendar.from_ical(body)
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


async def test_the_feed_serves_the_merged_agenda_without_other_credentials(
    calendar_hub: CalendarHub,
) -> None:
    hub = await demo(calendar_hub)
    path = await new_feed(hub)

    status, body, headers = await fetch(hub, path)

    assert status == 200 and headers["content-type"].startswith("text/calendar")
    assert "no-store" in headers["cache-control"]
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "Entente — Camille"
    found = set(summaries(body))
    assert {"Igny — Permanence de Camille", "Bièvres — Permanence de Camille"} <= found
    assert (await hub.gql(READ, token=hub.world.token("camille"))).ok()["calendarFeed"][
        "url"
    ] is None


async def test_a_feed_shows_only_the_owners_towns(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    path = await new_feed(hub, "ines")

    _, body, _ = await fetch(hub, path)

    assert summaries(body) and all(s.startswith("Bièvres — ") for s in summaries(body))


async def test_a_new_address_replaces_the_old_and_revoking_ends_it(
    calendar_hub: CalendarHub,
) -> None:
    hub = await demo(calendar_hub)
    first = await new_feed(hub)
    second = await new_feed(hub)

    assert (await fetch(hub, first))[0] == 404
    assert (await fetch(hub, second))[0] == 200
    assert (await hub.gql(REVOKE, token=hub.world.token("camille"))).ok() == {
        "revokeCalendarFeed": True
    }
    assert (await fetch(hub, second))[0] == 404
    assert (await hub.gql(READ, token=hub.world.token("camille"))).ok() == {"calendarFeed": None}


async def test_the_feed_is_read_only_and_guesses_open_nothing(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    path = await new_feed(hub)

    put = await hub.gql.http.put(path, content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    delete = await hub.gql.http.delete(path)

    assert put.status_code == 405 and delete.status_code == 405
    assert (await fetch(hub, path))[0] == 200
    for guess in ("/feeds/x.ics", "/feeds/" + "a" * 43 + ".ics", "/feeds/" + "a" * 500 + ".ics"):
        assert (await fetch(hub, guess))[0] == 404


async def test_an_offboarded_persons_feed_stops(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    path = await new_feed(hub, "louis")

    reply = await hub.gql(
        OFFBOARD, {"person": hub.world.people["louis"].id}, token=hub.world.token("admin")
    )

    assert reply.ok()["offboardStaff"]["active"] is False
    assert (await fetch(hub, path))[0] == 404
