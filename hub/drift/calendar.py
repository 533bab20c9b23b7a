"""The town's calendar on its CalDAV server: there, and under the town's name."""

from __future__ import annotations

from connectors.errors import Conflict
from hub.agenda.calendars import TownCalendars
from hub.drift.attempts import Failures
from hub.drift.expected import Expected
from hub.drift.findings import Backend, Drift, DriftKind, Thing

CALENDAR = Backend.CALENDAR


async def check(calendars: TownCalendars, expected: Expected) -> list[Drift]:
    town = expected.town
    store = calendars.store_for(town.slug)
    try:
        name = await store.calendar_name(TownCalendars.calendar_id(town.slug))
    except Conflict:
        return [
            Drift(
                CALENDAR,
                DriftKind.MISSING,
                Thing.CALENDAR,
                town.name,
                f"Something that is not a calendar has the place of {town.slug}'s calendar; "
                "an administrator of the calendar server must move it away.",
                repairable=False,
            )
        ]
    if name is None:
        return [
            Drift(
                CALENDAR,
                DriftKind.MISSING,
                Thing.CALENDAR,
                town.name,
                f"The calendar of {town.slug} is gone from the calendar server; repairing makes "
                "it again, empty (the hub cannot bring its events back).",
            )
        ]
    # A server that keeps no display name is not drift: only another name is.
    if name and name != town.name:
        return [
            Drift(
                CALENDAR,
                DriftKind.RENAMED,
                Thing.CALENDAR,
                town.name,
                f"The calendar of {town.slug} is called '{name}' on the calendar server.",
                found=name,
            )
        ]
    return []


async def repair(calendars: TownCalendars, expected: Expected, failures: Failures) -> None:
    town = expected.town
    store = calendars.store_for(town.slug)
    calendar_id = TownCalendars.calendar_id(town.slug)
    if await failures.attempt(
        f"make the calendar of {town.slug} again",
        lambda: store.ensure_calendar(calendar_id, town.name),
    ):
        await failures.attempt(
            f"name the calendar of {town.slug} back",
            lambda: store.rename_calendar(calendar_id, town.name),
        )
