"""Handing a pooled post over, town by town, resumable like provisioning.

``hand_over`` records the handover and what moves in each town before anything changes, then
runs each town's steps, committing each: the membership (the incoming person takes the role
and share, the outgoing person leaves the town, in the hub and in the directory together),
then the town's events from the date on (``hub.handover.calendars``). A town done is audited
once (``person.handover``, in its own trail); a step that fails keeps its error on the town,
is audited as such, and the same ``handOver`` again resumes where it stopped. Once every town
is done, the outgoing person is offboarded when asked. Files and calendars stay where they
are: they belong to the towns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.errors import ConnectorError
from hub.agenda.calendars import TownCalendars
from hub.agenda.ical import EventPerson
from hub.agenda.reading import PARIS
from hub.audit.service import record
from hub.backend_errors import describe
from hub.backends import Backends
from hub.errors import BackendUnavailable, Conflict, ErrorCode, HubError
from hub.handover import plan
from hub.handover.calendars import rebook_town
from hub.handover.models import Handover, HandoverTown
from hub.handover.rebooking import Swap
from hub.identity.principal import Principal
from hub.people import service as people_service
from hub.people.directory_sync import DirectorySync
from hub.people.mandates import today
from hub.people.models import Membership, Person
from hub.people.repository import MembershipRepository, PersonRepository
from hub.towns.models import Town
from hub.towns.repository import TownRepository

log = logging.getLogger(__name__)
ACTION = "person.handover"


@dataclass(frozen=True)
class Asked:
    """A handover as asked: who leaves, who comes, in which towns, from which day."""

    outgoing_id: str
    incoming_id: str
    slugs: tuple[str, ...]
    effective: date


@dataclass(frozen=True)
class Limits:
    step: float
    """Seconds each store call of a town's events may take, and each directory call."""


@dataclass(frozen=True)
class Preview:
    people: plan.People
    effective: date
    moves: list[plan.Move]
    events: dict[str, int | None]
    """Per town id: the events to re-book (None: its calendar could not be read)."""


def swap_for(outgoing: Person, incoming: Person, effective: date) -> Swap:
    """The bookings from midnight (Europe/Paris) of the effective day on."""
    return Swap(
        outgoing=outgoing.id,
        incoming=EventPerson(incoming.id, incoming.display_name, incoming.email),
        effective=datetime.combine(effective, time(), PARIS),
    )


async def _latest(session: AsyncSession, who: plan.People, effective: date) -> Handover | None:
    """The latest handover of these people on that day, the unfinished one first."""
    return await session.scalar(
        select(Handover)
        .where(
            Handover.outgoing_id == who.outgoing.id,
            Handover.incoming_id == who.incoming.id,
            Handover.effective == effective,
        )
        .order_by(Handover.complete, Handover.created_at.desc())
        .limit(1)
    )


async def preview(
    session: AsyncSession, backends: Backends, actor: Principal, asked: Asked, limits: Limits
) -> Preview:
    """What ``hand_over`` would change, refused as it would be; nothing is written."""
    actor.require_hub_admin()
    who = await plan.people(session, asked.outgoing_id, asked.incoming_id)
    day = plan.effective_day(asked.effective, today())
    started = await _latest(session, who, day)
    if started is not None and not started.complete:
        raise Conflict("This handover was started and is unfinished: run it again to finish it.")
    moves = await plan.moves(session, who, asked.slugs)
    swap = swap_for(who.outgoing, who.incoming, day)
    events: dict[str, int | None] = {}
    for move in moves:
        try:
            events[move.town.id] = await rebook_town(
                backends.calendars, move.town.slug, swap, limits.step, write=False
            )
        except BackendUnavailable:
            events[move.town.id] = 0  # no calendar server: no event to move
        except (ConnectorError, TimeoutError):
            events[move.town.id] = None
    return Preview(who, day, moves, events)


async def _refused(
    session: AsyncSession, actor: Principal, target: str, exc: HubError, person_id: str | None
) -> None:
    await session.rollback()
    record(
        session,
        actor,
        ACTION,
        target,
        outcome=exc.code,
        details={"message": exc.message},
        subject_id=person_id,
    )
    await session.commit()


async def _start(session: AsyncSession, who: plan.People, asked: Asked, offboard: bool) -> Handover:
    """The handover of these people on that day for these towns, unfinished (to resume) or
    finished (nothing more to do), or a new one."""
    found = await _latest(session, who, asked.effective)
    if found is not None:
        rows = await _towns(session, found.id)
        towns = await TownRepository(session).by_ids([r.town_id for r in rows])
        named = {town.slug for town in towns}
        if named == set(asked.slugs):
            found.offboard = found.offboard or (offboard and not found.complete)
            return found
        if not found.complete:
            raise Conflict(
                "This handover was started for other towns ("
                + ", ".join(sorted(named))
                + "): run it again with them to finish it.",
                field="towns",
            )
    day = plan.effective_day(asked.effective, today())
    moves = await plan.moves(session, who, asked.slugs)
    handover = Handover(
        outgoing_id=who.outgoing.id, incoming_id=who.incoming.id, effective=day, offboard=offboard
    )
    session.add(handover)
    await session.flush()
    session.add_all(
        HandoverTown(
            handover_id=handover.id,
            town_id=move.town.id,
            position=index,
            role=move.resulting_role,
            share=move.resulting_share,
        )
        for index, move in enumerate(moves)
    )
    await session.commit()
    return handover


async def _towns(session: AsyncSession, handover_id: str) -> list[HandoverTown]:
    return (await towns_of(session, [handover_id]))[handover_id]


