"""The right of access (GDPR articles 15 and 20): everything the hub holds about a person in
the towns a DPO answers for, as JSON (machine-readable) and a French summary.

What it holds: the identity (account, identifiers at the directory and the provider), the
memberships and agreed shares, the audit entries by or about the person (in those towns, and
the sign-ins, which belong to no town), the events that book them (read from the calendars),
the hours of the monthly allocation reports of the last ``ALLOCATION_MONTHS`` months that
name them, the portal sessions, the calendar subscription and the invitations. Secrets never
leave: a password hash or a token hash is said to exist, not given.

The files are written as they are produced (``hub.privacy.stored``) in the transaction that
records the export and its audit entry: a failure leaves no export behind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.bookings import Booking, bookings_of
from hub.agenda.calendars import NO_CALENDAR_SERVER, TownCalendars
from hub.agenda.ical import Occurrence
from hub.agenda.reading import PARIS, TownSlug, read_towns
from hub.agenda.service import instant
from hub.allocation.service import Month, booked_hours, parse_month
from hub.audit.service import About, audited
from hub.db.base import utcnow
from hub.errors import BackendUnavailable
from hub.identity.principal import Principal
from hub.privacy.models import PersonalExport
from hub.privacy.repository import PrivacyRepository
from hub.privacy.scope import Subject, find_subject
from hub.privacy.stored import JsonWriter, StoredFile
from hub.privacy.summary import render_summary
from hub.towns.models import Town
from hub.towns.repository import TownRepository

FORMAT = "entente-personal-data/1"
AUDIT_PAGE = 500
ALLOCATION_MONTHS = 24
# What a calendar may answer that still lets the export say every booking it holds: an
# unreadable object is listed in the export, a town without a calendar books nobody.
UNBOOKED_PROBLEMS = ("INVALID_EVENT", "RECURRENCE_CAPPED", "CALENDAR_MISSING")


@dataclass
class Facts:
    """What the summary tells (the JSON has everything)."""

    person: dict[str, Any]
    towns: list[Town]
    memberships: list[dict[str, Any]]
    generated_at: datetime
    generated_by: str
    audit: Counter[str] = field(default_factory=Counter)
    audit_first: datetime | None = None
    audit_last: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    hours: list[dict[str, Any]] = field(default_factory=list)
    sessions: int = 0
    invitations: int = 0
    feed: datetime | None = None
    unreadable: list[str] = field(default_factory=list)


async def export_personal_data(
    session: AsyncSession,
    actor: Principal,
    calendars: TownCalendars,
    person_id: str,
    *,
    ttl: timedelta,
) -> PersonalExport:
    about = About(person_id=person_id)

    async def change() -> PersonalExport:
        subject = await find_subject(session, actor, person_id, about.town_ids)
        about.town_ids = sorted(subject.mine)
        towns = sorted(await TownRepository(session).by_ids(subject.mine), key=lambda t: t.name)
        refs = [TownSlug(town.id, town.slug) for town in towns]
        now = utcnow()
        found = await bookings_of(calendars, refs, subject.person.id)
        hours = await monthly_hours(calendars, refs, subject.person.id, now)
        export = PersonalExport(
            person_id=subject.person.id,
            requested_by=actor.person_id,
            town_ids=[town.id for town in towns],
            created_at=now,
            expires_at=now + ttl,
            sizes={},
        )
        session.add(export)
        await session.flush()
        facts = Facts(
            person=identity(subject),
            towns=towns,
            memberships=memberships(subject, towns),
            generated_at=now,
            generated_by=actor.username,
            events=[event_item(b, towns) for b in found.bookings],
            hours=hours,
            unreadable=found.unreadable,
        )
        data = StoredFile(session, export.id, "json")
        await write_json(session, JsonWriter(data), subject, facts, actor)
        summary = StoredFile(session, export.id, "summary")
        await summary.write(render_summary(facts).encode("utf-8"))
        export.sizes = {"json": await data.close(), "summary": await summary.close()}
        about.details = {
            "entries": sum(facts.audit.values()),
            "events": len(facts.events),
            "bytes": export.sizes["json"],
        }
        return export

    return await audited(session, actor, "privacy.export", person_id, change, about=about)


def identity(subject: Subject) -> dict[str, Any]:
    person = subject.person
    return {
        "id": person.id,
        "username": person.username,
        "displayName": person.display_name,
        "email": person.email,
        "active": person.active,
        "hubAdmin": person.hub_admin,
        "createdAt": person.created_at,
        "directoryId": person.directory_id,
        "providerSubject": person.oidc_subject,
        "passwordSet": person.password_hash is not None,
    }


def memberships(subject: Subject, towns: list[Town]) -> list[dict[str, Any]]:
    slugs = {town.id: town.slug for town in towns}
    return [
        {"town": slugs[m.town_id], "role": m.role.value, "share": m.share}
        for m in subject.memberships
        if m.town_id in slugs
    ]


def event_item(booking: Booking, towns: list[Town]) -> dict[str, Any]:
    event = booking.event
    slug = next((t.slug for t in towns if t.id == booking.town_id), None)
    return {
        "town": slug,
        "uid": event.uid,
        "occurrence": event.recurrence_id,
        "title": event.title,
        "start": event.start,
        "end": event.end,
        "allDay": event.all_day,
        "recurring": event.recurring,
        "location": event.location or None,
        "description": event.description or None,
        "bookedWith": len(event.people) - 1,
    }


async def monthly_hours(
    calendars: TownCalendars, towns: list[TownSlug], person_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The hours of each month's allocation report (``hub.allocation``) that books the
    person, per town, for the last ``ALLOCATION_MONTHS`` months up to this one."""
    months = _months(now)
    if not towns:
        return []
    reads = await read_towns(calendars, towns, months[0].start, months[-1].end)
    rows: list[dict[str, Any]] = []
    for town in towns:
        read = reads[town.id]
        failed = [
            p
            for p in read.problems
            if p.code not in UNBOOKED_PROBLEMS and p.message != NO_CALENDAR_SERVER
        ]
        if failed:
            raise BackendUnavailable(f"{failed[0].message} The export needs every town.")
        booked = [o for o in read.occurrences if person_id in o.people]
        for month in months:
            hours = booked_hours([o for o in booked if _within(o, month)], month)
            if hours:
                rows.append({"month": month.label, "town": town.slug, "hours": round(hours, 2)})
    return rows


