"""One-time invitation links: how an invited person links their provider account explicitly.

When the provider cannot vouch for the person's e-mail address (it sends no
``email_verified: true``) and no claim was declared unique, an administrator hands the person
a link ``{HUB_PUBLIC_URL}/auth/invitation/{secret}`` (``hub create-admin`` in SSO mode,
``hub invite USERNAME``). Following it and signing in at the provider links that provider
account to the invited person. The secret is 256 random bits, stored only as its SHA-256
(a leaked table opens nothing), valid ``HUB_INVITATION_TTL_HOURS``, used at most once (a
conditional UPDATE, so two sign-ins racing with one link cannot both win), and a new link
replaces the person's earlier unused ones. Issuing, redeeming and refusing are audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import record
from hub.db.base import utcnow
from hub.errors import Conflict
from hub.identity.models import Invitation
from hub.identity.principal import Principal
from hub.identity.sessions import token_hash
from hub.people.models import Person

PATH = "/auth/invitation/"
MAX_SECRET_LENGTH = 128


@dataclass(frozen=True)
class IssuedInvitation:
    url: str
    expires_at: datetime


def secret_hash(secret: str) -> str | None:
    """The stored form of ``secret``, or None for something that cannot be one."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.isascii():
        return None
    return token_hash(secret)


async def issue_invitation(
    session: AsyncSession,
    person: Person,
    *,
    base_url: str,
    ttl: timedelta,
    actor: Principal | None = None,
) -> IssuedInvitation:
    """A fresh link for ``person`` (earlier unused links stop working); commits."""
    if person.oidc_subject is not None:
        raise Conflict(f"{person.username} already signs in through the provider.")
    if not person.active:
        raise Conflict(f"{person.username} has been offboarded.")
    await session.execute(
        delete(Invitation).where(Invitation.person_id == person.id, Invitation.used_at.is_(None))
    )
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + ttl
    session.add(
        Invitation(
            token_hash=token_hash(secret),
            person_id=person.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    record(
        session,
        actor,
        "invitation.issue",
        person.username,
        details={"expires_at": expires_at.isoformat()},
    )
    await session.commit()
    return IssuedInvitation(f"{base_url}{PATH}{secret}", expires_at)


async def invited_person(session: AsyncSession, secret: str) -> Person | None:
    """The person a still valid, unused link invites (the link is not used up by looking)."""
    hashed = secret_hash(secret)
    invitation = await session.get(Invitation, hashed) if hashed else None
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    person = await session.get(Person, invitation.person_id)
    if person is None or not person.active or person.oidc_subject is not None:
        return None
    return person


async def redeem_invitation(session: AsyncSession, secret: str, subject: str) -> Person | None:
    """Use the link up for ``subject``: the invited person, or None (audited either way).

    The caller links the person to ``subject`` in the same transaction and commits."""
    person = await invited_person(session, secret)
    hashed = secret_hash(secret)
    if person is None or hashed is None:
        _refused(session, subject, "unknown, used or expired link")
        return None
    claimed = await session.execute(
        update(Invitation)
        .where(Invitation.token_hash == hashed, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(claimed, "rowcount", 0) != 1:
        _refused(session, subject, "used by a concurrent sign-in")
        return None
    record(session, None, "invitation.redeem", person.username, details={"subject": subject})
    return person


def _refused(session: AsyncSession, subject: str, reason: str) -> None:
    record(
        session,
        None,
        "invitation.redeem",
        subject,
        outcome="UNAUTHENTICATED",
        details={"reason": reason},
    )
