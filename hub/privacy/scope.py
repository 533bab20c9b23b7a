"""Whose data a DPO may act on: a person, and the towns of theirs the caller answers for.

A person belongs to a town's records when they hold a membership there (an offboarded
person keeps theirs) or when the town's audit trail has entries by or about them (someone
who left the town). A DPO acts on a person of one of their towns, for those towns only; a hub
administrator for every town. Anyone else is refused (FORBIDDEN), and the refusal is audited
in the person's towns, whose DPO should know someone asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.models import AuditEntry
from hub.errors import BadInput, Forbidden, NotFound
from hub.identity.principal import Principal
from hub.people.models import Membership, Person
from hub.people.repository import MembershipRepository, PersonRepository

NO_SUCH_PERSON = "There is no such person."


@dataclass(frozen=True)
class Subject:
    person: Person
    memberships: tuple[Membership, ...]
    linked: frozenset[str]
    """Every town whose records hold the person."""
    mine: frozenset[str]
    """The linked towns the caller answers for (all of them for a hub administrator)."""

    @property
    def member_of(self) -> frozenset[str]:
        return frozenset(m.town_id for m in self.memberships)


async def linked_towns(session: AsyncSession, person_id: str, member_of: Iterable[str]) -> set[str]:
    query = (
        select(AuditEntry.town_id)
        .where(
            or_(AuditEntry.actor_id == person_id, AuditEntry.subject_id == person_id),
            AuditEntry.town_id.is_not(None),
        )
        .distinct()
    )
    found = {town for town in await session.scalars(query) if town is not None}
    return found | set(member_of)


async def find_subject(
    session: AsyncSession, actor: Principal, person_id: str, linked_out: list[str] | None = None
) -> Subject:
    """The person and their towns, if the caller may act on them: NOT_FOUND for no such
    person, FORBIDDEN for one of no town the caller answers for. ``linked_out`` receives the
    person's towns as soon as they are known (to audit a refusal in them)."""
    if len(person_id) > 64:
        raise BadInput(NO_SUCH_PERSON, field="person")
    person = await PersonRepository(session).get(person_id)
    if person is None:
        raise NotFound(NO_SUCH_PERSON, field="person")
    memberships = tuple(await MembershipRepository(session).of_people([person.id]))
    linked = frozenset(await linked_towns(session, person.id, (m.town_id for m in memberships)))
    if linked_out is not None:
        linked_out.extend(sorted(linked))
    mine = linked if actor.hub_admin else linked & actor.protected_towns
    if not mine and not actor.hub_admin:
        raise Forbidden(
            "Only the DPO of one of this person's towns, or an administrator of the shared "
            "service, may act on their personal data."
        )
    return Subject(person, memberships, linked, mine)
