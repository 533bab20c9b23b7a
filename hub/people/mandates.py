"""Elected officials' mandates: a membership with a mandate end is over from that day
(Europe/Paris).

Access stops on the day itself (``Principal`` leaves an ended membership out, whatever the
database still holds); the running hub then ends such memberships for good, every hour it
wakes up (``hub.drift.daily``), as does ``hub reconcile``: the row goes, the person leaves the
town's group in the directory, and each town's trail says so (``membership.expire``, by the
system). A directory that does not answer does not keep anyone in: the membership ends in the
hub all the same, the entry says the directory was not updated, and the town's next check
finds the account in the group (extra member) and ``repairDrift`` takes it out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.directory.port import Directory
from connectors.errors import ConnectorError
from hub.audit.service import record
from hub.backend_errors import describe
from hub.errors import BadInput, Forbidden
from hub.identity.principal import Principal
from hub.people.models import Membership, Person, Role
from hub.towns.models import Town

PARIS = ZoneInfo("Europe/Paris")
MAX_WITHIN = 3650


def today() -> date:
    return datetime.now(PARIS).date()


@dataclass(frozen=True)
class Ended:
    person_id: str
    username: str
    town_id: str
    slug: str
    mandate_end: date
    directory_error: str | None


async def end_mandates(
    sessions: async_sessionmaker[AsyncSession], directory: Directory, limit: float, on: date
) -> list[Ended]:
    """End every membership whose mandate ended by ``on``, each in its own transaction."""
    async with sessions() as session:
        due = (
            await session.execute(
                select(
                    Membership.person_id,
                    Membership.town_id,
                    Membership.mandate_end,
                    Person.directory_id,
                    Person.username,
                    Town.slug,
                )
                .join(Person, Person.id == Membership.person_id)
                .join(Town, Town.id == Membership.town_id)
                .where(Membership.mandate_end <= on)
            )
        ).all()
    ended: list[Ended] = []
    for person_id, town_id, mandate_end, account, username, slug in due:
        assert mandate_end is not None  # selected by it
        async with sessions() as session:
            # Only the row as read: another replica may have ended it, or someone renewed it.
            gone = await session.execute(
                delete(Membership).where(
                    Membership.person_id == person_id,
                    Membership.town_id == town_id,
                    Membership.mandate_end == mandate_end,
                )
            )
            if gone.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                continue
            error = await _leave(directory, limit, slug, account)
            details = {"role": Role.ELECTED.value, "mandateEnd": mandate_end.isoformat()}
            if error:
                details["directory"] = error
            record(
                session,
                None,
                "membership.expire",
                f"{person_id}@{slug}",
                town_id=town_id,
                details=details,
                subject_id=person_id,
            )
            await session.commit()
        ended.append(Ended(person_id, username, town_id, slug, mandate_end, error))
    return ended


async def _leave(directory: Directory, limit: float, slug: str, account: str | None) -> str | None:
    """Take the account out of the town's group; why that failed, or None."""
    if account is None:  # never synced: the directory holds nothing of it
        return None
    try:
        async with asyncio.timeout(limit):
            await directory.remove_member(slug, account)
    except (ConnectorError, TimeoutError) as exc:
        return (
            describe(exc, "directory")
            if isinstance(exc, ConnectorError)
            else ("the directory did not answer in time")
        )
    return None


async def upcoming(
    session: AsyncSession, actor: Principal, within: int, on: date
) -> Sequence[Membership]:
    """The elected officials' memberships ending within ``within`` days, in the towns the
    caller administers, soonest first."""
    if not 1 <= within <= MAX_WITHIN:
        raise BadInput(f"Look 1 to {MAX_WITHIN} days ahead.", field="within")
    if not actor.hub_admin and not actor.administered_towns:
        raise Forbidden("Only administrators see the mandates that end.")
    query = (
        select(Membership)
        .where(
            Membership.role == Role.ELECTED,
            Membership.mandate_end > on,
            Membership.mandate_end <= on + timedelta(days=within),
        )
        .order_by(Membership.mandate_end, Membership.town_id)
    )
    if not actor.hub_admin:
        query = query.where(Membership.town_id.in_(actor.administered_towns))
    return (await session.scalars(query)).all()
