"""Which Person a provider's sign-in is: by subject, or linked once at the first sign-in.

A person exists in the hub before they first sign in (``addStaff``, ``hub create-admin``).
That first sign-in links the provider's subject to them, by one of these and nothing else:

1. an **invitation link** the person followed (``hub.identity.invitations``: secret, single
   use, expiring), in the portal only;
2. an **e-mail address the provider says is verified** (``email_verified: true``);
3. the **claim the operator declared unique** (``HUB_OIDC_LINK_CLAIM``), matched with the
   person's username (or e-mail address when the claim is ``email``).

``preferred_username``, ``name``, an unverified ``email``: the provider lets its users choose
these (OpenID Connect Core §5.7), so they never link an account unless the operator declared
one unique. Only a person not yet linked to another subject can be linked; from then on the
subject alone identifies them. Every link is audited (a refused portal sign-in too, by the
route: a bearer token is refused on every call, and each would write an entry).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import record
from hub.identity.invitations import redeem_invitation
from hub.identity.tokens import Claims
from hub.people.models import Person
from hub.people.repository import PersonRepository

log = logging.getLogger(__name__)

# Fetches more claims about the caller (the provider's userinfo) when the first ones link nobody.
MoreClaims = Callable[[], Awaitable[Claims | None]]


@dataclass(frozen=True)
class LinkRules:
    """``claim``: the claim the operator declared unique and not chosen by users, or None."""

    claim: str | None = None


async def person_for_claims(
    session: AsyncSession,
    claims: Claims,
    rules: LinkRules,
    *,
    invitation: str | None = None,
    more_claims: MoreClaims | None = None,
) -> Person | None:
    """The person the provider's subject is, linking them at their first sign-in.

    ``invitation`` is the secret of a link the person followed before signing in (portal).
    """
    people = PersonRepository(session)
    person = await people.by_subject(claims.sub)
    if person is not None:
        return person
    if invitation is not None:
        invited = await redeem_invitation(session, invitation, claims.sub)
        if invited is None:
            await session.commit()  # the refusal's audit entry
            return None
        return await link(session, invited, claims.sub, "invitation")
    candidate, how = await _candidate(people, claims, rules)
    if candidate is None and more_claims is not None:
        fetched = await more_claims()
        if fetched is not None and fetched.sub == claims.sub:
            candidate, how = await _candidate(people, fetched, rules)
    if candidate is None:
        return None
    if candidate.oidc_subject is not None:
        # linked meanwhile by a concurrent first call of the same subject, or someone else's
        return candidate if candidate.oidc_subject == claims.sub else None
    return await link(session, candidate, claims.sub, how)


async def link(session: AsyncSession, person: Person, subject: str, how: str) -> Person | None:
    """Bind ``subject`` to ``person`` for good (the column is unique), audited.

    Only while the person is still unlinked (a conditional UPDATE): of concurrent first calls
    one links, the others find the link made; a subject already linked to someone else
    breaks the unique constraint and links nobody."""
    try:
        claimed = await session.execute(
            update(Person)
            .where(Person.id == person.id, Person.oidc_subject.is_(None))
            .values(oidc_subject=subject)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            await session.rollback()
            return await PersonRepository(session).by_subject(subject)
        record(session, None, "person.link", f"{person.username} ↔ {subject}", details={"by": how})
        await session.commit()
    except IntegrityError:
        await session.rollback()
        log.warning("subject %s is already linked to another person", subject)
        return None
    await session.refresh(person)
    log.info("linked %s to the provider's subject %s (by %s)", person.username, subject, how)
    return person


async def _candidate(
    people: PersonRepository, claims: Claims, rules: LinkRules
) -> tuple[Person | None, str]:
    if claims.email and claims.email_verified:
        found = await people.by_email(claims.email)
        if found is not None:
            return found, "verified e-mail"
    if rules.claim is not None:
        value = claims.raw.get(rules.claim)
        if isinstance(value, str) and value:
            if rules.claim == "email":
                found = await people.by_email(value)
            else:
                found = await people.by_username(value)
            if found is not None:
                return found, f"claim {rules.claim}"
    return None, ""
