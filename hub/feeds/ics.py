"""The merged agenda as one iCalendar file, for calendar applications to subscribe to.

Occurrences are written one by one (a series expanded in the feed's window), each with a UID
of its own, so any client shows them alike; the town's name prefixes the title, as in the
portal's merged view. Timed events are in UTC, all-day events as dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import icalendar

from hub.agenda.ical import PRODID
from hub.agenda.service import TownEvent


def render_feed(
    name: str, events: Sequence[TownEvent], town_names: dict[str, str], now: datetime
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-PUBLISHED-TTL", "PT15M")
    calendar.add("REFRESH-INTERVAL", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    for event in events:
        occurrence = event.occurrence
        vevent = icalendar.Event()
        vevent.add("UID", f"{event.id}@entente")
        vevent.add("DTSTAMP", now.astimezone(UTC))
        town = town_names.get(event.town_id, "")
        vevent.add("SUMMARY", f"{town} — {occurrence.title}" if town else occurrence.title)
        if occurrence.all_day:
            vevent.add("DTSTART", occurrence.start)
            vevent.add("DTEND", occurrence.end)
        else:
            vevent.add("DTSTART", event.start.astimezone(UTC))
            vevent.add("DTEND", event.end.astimezone(UTC))
        if occurrence.location:
            vevent.add("LOCATION", occurrence.location)
        if occurrence.description:
            vevent.add("DESCRIPTION", occurrence.description)
        if town:
            vevent.add("CATEGORIES", [town])
        calendar.add_component(vevent)
    return bytes(calendar.to_ical())