async def hand_over(
    session: AsyncSession,
    backends: Backends,
    actor: Principal,
    asked: Asked,
    offboard: bool,
    limits: Limits,
) -> Handover:
    target = f"{asked.outgoing_id}->{asked.incoming_id}"
    try:
        actor.require_hub_admin()
        who = await plan.people(session, asked.outgoing_id, asked.incoming_id)
        handover = await _start(session, who, asked, offboard)
    except HubError as exc:
        await _refused(session, actor, target, exc, asked.outgoing_id)
        raise
    handover_id = handover.id
    sync = DirectorySync(backends.directory, limits.step)
    for row in await _towns(session, handover_id):
        if not (row.membership_done and row.events_done):
            await _town(session, backends, sync, actor, handover_id, row.town_id, limits)
    return await _finish(session, sync, actor, handover_id)


async def _loaded(
    session: AsyncSession, handover_id: str, town_id: str
) -> tuple[Handover, HandoverTown, Town, Person, Person]:
    handover = await session.get(Handover, handover_id)
    row = await session.get(HandoverTown, (handover_id, town_id))
    town = await session.get(Town, town_id)
    assert handover is not None and row is not None and town is not None
    people = {
        p.id: p
        for p in await PersonRepository(session).by_ids(
            [handover.outgoing_id, handover.incoming_id]
        )
    }
    return handover, row, town, people[handover.outgoing_id], people[handover.incoming_id]


async def _town(
    session: AsyncSession,
    backends: Backends,
    sync: DirectorySync,
    actor: Principal,
    handover_id: str,
    town_id: str,
    limits: Limits,
) -> None:
    """One town's steps, each committed; a failure is kept on the town and audited."""
    handover, row, town, outgoing, incoming = await _loaded(session, handover_id, town_id)
    details = {
        "name": incoming.display_name,
        "incoming": incoming.id,
        "role": row.role.value,
        "share": row.share,
        "effective": handover.effective.isoformat(),
    }
    target = f"{outgoing.username}->{incoming.username}@{town.slug}"
    try:
        if not row.membership_done:
            await _move_membership(session, sync, row, town, outgoing, incoming)
            row.membership_done, row.error = True, None
            await session.commit()
        if not row.events_done:
            swap = swap_for(outgoing, incoming, handover.effective)
            row.events_moved += await _rebook(backends.calendars, town.slug, swap, limits.step)
            row.events_done = True
        row.error = None
        details["events"] = row.events_moved
        record(
            session, actor, ACTION, target, town_id=town.id, details=details, subject_id=outgoing.id
        )
        await session.commit()
    except (HubError, ConnectorError, TimeoutError) as exc:
        log.warning("handover %s failed in %s", handover_id, town.slug, exc_info=True)
        await session.rollback()
        code = exc.code if isinstance(exc, HubError) else ErrorCode.BACKEND_UNAVAILABLE
        _, row, _, _, _ = await _loaded(session, handover_id, town_id)
        row.error = describe(exc)[:500]
        record(
            session,
            actor,
            ACTION,
            target,
            town_id=town.id,
            outcome=code,
            details={**details, "message": row.error},
            subject_id=outgoing.id,
        )
        await session.commit()


async def _move_membership(
    session: AsyncSession,
    sync: DirectorySync,
    row: HandoverTown,
    town: Town,
    outgoing: Person,
    incoming: Person,
) -> None:
    memberships = MembershipRepository(session)
    taking = await memberships.get(incoming.id, town.id)
    if taking is None:
        taking = Membership(person_id=incoming.id, town_id=town.id)
        session.add(taking)
    taking.role, taking.share, taking.mandate_end = row.role, row.share, None
    leaving = await memberships.get(outgoing.id, town.id)
    if leaving is not None:
        await session.delete(leaving)
    await session.flush()
    await sync.join(incoming, town.slug)
    await sync.leave(outgoing, town.slug)


async def _rebook(calendars: TownCalendars, slug: str, swap: Swap, limit: float) -> int:
    try:
        calendars.store_for(slug)
    except BackendUnavailable:
        return 0  # no calendar server: no event to move
    return await rebook_town(calendars, slug, swap, limit)


async def _finish(
    session: AsyncSession, sync: DirectorySync, actor: Principal, handover_id: str
) -> Handover:
    handover = await session.get(Handover, handover_id)
    assert handover is not None
    rows = await _towns(session, handover_id)
    if not all(r.membership_done and r.events_done for r in rows):
        return handover
    if handover.offboard and not handover.offboarded:
        try:
            await people_service.offboard_staff(session, sync, actor, handover.outgoing_id)
        except HubError as exc:  # audited by offboard_staff itself
            handover = await session.get(Handover, handover_id)
            assert handover is not None
            handover.error = exc.message
            await session.commit()
            return handover
        handover = await session.get(Handover, handover_id)
        assert handover is not None
        handover.offboarded = True
    handover.complete, handover.error = True, None
    await session.commit()
    return handover


async def recent(session: AsyncSession, actor: Principal, limit: int = 20) -> Sequence[Handover]:
    actor.require_hub_admin()
    query = select(Handover).order_by(Handover.complete, Handover.created_at.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def towns_of(
    session: AsyncSession, handover_ids: Sequence[str]
) -> dict[str, list[HandoverTown]]:
    """Each handover's towns, in order: one query for them all."""
    query = (
        select(HandoverTown)
        .where(HandoverTown.handover_id.in_(handover_ids))
        .order_by(HandoverTown.position)
    )
    found: dict[str, list[HandoverTown]] = {handover_id: [] for handover_id in handover_ids}
    for row in await session.scalars(query):
        found[row.handover_id].append(row)
    return found
