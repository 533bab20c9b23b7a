"""The agenda as the portal shows it: days of events (a week, or a month's grid), each event
with its town's colour and what it clashes with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from hub.portal.client import Answer
from hub.portal.dates import parse_instant
from hub.portal.i18n import PARIS

COLOURS = 12  # town colours in the style sheet: .town-0 … .town-11


def view(answer: Answer, shown: Sequence[date], town_order: dict[str, int]) -> dict[str, Any]:
    """The events of the days shown, per day, each with its town's colour and conflicts."""
    data = answer.data.get("agenda") or {"events": [], "conflicts": [], "errors": []}
    in_conflict: dict[str, list[str]] = {}
    for conflict in data["conflicts"]:
        for side, other in (("first", "second"), ("second", "first")):
            in_conflict.setdefault(conflict[side]["id"], []).append(
                conflict[other].get("title") or conflict["person"]["displayName"]
            )
    days: dict[date, list[dict[str, Any]]] = {day: [] for day in shown}
    for event in data["events"]:
        start, end = parse_instant(event["start"]), parse_instant(event["end"])
        item = {
            **event,
            "start_at": start,
            "end_at": end,
            "colour": town_order.get(event["town"]["slug"], 0) % COLOURS,
            "conflicts_with": in_conflict.get(event["id"], []),
        }
        for day in covered(start, end):
            if day in days:
                days[day].append(item)
    legend = {
        event["town"]["name"]: town_order.get(event["town"]["slug"], 0) % COLOURS
        for event in data["events"]
    }
    return {
        "days": [(day, sorted(days[day], key=lambda e: e["start_at"])) for day in shown],
        # the towns of the events shown, each with its colour (the month's grid shows titles
        # only: the legend names the town of each colour)
        "legend": sorted(legend.items()),
        "conflicts": data["conflicts"],
        "errors": data["errors"],
        "count": len(data["events"]),
    }


def covered(start: datetime, end: datetime) -> list[date]:
    """The Paris days an event is on: from its start's to its end's (an end at midnight
    belongs to the day before)."""
    first = start.astimezone(PARIS).date()
    last = (
        (max(end, start + timedelta(microseconds=1)) - timedelta(microseconds=1))
        .astimezone(PARIS)
        .date()
    )
    return [first + timedelta(days=n) for n in range(min((last - first).days, 366) + 1)]


def week_url(week: str, towns: list[str] | None = None) -> str:
    return "/agenda?" + urlencode([("week", week), *[("town", t) for t in towns or []]])


def month_url(month: str, towns: list[str] | None = None) -> str:
    return "/agenda?" + urlencode([("month", month), *[("town", t) for t in towns or []]])
