"""The report's hours done and planned, and the hours booked in two towns at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.agenda.ical import Occurrence
from hub.allocation.overlaps import double_booked, hours_done
from hub.allocation.service import parse_month
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import ALLOCATION, PARIS
from tests.allocation.test_allocation import demo


def timed(uid: str, start: datetime, hours: float) -> Occurrence:
    return Occurrence(
        uid, None, uid, start, start + timedelta(hours=hours), False, "", "", ("p",), "", ""
    )


async def test_the_ccas_overlapping_bievres_is_flagged(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)

    reply = await hub.gql(ALLOCATION, {"month": "2026-11"}, token=hub.world.token("camille"))

    report = reply.ok()["allocation"]
    assert report["doubleBooked"] == [
        {
            "start": "2026-11-17T14:00:00+00:00",
            "end": "2026-11-17T15:30:00+00:00",
            "hours": 1.5,
            "towns": [{"slug": "bievres"}, {"slug": "vauhallan"}],
        }
    ]
    # November is over: every hour is done
    assert all(r["hoursDone"] == r["hours"] and r["hoursPlanned"] == 0 for r in report["rows"])


def test_hours_done_stop_at_now() -> None:
    month = parse_month("2026-11")
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)
    found = [timed("a", monday, 3), timed("b", monday + timedelta(days=1), 3)]

    assert hours_done(found, month, monday + timedelta(hours=1)) == 1.0
    assert hours_done(found, month, monday + timedelta(days=2)) == 6.0
    assert hours_done(found, month, month.start - timedelta(days=1)) == 0.0


def test_double_bookings_pair_towns_and_merge_each_towns_events() -> None:
    month = parse_month("2026-11")
    at = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)
    booked = {
        "bievres": [timed("c", at + timedelta(hours=2), 2)],  # 11 h–13 h
        "igny": [timed("a", at, 2), timed("b", at + timedelta(hours=1), 2)],  # 9 h–12 h
        "vauhallan": [timed("d", at + timedelta(hours=5), 1)],  # 14 h–15 h: alone
    }

    found = double_booked(booked, month)

    assert [(d.start, d.end, d.town_ids, d.hours) for d in found] == [
        (at + timedelta(hours=2), at + timedelta(hours=3), ("bievres", "igny"), 1.0)
    ]
