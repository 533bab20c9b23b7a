"""Browser sessions of the portal: an opaque cookie, its hash in the database, a CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.base import utcnow
from hub.identity.models import PortalSession
from hub.people.models import Person

COOKIE = "entente_session"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME = timedelta(hours=10)  # a working day, then sign in again


@dataclass(frozen=True)
class OpenedSession:
    cookie: str
    csrf_token: str


def token_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


async def open_session(
    session: AsyncSession, person: Person, *, id_token: str | None = None
) -> OpenedSession:
    """A new session (a new cookie at every sign-in: no session fixation)."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        PortalSession(
            token_hash=token_hash(cookie),
            person_id=person.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + LIFETIME,
            id_token=id_token,
        )
    )
    # Expired sessions are swept here rather than by a scheduler the demo would need.
    await session.execute(delete(PortalSession).where(PortalSession.expires_at < now))
    await session.commit()
    return OpenedSession(cookie, csrf)


async def find_session(session: AsyncSession, cookie: str | None) -> PortalSession | None:
    if not cookie:
        return None
    found = await session.get(PortalSession, token_hash(cookie))
    if found is None or found.expires_at <= utcnow():
        return None
    return found


async def close_session(session: AsyncSession, cookie: str | None) -> PortalSession | None:
    found = await find_session(session, cookie)
    if found is not None:
        await session.delete(found)
        await session.commit()
    return found


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
