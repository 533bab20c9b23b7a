"""The right to erasure (GDPR article 17), resumable like a town's provisioning.

``erasePerson`` is for someone who has left every town: offboarded (their account disabled).
While their account is active it is refused with CONFLICT naming the towns they still belong
to. A DPO erases someone of their towns only if they answer for every town the person held a
role in (a hub administrator for anyone); nobody erases themselves.

The erasure is recorded first (a pseudonym, the steps), then each step runs and records its
outcome, like provisioning (``hub.towns.provisioning``):

1. ``calendars`` — every town's calendar: the person leaves the events still to come and
   stays in past ones as the pseudonym (``hub.agenda.forgetting``);
2. ``directory`` — their account is deleted (Keycloak; the hub's own directory is step 3);
3. ``hub`` — in one transaction: the audit trail pseudonymised (``hub.privacy.pseudonyms``),
   then the person's row deleted, and with it their memberships, sessions, invitations,
   calendar subscription and exports; the record keeps only a hash of their id.

A failed step keeps its error and the erasure stays FAILED; ``erasePerson`` again resumes at
that step, and once complete answers with the same record. The towns keep their records
(events, audit entries); nothing in the hub names the person any more.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.agenda.bookings import forget_everywhere
from hub.agenda.calendars import TownCalendars
from hub.agenda.forgetting import Forget
from hub.agenda.reading import TownSlug
from hub.audit.service import About, audited, record
from hub.backend_errors import describe
from hub.db.base import utcnow
from hub.errors import Conflict, Forbidden, HubError, NotFound
from hub.identity.principal import Principal
from hub.people.directory_sync import DirectorySync
from hub.people.models import Person
from hub.privacy.models import Erasure, ErasureStep
from hub.privacy.pseudonyms import Identifiers, new_pseudonym, pseudonymise_audit
from hub.privacy.repository import PrivacyRepository
from hub.privacy.scope import NO_SUCH_PERSON, Subject, find_subject
from hub.towns.repository import TownRepository

log = logging.getLogger(__name__)
STEPS = ("calendars", "directory", "hub")


class Block(StrEnum):
    """Why an erasure would be refused (``PersonalData.erasureBlock``)."""

    SELF = "SELF"
    HUB_ADMIN = "HUB_ADMIN"
    ACTIVE = "ACTIVE"
    OTHER_TOWNS = "OTHER_TOWNS"


class ErasureState(StrEnum):
    PENDING = "PENDING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


def state_of(erasure: Erasure, steps: Sequence[ErasureStep]) -> ErasureState:
    if erasure.completed_at is not None:
        return ErasureState.COMPLETE
    if any(step.error for step in steps):
        return ErasureState.FAILED
    return ErasureState.PENDING


def person_hash(person_id: str) -> str:
    return hashlib.sha256(person_id.encode()).hexdigest()


def erasure_block(actor: Principal, subject: Subject) -> Block | None:
    """Why ``actor`` may not erase ``subject`` now (None when they may)."""
    person = subject.person
    if person.id == actor.person_id:
        return Block.SELF
    if person.hub_admin and not actor.hub_admin:
        return Block.HUB_ADMIN
    if person.active:
        return Block.ACTIVE
    if not actor.hub_admin and not subject.member_of <= actor.protected_towns:
        return Block.OTHER_TOWNS
    return None


async def _refusal(
    session: AsyncSession, actor: Principal, subject: Subject, block: Block
) -> HubError:
    if block is Block.SELF:
        return Forbidden("You cannot erase yourself; ask another DPO or an administrator.")
    if block is Block.HUB_ADMIN:
        return Forbidden("Only administrators of the shared service may erase one of them.")
    if block is Block.OTHER_TOWNS:
        return Forbidden(
            "This person also worked for towns you are not the DPO of: their DPO, or an "
            "administrator of the shared service, must erase them."
        )
    seen = [t for t in subject.member_of if actor.sees_town(t)]
    towns = sorted(await TownRepository(session).by_ids(seen), key=lambda t: t.name)
    named = ", ".join(f"{t.name} ({t.slug})" for t in towns)
    if len(seen) < len(subject.member_of):
        named = f"{named} and other towns" if named else "towns you do not see"
    where = f" They still belong to {named}." if subject.member_of else ""
    return Conflict(
        f"{subject.person.display_name} still has an active account.{where} "
        "Offboard them first (offboardStaff), then erase them.",
        field="person",
    )


@dataclass(frozen=True)
class Backends:
    calendars: TownCalendars
    sync: DirectorySync
    step_timeout: float


async def erase_person(
    session: AsyncSession, actor: Principal, backends: Backends, person_id: str
) -> Erasure:
    """Record (or find) the erasure, then run its pending steps; audited every time."""
    done = await PrivacyRepository(session).erasure_by_hash(person_hash(person_id[:64]))
    if done is not None and done.completed_at is None:
        done = None  # under way: resumed below, with the person's row still there
    # An erasure done already is audited under its pseudonym: its id never returns to a trail.
    about = (
        About(person_id=done.pseudonym, town_ids=list(done.town_ids))
        if done
        else About(person_id=person_id)
    )

    async def start() -> Erasure:
        if done is not None:
            # the same record for its towns' DPOs; anyone else learns nothing of it
            if not actor.hub_admin and not set(done.town_ids) & actor.protected_towns:
                raise NotFound(NO_SUCH_PERSON, field="person")
            return done
        subject = await find_subject(session, actor, person_id, about.town_ids)
        block = erasure_block(actor, subject)
        if block is not None:
            raise await _refusal(session, actor, subject, block)
        try:
            return await _recorded(session, actor, subject)
        except IntegrityError:  # the same erasure started concurrently: resume theirs
            await session.rollback()
            found = await PrivacyRepository(session).erasure_by_hash(person_hash(person_id))
            if found is None:
                raise
            return found

    erasure = await audited(
        session,
        actor,
        "person.erase",
        done.pseudonym if done else person_id,
        start,
        described=lambda e: (e.pseudonym, None),
        about=about,
    )
    await run_steps(session, actor, backends, erasure)
    return erasure


async def _recorded(session: AsyncSession, actor: Principal, subject: Subject) -> Erasure:
    repository = PrivacyRepository(session)
    found = await repository.erasure_by_hash(person_hash(subject.person.id))
    if found is not None:
        return found
    erasure = Erasure(
        person_id=subject.person.id,
        person_hash=person_hash(subject.person.id),
        pseudonym=new_pseudonym(),
        requested_by=actor.person_id,
        town_ids=sorted(subject.linked),
    )
    session.add(erasure)
    await session.flush()
    session.add_all(
        ErasureStep(erasure_id=erasure.id, name=name, position=i, done=False, attempts=0)
        for i, name in enumerate(STEPS)
    )
    await session.flush()
    return erasure


@dataclass(frozen=True)
class _Target:
    """What the steps need, read once: a failed step's rollback expires the session's rows."""

    erasure_id: str
    pseudonym: str
    town_ids: tuple[str, ...]
    person: Person
    """A detached copy (id, username, e-mail, name, directory id, provider subject)."""


async def run_steps(
    session: AsyncSession, actor: Principal, backends: Backends, erasure: Erasure
) -> None:
    """Run every step not yet done, in order, committing the outcome of each; stop at the
    first that fails (the next ones need it)."""
    steps = await PrivacyRepository(session).erasure_steps([erasure.id])
    found = await session.get(Person, erasure.person_id) if erasure.person_id else None
    if found is not None:
        target = _Target(erasure.id, erasure.pseudonym, tuple(erasure.town_ids), _copy(found))
        for name in [step.name for step in steps if not step.done]:
            try:
                async with asyncio.timeout(backends.step_timeout * (3 if name == "hub" else 1)):
                    count = await _runner(name, session, backends, target)()
            except Exception as exc:  # recorded on the step, as provisioning does
                log.warning("erasure step %s failed", name, exc_info=True)
                await session.rollback()
                await _outcome(session, actor, target, name, error=_describe(exc))
                break
            await _outcome(session, actor, target, name, count=count)
    await session.refresh(erasure)


def _copy(person: Person) -> Person:
    return Person(
        id=person.id,
        username=person.username,
        display_name=person.display_name,
        email=person.email,
        directory_id=person.directory_id,
        oidc_subject=person.oidc_subject,
    )


def _runner(
    name: str, session: AsyncSession, backends: Backends, target: _Target
) -> Callable[[], Awaitable[int]]:
    person = target.person

    async def calendars() -> int:
        towns = await TownRepository(session).visible(None)
        refs = [TownSlug(town.id, town.slug) for town in towns]
        await session.rollback()  # no transaction held while the calendars are rewritten
        forget = Forget(person.id, person.email, target.pseudonym)
        return await forget_everywhere(backends.calendars, refs, forget, datetime.now(UTC))

    async def directory() -> int:
        await backends.sync.delete(person)
        return 1

    async def hub() -> int:
        changed = await pseudonymise_audit(session, Identifiers.of(person), target.pseudonym)
        await session.execute(
            update(Erasure)
            .where(Erasure.requested_by == person.id)
            .values(requested_by=target.pseudonym)
        )
        await session.execute(delete(Person).where(Person.id == person.id))
        await session.execute(
            update(Erasure)
            .where(Erasure.id == target.erasure_id)
            .values(person_id=None, completed_at=utcnow())
        )
        return changed

    return {"calendars": calendars, "directory": directory, "hub": hub}[name]


async def _outcome(
    session: AsyncSession,
    actor: Principal,
    target: _Target,
    name: str,
    *,
    error: str | None = None,
    count: int | None = None,
) -> None:
    """The step's outcome and its audit entries, committed (with the step's own changes)."""
    step = await session.get(ErasureStep, (target.erasure_id, name))
    assert step is not None  # recorded with the erasure
    step.attempts += 1
    step.done, step.error = error is None, error
    details: dict[str, object] = {"name": target.pseudonym}
    if error is not None:
        details["error"] = error
    if count is not None:
        details["count"] = count
    # Once the hub step is done, the person's id is gone from the trail: say the pseudonym.
    subject = target.pseudonym if name == "hub" and error is None else target.person.id
    towns: list[str | None] = list(target.town_ids) or [None]
    for town_id in towns:
        record(
            session,
            actor,
            f"person.erase.{name}",
            target.pseudonym,
            town_id=town_id,
            outcome="ok" if error is None else "BACKEND_UNAVAILABLE",
            details=details,
            subject_id=subject,
        )
    await session.commit()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "a backend did not answer in time; erase again later"
    return describe(exc)[:500]
