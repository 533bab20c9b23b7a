"""Changes made to a month after it ended: a report already sent must not change silently.

Two sources, because each alone misses some:

- **the hub's own event writes**, from the audit (``event.create``, ``event.update``,
  ``event.delete``): each entry keeps the period the change touched (open-ended for a series)
  and the people booked before or after it (``hub.agenda.changes``), so a deletion — which
  leaves nothing in the calendar to look at — is found as well as a change;
- **the calendar itself**, for other clients (Thunderbird, a phone): an occurrence of the
  month booking the person whose LAST-MODIFIED (else DTSTAMP) is after the month's end.
  A change the hub made is already in the audit and is not listed twice. An event another
  client deleted outright leaves no trace the hub can read.

Only months that have ended have late changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.ical import Occurrence
from hub.audit.models import AuditEntry
from hub.audit.repository import AuditRepository

EVENT_WRITES = ("event.create", "event.update", "event.delete")
ELSEWHERE = "calendar"
MAX_ENTRIES = 500
# The hub's own write stamps LAST-MODIFIED a moment before its audit entry is committed.
SAME_WRITE = timedelta(seconds=30)


@dataclass(frozen=True)
class LateChange:
    town_id: str
    title: str
    at: datetime
    action: str
    """One of EVENT_WRITES, or ELSEWHERE (another calendar client)."""
    actor_id: str | None = None


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _touches(entry: AuditEntry, person_id: str, start: datetime, end: datetime) -> bool:
    details = entry.details or {}
    people = details.get("people")
    if not isinstance(people, list) or person_id not in people:
        return False
    first, last = _instant(details.get("from")), _instant(details.get("until"))
    return first is not None and first < end and (last is None or last > start)


def _uid(entry: AuditEntry) -> str:
    return entry.target.partition("/")[2]


async def late_changes(
    session: AsyncSession,
    person_id: str,
    start: datetime,
    end: datetime,
    booked: Mapping[str, Sequence[Occurrence]],
    now: datetime,
) -> list[LateChange]:
    """What changed in [start, end) for ``person_id`` after ``end``, newest first;
    ``booked``: the month's occurrences booking the person, by town id."""
    if end > now or not booked:
        return []
    entries = await AuditRepository(session).since(list(booked), EVENT_WRITES, end, MAX_ENTRIES)
    found = [
        LateChange(
            e.town_id or "", str((e.details or {}).get("title", "")), e.at, e.action, e.actor_id
        )
        for e in entries
        if e.town_id and e.outcome == "ok" and _touches(e, person_id, start, end)
    ]
    written = _latest_writes(entries)
    found.extend(_elsewhere(booked, end, written))
    return sorted(found, key=lambda change: change.at, reverse=True)


def _latest_writes(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], datetime]:
    latest: dict[tuple[str, str], datetime] = {}
    for entry in entries:
        key = (entry.town_id or "", _uid(entry))
        if entry.outcome == "ok" and (key not in latest or entry.at > latest[key]):
            latest[key] = entry.at
    return latest


def _elsewhere(
    booked: Mapping[str, Sequence[Occurrence]],
    end: datetime,
    written: Mapping[tuple[str, str], datetime],
) -> list[LateChange]:
    changes: dict[tuple[str, str], LateChange] = {}
    for town_id, occurrences in booked.items():
        for occurrence in occurrences:
            modified = occurrence.modified
            if modified is None or modified <= end:
                continue
            by_hub = written.get((town_id, occurrence.uid))
            if by_hub is not None and modified <= by_hub + SAME_WRITE:
                continue
            key = (town_id, occurrence.uid)
            if key not in changes or changes[key].at < modified:
                changes[key] = LateChange(town_id, occurrence.title, modified, ELSEWHERE)
    return list(changes.values())
