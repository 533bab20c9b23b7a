"""Re-booking a town's events from the handover's date on, in the town's own calendar (the
calendar stays the town's; only the people booked change)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from connectors.calendar.port import CalendarObject, CalendarStore
from connectors.errors import Conflict, ConnectorError
from hub.agenda.calendars import TownCalendars
from hub.agenda.edit import main_event
from hub.agenda.ical import InvalidCalendarObject, parse_object, text_of
from hub.handover.rebooking import FAR, Rebooking, Swap, plan


async def rebook_town(
    calendars: TownCalendars, slug: str, swap: Swap, limit: float, *, write: bool = True
) -> int:
    """How many events (series) book the outgoing person from the date on; with ``write``,
    each is re-booked. An object the hub cannot read is not one it can re-book: left alone."""
    store = calendars.store_for(slug)
    calendar_id = TownCalendars.calendar_id(slug)
    async with asyncio.timeout(limit):
        objects = await store.query(calendar_id, swap.effective, FAR)
    now = datetime.now(UTC)
    count = 0
    for obj in objects:
        try:
            change = plan(parse_object(obj.ical, obj.href), obj, swap, now)
        except InvalidCalendarObject:
            continue
        if change is None:
            continue
        if write:
            await _write(store, calendar_id, obj, change, limit)
        count += 1
    return count


async def _write(
    store: CalendarStore, calendar_id: str, obj: CalendarObject, change: Rebooking, limit: float
) -> None:
    """The new series first (found again if an earlier run made it), then the object with the
    etag it was read with; if that is refused, the new series goes again."""
    uid = text_of(main_event(parse_object(obj.ical, obj.href)), "UID")
    if change.created is not None:
        tail, text = change.created
        try:
            async with asyncio.timeout(limit):
                await store.put(calendar_id, tail, text, None)
        except Conflict:
            async with asyncio.timeout(limit):
                made = await store.get(calendar_id, tail)
                await store.put(calendar_id, tail, text, made.etag, href=made.href)
    try:
        async with asyncio.timeout(limit):
            await store.put(calendar_id, uid, change.text, obj.etag, href=obj.href)
    except (ConnectorError, TimeoutError):
        if change.created is not None:
            with contextlib.suppress(ConnectorError, TimeoutError):
                async with asyncio.timeout(limit):
                    await store.delete(calendar_id, change.created[0], None)
        raise
