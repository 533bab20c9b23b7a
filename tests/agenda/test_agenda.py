"""The merged agenda over real Radicale calendars: what each caller sees, and clashes."""

from __future__ import annotations

import asyncio

from sqlalchemy import event as sa_event

from hub.people.models import Role
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import AGENDA, WEEK, at, put_event, territory


async def test_camille_sees_her_three_towns_merged_and_sorted(calendar_hub: CalendarHub) -> None:
    # Given events in the three towns' calendars, written by another client
    hub = await territory(calendar_hub)
    await put_event(hub, "bievres", "b1", "Commission urbanisme", at(1, 14), at(1, 16), ["camille"])
    await put_event(hub, "igny", "i1", "Conseil municipal", at(0, 20), at(0, 22), ["camille"])
    await put_event(hub, "vauhallan", "v1", "CCAS", at(3, 14), at(3, 15))
    await put_event(hub, "igny", "outside", "Le mois suivant", at(30, 9), at(30, 10))
    # When Camille asks for the week
    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("camille"))).ok()["agenda"]
    # Then she sees the week's events of her three towns in order, with their people
    assert [(e["title"], e["town"]["slug"]) for e in agenda["events"]] == [
        ("Conseil municipal", "igny"),
        ("Commission urbanisme", "bievres"),
        ("CCAS", "vauhallan"),
    ]
    assert agenda["events"][0]["people"] == [
        {"id": hub.world.people["camille"].id, "username": "camille"}
    ]
    assert agenda["events"][0]["start"] == "2026-11-16T19:00:00+00:00"
    assert agenda["errors"] == [] and agenda["conflicts"] == []


async def test_a_town_member_sees_only_their_town(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Conseil municipal", at(0, 20), at(0, 22))
    await put_event(hub, "bievres", "b1", "Commission urbanisme", at(1, 14), at(1, 16))

    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("louis"))).ok()["agenda"]

    assert [e["town"]["slug"] for e in agenda["events"]] == ["igny"]


async def test_double_booking_across_towns_is_a_conflict(calendar_hub: CalendarHub) -> None:
    # Given Camille booked on Tuesday afternoon in Bièvres and, overlapping, in Vauhallan
    hub = await territory(calendar_hub)
    await put_event(hub, "bievres", "b1", "Permanence", at(1, 14), at(1, 17), ["camille"])
    await put_event(hub, "vauhallan", "v1", "Réunion CCAS", at(1, 16), at(1, 18), ["camille"])
    await put_event(hub, "igny", "i1", "Juste après", at(1, 18), at(1, 19), ["camille"])
    # When she reads her week
    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("camille"))).ok()["agenda"]
    # Then the overlap is one conflict; touching events do not clash
    assert [
        (c["person"]["username"], c["first"]["title"], c["second"]["title"])
        for c in agenda["conflicts"]
    ] == [("camille", "Permanence", "Réunion CCAS")]


async def test_people_outside_the_town_are_not_shown(calendar_hub: CalendarHub) -> None:
    # Given an event of Igny booking Inès, who works for Bièvres only
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Visite", at(2, 10), at(2, 11), ["ines", "camille"])

    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("louis"))).ok()["agenda"]

    assert [p["username"] for p in agenda["events"][0]["people"]] == ["camille"]


async def test_changes_made_elsewhere_show_on_the_next_read(calendar_hub: CalendarHub) -> None:
    # Given an agenda read once (the hub now keeps the calendars' sync state)
    hub = await territory(calendar_hub)
    token = hub.world.token("camille")
    await put_event(hub, "igny", "i1", "Conseil municipal", at(0, 20), at(0, 22))
    first = (await hub.gql(AGENDA, WEEK, token=token)).ok()["agenda"]
    # When another client adds an event
    await put_event(hub, "bievres", "b1", "Commission urbanisme", at(1, 14), at(1, 16))
    second = (await hub.gql(AGENDA, WEEK, token=token)).ok()["agenda"]
    # Then the second read has it
    assert len(first["events"]) == 1
    assert [e["title"] for e in second["events"]] == ["Conseil municipal", "Commission urbanisme"]


async def test_sql_statements_do_not_grow_with_towns(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    await put_event(hub, "igny", "i1", "Conseil", at(0, 20), at(0, 22), ["camille"])
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = hub.services.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        (await hub.gql(AGENDA, WEEK, token=hub.world.token("admin"))).ok()
        with_three = len(statements)
        for i in range(4):
            await hub.world.town(f"ville-{i}", f"Ville {i}", f"9100{i + 1}")
            await hub.world.member("camille", f"ville-{i}", Role.MANAGER)
            await put_event(
                hub, f"ville-{i}", f"e{i}", "Conseil", at(1, 20), at(1, 22), ["camille"]
            )
        statements.clear()
        agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("admin"))).ok()["agenda"]
        with_seven = len(statements)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)

    assert len(agenda["events"]) == 5
    assert with_seven == with_three


async def test_towns_are_read_concurrently(calendar_hub: CalendarHub, hanging_url: str) -> None:
    # Given two towns on hanging servers (each waits the whole timeout)
    hub = await territory(calendar_hub)
    for slug in ("igny", "bievres"):
        hub.services.backends.calendars.route(slug, hub.store(hanging_url))
    # When the agenda is read
    loop = asyncio.get_running_loop()
    began = loop.time()
    agenda = (await hub.gql(AGENDA, WEEK, token=hub.world.token("camille"))).ok()["agenda"]
    took = loop.time() - began
    # Then both failed at one timeout, not two
    assert sorted(e["code"] for e in agenda["errors"]) == ["TIMEOUT", "TIMEOUT"]
    assert took < 0.5 * 1.8
