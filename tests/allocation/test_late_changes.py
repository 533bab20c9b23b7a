"""A month already reported does not change silently: late changes are listed with the report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.agenda.ical_write import build_event
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import AGENDA, ALLOCATION, DELETE, PARIS, UPDATE, put_raw
from tests.allocation.test_allocation import demo

NOVEMBER = {"month": "2026-11"}


async def report(hub: CalendarHub, month: dict[str, str] = NOVEMBER) -> dict[str, Any]:
    reply = await hub.gql(ALLOCATION, month, token=hub.world.token("camille"))
    return reply.ok()["allocation"]  # type: ignore[no-any-return]


def vauhallan(answer: dict[str, Any]) -> float:
    (row,) = [r for r in answer["rows"] if r["town"]["slug"] == "vauhallan"]
    return float(row["hours"])


async def permanence_on(hub: CalendarHub, day: date) -> dict[str, Any]:
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    window = {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
    reply = await hub.gql(
        AGENDA, {**window, "towns": ["vauhallan"]}, token=hub.world.token("camille")
    )
    (event,) = [e for e in reply.ok()["agenda"]["events"] if e["title"] == "Permanence de Camille"]
    return event  # type: ignore[no-any-return]


async def test_deleting_one_december_thursday_leaves_november_as_reported(
    calendar_hub: CalendarHub,
) -> None:
    # Given the demo's November, reported: Vauhallan 19.5 h, nothing changed since
    hub = await demo(calendar_hub)
    before = await report(hub)
    assert vauhallan(before) == 19.5 and before["lateChanges"] == []
    # When Camille deletes her permanence of Thursday 10 December (the default scope)
    thursday = await permanence_on(hub, date(2026, 12, 10))
    reply = await hub.gql(DELETE, {"id": thursday["id"]}, token=hub.world.token("camille"))
    # Then November is as it was, with nothing to flag
    assert reply.ok() == {"deleteEvent": True}
    after = await report(hub)
    assert after["rows"] == before["rows"] and after["lateChanges"] == []


async def test_deleting_the_whole_series_is_flagged_on_the_past_month(
    calendar_hub: CalendarHub,
) -> None:
    hub = await demo(calendar_hub)
    thursday = await permanence_on(hub, date(2026, 12, 10))

    reply = await hub.gql(
        DELETE, {"id": thursday["id"], "scope": "SERIES"}, token=hub.world.token("camille")
    )

    assert reply.ok() == {"deleteEvent": True}
    after = await report(hub)
    assert vauhallan(after) == 3.5  # the council and the CCAS are left
    (change,) = after["lateChanges"]
    assert (change["kind"], change["title"], change["town"], change["by"]) == (
        "DELETED",
        "Permanence de Camille",
        {"slug": "vauhallan"},
        {"username": "camille"},
    )
    assert datetime.fromisoformat(change["at"]) > datetime(2026, 12, 1, tzinfo=PARIS)


async def test_moving_one_november_occurrence_is_flagged(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    thursday = await permanence_on(hub, date(2026, 11, 19))
    later = datetime(2026, 11, 19, 16, 0, tzinfo=PARIS)
    data = {
        "town": "vauhallan",
        "title": thursday["title"],
        "start": later.isoformat(),
        "end": (later + timedelta(hours=2)).isoformat(),
        "people": [p["id"] for p in thursday["people"]],
    }

    reply = await hub.gql(
        UPDATE, {"id": thursday["id"], "input": data}, token=hub.world.token("camille")
    )

    reply.ok()
    after = await report(hub)
    assert vauhallan(after) == 17.5
    assert [(c["kind"], c["title"]) for c in after["lateChanges"]] == [
        ("UPDATED", "Permanence de Camille")
    ]


async def test_a_change_by_another_calendar_application_is_flagged(
    calendar_hub: CalendarHub,
) -> None:
    # Given the demo's November, and another application rewriting the CCAS meeting in December
    hub = await demo(calendar_hub)
    camille = hub.world.people["camille"].id
    start = datetime(2026, 11, 17, 15, 0, tzinfo=PARIS)
    store = hub.store()
    current = await store.get("vauhallan", "vauhallan-ccas-17")
    text = build_event(
        "vauhallan-ccas-17",
        "Réunion du CCAS (prolongée)",
        start,
        start + timedelta(hours=3),
        False,
        "Mairie",
        "",
        [camille],
        "vauhallan",
        stamp=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    await store.put("vauhallan", "vauhallan-ccas-17", text, current.etag, href=current.href)
    # When Camille reads her November report
    after = await report(hub)
    # Then the change is listed, made elsewhere (by whom is not known)
    assert vauhallan(after) == 21.0
    assert after["lateChanges"] == [
        {
            "at": "2026-12-02T09:00:00+00:00",
            "title": "Réunion du CCAS (prolongée)",
            "kind": "ELSEWHERE",
            "town": {"slug": "vauhallan"},
            "by": None,
        }
    ]


async def test_a_month_not_yet_over_has_no_late_changes(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    now = datetime.now(PARIS)
    current = f"{now.year:04d}-{now.month:02d}"
    start = now.replace(hour=10, minute=0, second=0, microsecond=0)
    await put_raw(
        hub,
        "vauhallan",
        "now-1",
        build_event(
            "now-1",
            "Réunion",
            start,
            start + timedelta(hours=1),
            False,
            "",
            "",
            [hub.world.people["camille"].id],
            "vauhallan",
        ),
    )

    assert (await report(hub, {"month": current}))["lateChanges"] == []