def _months(now: datetime) -> list[Month]:
    local = now.astimezone(PARIS)
    index = local.year * 12 + local.month - 1
    labels = [
        f"{(i // 12):04d}-{(i % 12) + 1:02d}"
        for i in range(index - ALLOCATION_MONTHS + 1, index + 1)
    ]
    return [parse_month(label) for label in labels]


def _within(occurrence: Occurrence, month: Month) -> bool:
    return bool(instant(occurrence.start) < month.end and instant(occurrence.end) > month.start)


async def write_json(
    session: AsyncSession, out: JsonWriter, subject: Subject, facts: Facts, actor: Principal
) -> None:
    repository = PrivacyRepository(session)
    person_id = subject.person.id
    slugs = {town.id: town.slug for town in facts.towns}
    await out.open()
    await out.field("format", FORMAT)
    await out.field("generatedAt", facts.generated_at)
    await out.field("generatedBy", facts.generated_by)
    await out.field(
        "towns",
        [{"slug": t.slug, "name": t.name, "inseeCode": t.insee_code} for t in facts.towns],
    )
    await out.field("person", facts.person)
    await out.field("memberships", facts.memberships)
    feed = await repository.feed_of(person_id)
    facts.feed = feed.created_at if feed else None
    await out.field("calendarFeed", {"createdAt": feed.created_at} if feed else None)
    sessions = await repository.sessions_of(person_id)
    facts.sessions = len(sessions)
    await out.field(
        "sessions",
        [
            {"createdAt": s.created_at, "expiresAt": s.expires_at, "singleSignOn": bool(s.id_token)}
            for s in sessions
        ],
    )
    invitations = await repository.invitations_of(person_id)
    facts.invitations = len(invitations)
    await out.field(
        "invitations",
        [
            {"createdAt": i.created_at, "expiresAt": i.expires_at, "usedAt": i.used_at}
            for i in invitations
        ],
    )
    await out.field("events", facts.events)
    await out.field("allocationHours", facts.hours)
    await out.field("unreadableEvents", facts.unreadable)
    await out.open_list("audit")
    scope = None if actor.hub_admin else list(subject.mine)
    after = 0
    while True:
        rows = await repository.audit_of(person_id, scope, after, AUDIT_PAGE)
        for row in rows:
            facts.audit[row.action.split(".")[0]] += 1
            facts.audit_first = facts.audit_first or row.at
            facts.audit_last = row.at
            await out.item(
                {
                    "at": row.at,
                    "town": slugs.get(row.town_id) if row.town_id else None,
                    "action": row.action,
                    "as": _part(row, person_id),
                    "target": row.target,
                    "outcome": row.outcome,
                    "details": row.details,
                }
            )
        if len(rows) < AUDIT_PAGE:
            break
        after = rows[-1].id
    await out.close_list()
    await out.close()


def _part(row: Any, person_id: str) -> str:
    if row.actor_id == person_id and row.subject_id == person_id:
        return "actor and subject"
    return "actor" if row.actor_id == person_id else "subject"
