"""People and memberships: who may see and change whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import paging
from hub.audit.service import About, audited, record
from hub.db.base import new_id
from hub.errors import BadInput, Conflict, Forbidden, NotFound
from hub.identity.principal import Principal
from hub.paging import Page
from hub.people import validation
from hub.people.directory_sync import DirectorySync
from hub.people.mandates import today
from hub.people.models import Membership, Person, Role
from hub.people.repository import MembershipRepository, NewMembership, PersonRepository
from hub.towns.models import Town, TownRecord
from hub.towns.repository import TownRepository
from hub.towns.validation import display_name

MAX_SEARCH = 100
AnyTown = TypeVar("AnyTown", Town, TownRecord)


@dataclass(frozen=True)
class StaffTown:
    town: str
    role: Role
    share: float | None
    mandate_end: date | None = None


@dataclass(frozen=True)
class NewStaff:
    username: str
    display_name: str
    email: str
    towns: Sequence[StaffTown]


async def search_people(
    session: AsyncSession, actor: Principal, text: str | None
) -> Sequence[Person]:
    if text is not None and len(text) > MAX_SEARCH:
        # a name or an address is shorter; SQLite refuses long LIKE patterns outright
        raise BadInput(f"Search for at most {MAX_SEARCH} characters.", field="search")
    scope = None if actor.hub_admin else actor.roles.keys()
    return await PersonRepository(session).search(text, scope)


async def people_page(
    session: AsyncSession,
    actor: Principal,
    first: int | None,
    after: str | None,
    text: str | None,
) -> Page[Person]:
    """A page of the people ``search_people`` gives, by name."""
    size = paging.checked_first(first)
    wanted = paging.checked_search(text)
    key = paging.decode("person", after, 2) if after else None
    scope = None if actor.hub_admin else actor.roles.keys()
    rows, total = await PersonRepository(session).page(
        wanted, scope, (key[0], key[1]) if key else None, size + 1
    )
    shown = list(rows[:size])
    last = shown[-1] if len(rows) > size and shown else None
    cursor = paging.encode("person", (last.display_name, last.username)) if last else None
    return Page(shown, cursor, total)


async def set_membership(
    session: AsyncSession,
    sync: DirectorySync,
    actor: Principal,
    person_id: str,
    slug: str,
    role: Role,
    share: float | None,
    mandate_end: date | None = None,
) -> Membership:
    about = About(person_id=person_id, details={"role": role.value, "share": share})
    if mandate_end is not None:
        about.details["mandateEnd"] = mandate_end.isoformat()

    async def change() -> Membership:
        town = await _administered_town(session, actor, slug)
        person = await _person(session, person_id)
        _refuse_self_change(actor, person)
        memberships = MembershipRepository(session)
        others = sum(
            m.share or 0.0 for m in await memberships.of_people([person.id]) if m.town_id != town.id
        )
        checked_share = validation.share(share, others)
        end = validation.mandate_end(role, mandate_end, today())
        membership = await memberships.get(person.id, town.id)
        if membership is None:
            membership = Membership(person_id=person.id, town_id=town.id)
            session.add(membership)
        membership.role, membership.share, membership.mandate_end = role, checked_share, end
        await session.flush()
        await sync.join(person, town.slug)
        return membership

    town_id = await _town_id(session, slug)
    return await audited(
        session,
        actor,
        "membership.set",
        f"{person_id}@{slug}:{role.value}",
        change,
        town_id=town_id,
        about=about,
    )


async def remove_membership(
    session: AsyncSession, sync: DirectorySync, actor: Principal, person_id: str, slug: str
) -> bool:
    async def change() -> bool:
        town = await _administered_town(session, actor, slug)
        person = await _person(session, person_id)
        _refuse_self_change(actor, person)
        membership = await MembershipRepository(session).get(person.id, town.id)
        if membership is None:
            raise NotFound(f"{person.username} is not a member of '{slug}'.")
        await session.delete(membership)
        await session.flush()
        await sync.leave(person, town.slug)
        return True

    town_id = await _town_id(session, slug)
    return await audited(
        session,
        actor,
        "membership.remove",
        f"{person_id}@{slug}",
        change,
        town_id=town_id,
        about=About(person_id=person_id),
    )


def _taken_meanwhile(exc: IntegrityError, username: str, email: str) -> Conflict:
    """The refusal when another request (another replica, say) added the same username or
    address between the check and the insert: the database's unique index decided."""
    if "email" in str(exc.orig).lower():
        return Conflict(f"Someone was just added with the address {email}.", field="email")
    return Conflict(f"The username '{username}' was just taken.", field="username")


