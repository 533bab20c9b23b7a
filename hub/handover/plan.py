"""What a handover moves, checked before anything is written (and shown as its preview).

In each town named, the outgoing person's membership goes to the incoming person: their role
(the higher of theirs and the outgoing's, when they already work there: an agent, then a
pooled manager, then a town administrator) and the outgoing's share added to theirs, which
must keep their agreed time within a full post. An elected official's mandate is not a post:
it is never handed over, nor given to an official as a post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import BadInput, NotFound
from hub.people import validation
from hub.people.models import Membership, Person, Role
from hub.people.repository import MembershipRepository, PersonRepository
from hub.towns.models import Town
from hub.towns.repository import TownRepository

MAX_TOWNS = 50
MAX_AHEAD = timedelta(days=366)
RANK = {Role.STAFF: 0, Role.MANAGER: 1, Role.TOWN_ADMIN: 2}


@dataclass(frozen=True)
class Move:
    town: Town
    role: Role
    share: float | None
    """The outgoing person's role and share there."""
    incoming_role: Role | None
    incoming_share: float | None
    resulting_role: Role
    resulting_share: float | None


@dataclass(frozen=True)
class People:
    outgoing: Person
    incoming: Person


async def people(session: AsyncSession, outgoing_id: str, incoming_id: str) -> People:
    found = {p.id: p for p in await PersonRepository(session).by_ids([outgoing_id, incoming_id])}
    outgoing, incoming = found.get(outgoing_id), found.get(incoming_id)
    if outgoing is None:
        raise NotFound("There is no such outgoing person.", field="outgoing")
    if incoming is None:
        raise NotFound("There is no such incoming person.", field="incoming")
    if outgoing.id == incoming.id:
        raise BadInput(
            "The post goes to someone else than the person leaving it.", field="incoming"
        )
    if not incoming.active:
        raise BadInput(
            f"{incoming.username} is offboarded: reactivate them first.", field="incoming"
        )
    return People(outgoing, incoming)


def effective_day(value: date, today: date) -> date:
    """From today on (the past stays as it happened), within a year."""
    if not today <= value <= today + MAX_AHEAD:
        raise BadInput("A handover takes effect from today to a year ahead.", field="effective")
    return value


def _sum(first: float | None, second: float | None) -> float | None:
    if first is None and second is None:
        return None
    return (first or 0.0) + (second or 0.0)


async def moves(session: AsyncSession, who: People, slugs: Sequence[str]) -> list[Move]:
    """Each town's move, in the order named; BAD_INPUT or NOT_FOUND for a town that cannot be
    handed over."""
    wanted = list(dict.fromkeys(slugs))
    if not wanted or len(wanted) > MAX_TOWNS or len(wanted) != len(slugs):
        raise BadInput(f"Name 1 to {MAX_TOWNS} towns, each once.", field="towns")
    towns = {t.slug: t for t in await TownRepository(session).by_slugs(wanted)}
    memberships = await MembershipRepository(session).of_people([who.outgoing.id, who.incoming.id])
    held: dict[tuple[str, str], Membership] = {(m.person_id, m.town_id): m for m in memberships}
    found: list[Move] = []
    for slug in wanted:
        town = towns.get(slug)
        if town is None:
            raise NotFound(f"There is no town '{slug}'.", field="towns")
        leaving = held.get((who.outgoing.id, town.id))
        if leaving is None:
            raise BadInput(f"{who.outgoing.username} holds no post in '{slug}'.", field="towns")
        staying = held.get((who.incoming.id, town.id))
        if Role.ELECTED in (leaving.role, staying.role if staying else None):
            raise BadInput(
                f"An elected official's mandate is not a post to hand over ('{slug}').",
                field="towns",
            )
        role = leaving.role
        if staying is not None and RANK[staying.role] > RANK[role]:
            role = staying.role
        found.append(
            Move(
                town=town,
                role=leaving.role,
                share=leaving.share,
                incoming_role=staying.role if staying else None,
                incoming_share=staying.share if staying else None,
                resulting_role=role,
                resulting_share=_sum(leaving.share, staying.share if staying else None),
            )
        )
    # the incoming person's agreed time, their other towns' and these together, within a post
    moving = {move.town.id for move in found}
    total = sum(
        m.share or 0.0
        for m in memberships
        if m.person_id == who.incoming.id and m.town_id not in moving
    )
    for move in found:
        validation.share(move.resulting_share, total)
        total += move.resulting_share or 0.0
    return found
