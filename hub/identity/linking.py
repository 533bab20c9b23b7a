"""Which Person a provider's sign-in is: by subject, or linked once at the first sign-in.

The first time someone signs in through the provider, the hub links the sign-in to the person
an administrator invited: by e-mail address when the provider says it is verified, otherwise
by username (``preferred_username``). Only a person not yet linked to another subject can be
linked; from then on the subject alone identifies them.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import record
from hub.identity.tokens import Claims
from hub.people.models import Person
from hub.people.repository import PersonRepository

log = logging.getLogger(__name__)


async def person_for_claims(session: AsyncSession, claims: Claims) -> Person | None:
    people = PersonRepository(session)
    person = await people.by_subject(claims.sub)
    if person is not None:
        return person
    candidate = None
    if claims.email and claims.email_verified:
        candidate = await people.by_email(claims.email)
    if candidate is None and claims.preferred_username:
        candidate = await people.by_username(claims.preferred_username)
    if candidate is None or candidate.oidc_subject is not None:
        return None
    candidate.oidc_subject = claims.sub
    record(session, None, "person.link", f"{candidate.username} ↔ {claims.sub}")
    await session.commit()
    log.info("linked %s to the provider's subject %s", candidate.username, claims.sub)
    return candidate