async def add_staff(
    session: AsyncSession, sync: DirectorySync, actor: Principal, data: NewStaff
) -> Person:
    about = About(details={"name": data.display_name[:200]})

    async def change() -> Person:
        if not data.towns and not actor.hub_admin:
            raise BadInput("Name at least one of your towns for the new person.", field="towns")
        username = validation.username(data.username)
        email = validation.email(data.email)
        name = display_name(data.display_name, field="displayName")
        found = await TownRepository(session).records_by_slug([item.town for item in data.towns])
        towns = [_administered(actor, found.get(item.town), item.town) for item in data.towns]
        about.town_ids = [town.id for town in towns]
        about.details["towns"] = {
            town.id: {
                "role": item.role.value,
                "share": item.share,
                **({"mandateEnd": item.mandate_end.isoformat()} if item.mandate_end else {}),
            }
            for town, item in zip(towns, data.towns, strict=True)
        }
        if len({town.id for town in towns}) != len(towns):
            raise BadInput("Each town may be listed once.", field="towns")
        holders = await PersonRepository(session).holders(username, email)
        if username in holders:
            raise Conflict(f"The username '{username}' is taken.", field="username")
        if holders:
            raise Conflict(
                f"Someone already uses the address {email}: add them with setMembership.",
                field="email",
            )
        memberships = []
        total = 0.0
        for town, item in zip(towns, data.towns, strict=True):
            checked = validation.share(item.share, total)
            end = validation.mandate_end(item.role, item.mandate_end, today())
            total += checked or 0.0
            memberships.append(NewMembership(town.id, item.role, checked, end))
        person = Person(id=new_id(), username=username, display_name=name, email=email, active=True)
        sync.name(person)
        about.person_id = person.id
        session.add(person)
        # the person's row first (the unit of work orders rows by relationship, and these
        # tables have none), then the memberships in one statement
        try:
            await session.flush()
        except IntegrityError as exc:
            raise _taken_meanwhile(exc, username, email) from None
        await MembershipRepository(session).insert(person.id, memberships)
        for town in towns:
            await sync.join(person, town.slug)
        if sync.invitation_error:
            town_ids: list[str | None] = [town.id for town in towns]
            for town_id in town_ids or [None]:
                record(
                    session,
                    actor,
                    "person.invite",
                    username,
                    town_id=town_id,
                    outcome="BACKEND_UNAVAILABLE",
                    details={"error": sync.invitation_error, "name": name},
                    subject_id=person.id,
                )
        await session.flush()
        return person

    return await audited(
        session,
        actor,
        "person.add",
        data.username,
        change,
        described=lambda person: (person.username, None),
        about=about,
    )


def offboarding_refusal(
    actor: Principal, person: Person, memberships: Sequence[Membership]
) -> str | None:
    """Why ``actor`` may not offboard ``person`` (None when they may)."""
    if person.id == actor.person_id:
        return "You cannot offboard yourself; ask another administrator."
    if person.hub_admin and not actor.hub_admin:
        return "Only administrators of the shared service may offboard one of them."
    towns = {m.town_id for m in memberships}
    if not actor.hub_admin and (not towns or not towns <= actor.administered_towns):
        return (
            "Only the shared service's administrators may offboard someone who also "
            "works for towns you do not administer."
        )
    return None


async def offboard_staff(
    session: AsyncSession, sync: DirectorySync, actor: Principal, person_id: str
) -> Person:
    about = About(person_id=person_id)

    async def change() -> Person:
        person = await _person(session, person_id)
        memberships = await MembershipRepository(session).of_people([person.id])
        about.town_ids = [m.town_id for m in memberships]
        refusal = offboarding_refusal(actor, person, memberships)
        if refusal is not None:
            raise Forbidden(refusal)
        person.active = False
        await session.flush()
        await sync.disable(person)
        await session.flush()
        return person

    return await audited(session, actor, "person.offboard", person_id, change, about=about)


async def _town_id(session: AsyncSession, slug: str) -> str | None:
    town = await TownRepository(session).by_slug(slug)
    return town.id if town else None


async def _administered_town(session: AsyncSession, actor: Principal, slug: str) -> Town:
    return _administered(actor, await TownRepository(session).by_slug(slug), slug)


def _administered(actor: Principal, town: AnyTown | None, slug: str) -> AnyTown:
    if town is None:
        raise NotFound(f"There is no town '{slug}'.")
    actor.require_town_admin(town.id, slug)
    return town


async def _person(session: AsyncSession, person_id: str) -> Person:
    person = await PersonRepository(session).get(person_id)
    if person is None:
        raise NotFound("There is no such person.")
    return person


def _refuse_self_change(actor: Principal, person: Person) -> None:
    if person.id == actor.person_id and not actor.hub_admin:
        raise Forbidden("You cannot change your own memberships; ask another administrator.")
