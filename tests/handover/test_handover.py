"""Handing Camille's pooled post over to Marie on the real Radicale: roles and shares move,
bookings from the effective day follow (a series split the RFC 5545 way, checked with
Radicale's own expansion), the past stays as it was; one audit entry per town; cut off, it
resumes."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from connectors.calendar.caldav_store import CalDAVStore
from hub.audit.models import AuditEntry
from hub.people.mandates import today
from hub.people.models import Membership, Role
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import CREATE, PARIS
from tests.servers.radicale import plain_client, radicale_home
from tests.support.graphql import Reply, operation
from tests.support.territory import essonne

HAND_OVER = operation("scripts/HandOver")
PREVIEW = operation("scripts/HandOverPreview")


def day(offset: int, hour: int = 9) -> datetime:
    return datetime.combine(today() + timedelta(days=offset), datetime.min.time()).replace(
        hour=hour, tzinfo=PARIS
    )


EFFECTIVE = 14  # days from today


async def _territory(hub: CalendarHub) -> None:
    await essonne(hub.world)
    await hub.world.person("marie")


async def _event(
    hub: CalendarHub, town: str, title: str, start: int, people: list[str], **more: Any
) -> None:
    ids = [hub.world.people[name].id for name in people]
    answer = await hub.gql(
        CREATE,
        {
            "input": {
                "town": town,
                "title": title,
                "start": day(start).isoformat(),
                "end": day(start, 11).isoformat(),
                "people": ids,
                **more,
            }
        },
        token=hub.world.token("camille"),
    )
    answer.ok()


def _expanded(hub: CalendarHub, calendar: str, start: datetime, end: datetime) -> list[Any]:
    """Radicale's own expansion: (title, day offset, people's usernames) per occurrence."""
    names = {p.id: name for name, p in hub.world.people.items()}
    with plain_client(hub.radicale) as client:
        cal = client.calendar(url=f"{radicale_home(hub.radicale)}{calendar}/")  # type: ignore[no-untyped-call]
        found = cal.search(start=start, end=end, event=True, expand=True, server_expand=True)
        shown = []
        for item in found:
            component = item.icalendar_component
            when = component.get("DTSTART").dt.astimezone(PARIS).date()
            people = str(component.get("X-ENTENTE-PEOPLE", "")).replace("\\,", ",").split(",")
            shown.append(
                (
                    str(component.get("SUMMARY")),
                    (when - today()).days,
                    sorted(names.get(p, p) for p in people if p),
                )
            )
        return sorted(shown, key=lambda item: (item[1], item[0]))


async def expanded(hub: CalendarHub, calendar: str) -> list[Any]:
    return await asyncio.to_thread(_expanded, hub, calendar, day(-1, 0), day(60, 0))


def _vars(
    hub: CalendarHub, towns: list[str], *, offboard: bool = False, effective: date | None = None
) -> dict[str, Any]:
    return {
        "outgoing": hub.world.people["camille"].id,
        "incoming": hub.world.people["marie"].id,
        "towns": towns,
        "effective": (effective or today() + timedelta(days=EFFECTIVE)).isoformat(),
        "offboard": offboard,
    }


async def hand_over(hub: CalendarHub, towns: list[str], **more: Any) -> Reply:
    return await hub.gql(HAND_OVER, _vars(hub, towns, **more), token=hub.world.token("admin"))


async def _memberships(hub: CalendarHub) -> set[tuple[str, str, str, float | None]]:
    names = {p.id: name for name, p in hub.world.people.items()}
    slugs = {t.id: slug for slug, t in hub.world.towns.items()}
    async with hub.services.sessions() as session:
        rows = await session.scalars(select(Membership))
        return {(names[m.person_id], slugs[m.town_id], m.role.value, m.share) for m in rows}


async def _handover_audit(hub: CalendarHub) -> list[tuple[str | None, str]]:
    slugs = {t.id: slug for slug, t in hub.world.towns.items()}
    async with hub.services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "person.handover").order_by(AuditEntry.id)
        )
        return [(slugs.get(r.town_id or ""), r.outcome) for r in rows]


async def test_the_post_moves_with_its_bookings_from_the_effective_day(
    calendar_hub: CalendarHub,
) -> None:
    hub = calendar_hub
    await _territory(hub)
    # given Camille's bookings in Igny: before the day, after it, a weekly permanence across
    # it, and one starting after it; and one in Bièvres
    await _event(hub, "igny", "Avant", 3, ["camille"])
    await _event(hub, "igny", "Après", 20, ["camille", "louis"])
    await _event(hub, "igny", "Permanence", 1, ["camille"], recurrence="FREQ=WEEKLY;COUNT=6")
    await _event(hub, "igny", "Commission", 16, ["camille"], recurrence="FREQ=WEEKLY;COUNT=2")
    await _event(hub, "bievres", "Conseil", 30, ["camille"])
    # when the admin hands her Igny and Bièvres posts over to Marie from the day on
    done = (await hand_over(hub, ["igny", "bievres"])).ok()["handOver"]
    # then the handover is complete, each town done
    assert done["complete"] and done["error"] is None
    assert [
        (t["town"]["slug"], t["role"], t["share"], t["done"], t["eventsMoved"])
        for t in done["towns"]
    ] == [
        ("igny", "MANAGER", 0.5, True, 3),
        ("bievres", "MANAGER", 0.3, True, 1),
    ]
    # Marie holds the posts; Camille keeps Vauhallan only
    assert {m for m in await _memberships(hub) if m[0] in ("camille", "marie")} == {
        ("camille", "vauhallan", "MANAGER", 0.2),
        ("marie", "igny", "MANAGER", 0.5),
        ("marie", "bievres", "MANAGER", 0.3),
    }
    # the bookings from the day on are Marie's, the earlier ones Camille's (Radicale's reading)
    start = EFFECTIVE
    assert await expanded(hub, "igny") == [
        ("Permanence", 1, ["camille"]),
        ("Avant", 3, ["camille"]),
        ("Permanence", 8, ["camille"]),
        ("Permanence", 15, ["marie"]),
        ("Commission", 16, ["marie"]),
        ("Après", 20, ["louis", "marie"]),
        ("Permanence", 22, ["marie"]),
        ("Commission", 23, ["marie"]),
        ("Permanence", 29, ["marie"]),
        ("Permanence", 36, ["marie"]),
    ]
    assert start == 14
    assert await expanded(hub, "bievres") == [("Conseil", 30, ["marie"])]
    # one audit entry per town, about Camille
    assert await _handover_audit(hub) == [("igny", "ok"), ("bievres", "ok")]
    # and running it again changes nothing
    again = (await hand_over(hub, ["igny", "bievres"])).ok()["handOver"]
    assert again["id"] == done["id"] and again["complete"]
    assert await _handover_audit(hub) == [("igny", "ok"), ("bievres", "ok")]


async def test_the_preview_says_what_will_change_and_changes_nothing(
    calendar_hub: CalendarHub,
) -> None:
    hub = calendar_hub
    await _territory(hub)
    await hub.world.member("marie", "bievres", Role.STAFF, 0.1)
    await _event(hub, "bievres", "Conseil", 30, ["camille"])
    await _event(hub, "bievres", "Avant", 2, ["camille"])
    variables = {k: v for k, v in _vars(hub, ["bievres", "vauhallan"]).items() if k != "offboard"}
    seen = (await hub.gql(PREVIEW, variables, token=hub.world.token("admin"))).ok()
    moves = seen["handOverPreview"]["moves"]
    assert [
        (
            m["town"]["slug"],
            m["role"],
            m["incomingRole"],
            m["resultingRole"],
            m["resultingShare"],
            m["events"],
        )
        for m in moves
    ] == [
        ("bievres", "MANAGER", "STAFF", "MANAGER", pytest.approx(0.4), 1),
        ("vauhallan", "MANAGER", None, "MANAGER", 0.2, 0),
    ]
    assert ("camille", "bievres", "MANAGER", 0.3) in await _memberships(hub)
    assert await expanded(hub, "bievres") == [
        ("Avant", 2, ["camille"]),
        ("Conseil", 30, ["camille"]),
    ]


async def test_a_town_whose_calendar_fails_is_finished_by_running_it_again(
    calendar_hub: CalendarHub, closed_url: str
) -> None:
    hub = calendar_hub
    await _territory(hub)
    await _event(hub, "bievres", "Conseil", 30, ["camille"])
    # given Bièvres's calendar server down during the handover
    dead = CalDAVStore(closed_url, "x", "y", timeout=0.5)
    hub.services.backends.calendars.route("bievres", dead)
    try:
        cut = (await hand_over(hub, ["igny", "bievres"], offboard=True)).ok()["handOver"]
    finally:
        await dead.aclose()
    # then Igny is done; Bièvres's post moved, its events not yet, and the error is said
    assert not cut["complete"] and cut["outgoing"]["active"]
    igny, bievres = cut["towns"]
    assert igny["done"] and not bievres["done"]
    assert "calendar server" in bievres["error"]
    assert await _handover_audit(hub) == [("igny", "ok"), ("bievres", "BACKEND_UNAVAILABLE")]
    assert await expanded(hub, "bievres") == [("Conseil", 30, ["camille"])]
    # when the server is back and the same handover runs again, then it finishes: Camille
    # offboarded at the end, as asked
    hub.services.backends.calendars.route("bievres", hub.store())
    finished = (await hand_over(hub, ["igny", "bievres"], offboard=True)).ok()["handOver"]
    assert finished["id"] == cut["id"] and finished["complete"]
    assert not finished["outgoing"]["active"]
    assert await expanded(hub, "bievres") == [("Conseil", 30, ["marie"])]
    assert await _handover_audit(hub) == [
        ("igny", "ok"),
        ("bievres", "BACKEND_UNAVAILABLE"),
        ("bievres", "ok"),
    ]
    # another set of towns for the same handover is refused while it is unfinished… and
    # once finished, the same call answers the finished handover
    assert (await hand_over(hub, ["igny", "bievres"])).ok()["handOver"]["id"] == cut["id"]


async def test_what_cannot_be_handed_over_is_refused_before_anything_changes(
    calendar_hub: CalendarHub,
) -> None:
    hub = calendar_hub
    await _territory(hub)
    await hub.world.member("marie", "vauhallan", Role.MANAGER, 0.9)
    await hub.world.person("maire")
    await hub.world.member("maire", "igny", Role.ELECTED, mandate_end=today() + timedelta(days=99))
    before = await _memberships(hub)
    louis = await hub.gql(HAND_OVER, _vars(hub, ["igny"]), token=hub.world.token("louis"))
    past = await hand_over(hub, ["igny"], effective=today() - timedelta(days=1))
    stranger = await hand_over(hub, ["nowhere"])
    too_much = await hand_over(hub, ["igny"])  # Marie's 0.9 and Camille's 0.5
    twice = await hand_over(hub, ["igny", "igny"])
    elected = await hub.gql(
        HAND_OVER,
        {**_vars(hub, ["igny"]), "outgoing": hub.world.people["maire"].id},
        token=hub.world.token("admin"),
    )
    assert louis.codes == ["FORBIDDEN"]
    assert [r.codes for r in (past, too_much, twice, elected)] == [["BAD_INPUT"]] * 4
    assert stranger.codes == ["NOT_FOUND"]
    assert past.errors[0]["extensions"]["field"] == "effective"
    assert too_much.errors[0]["extensions"]["field"] == "share"
    assert await _memberships(hub) == before
    assert [outcome for _, outcome in await _handover_audit(hub)] == [
        "FORBIDDEN",
        "BAD_INPUT",
        "NOT_FOUND",
        "BAD_INPUT",
        "BAD_INPUT",
        "BAD_INPUT",
    ]
