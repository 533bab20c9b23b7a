"""Calendar subscriptions: a secret address that serves one's merged agenda as iCalendar.

The address is the only credential: 256 random bits, shown once when created and stored only
as a SHA-256 hash (a leaked table opens nothing), looked up by that hash (no timing to read).
A new address replaces the old one, which stops working at once; revoking removes it. The
feed is read-only (GET only) and shows what its owner may see now: their memberships are read
again at every fetch, so leaving a town or being offboarded takes effect on the next one.
Creating and revoking are audited; fetches are not (a phone polls every few minutes).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.service import About, audited
from hub.feeds.models import CalendarFeed
from hub.identity.principal import Principal

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def feed_of(session: AsyncSession, person_id: str) -> CalendarFeed | None:
    return await session.get(CalendarFeed, person_id)


async def owner_of(session: AsyncSession, token: str) -> str | None:
    """The person id a token belongs to, None for anything else."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    query = select(CalendarFeed.person_id).where(CalendarFeed.token_hash == token_hash(token))
    return await session.scalar(query)


async def create_feed(session: AsyncSession, actor: Principal) -> tuple[str, CalendarFeed]:
    """A new secret address for the caller (the old one, if any, stops working)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)

    async def change() -> CalendarFeed:
        found = await feed_of(session, actor.person_id)
        if found is None:
            found = CalendarFeed(person_id=actor.person_id)
            session.add(found)
        found.token_hash = token_hash(token)
        await session.flush()
        await session.refresh(found)
        return found

    feed = await audited(
        session,
        actor,
        "feed.create",
        actor.username,
        change,
        about=About(person_id=actor.person_id, town_ids=list(actor.roles)),
    )
    return token, feed


async def revoke_feed(session: AsyncSession, actor: Principal) -> bool:
    """The caller's address stops working; False when there was none."""

    async def change() -> bool:
        found = await feed_of(session, actor.person_id)
        if found is None:
            return False
        await session.delete(found)
        await session.flush()
        return True

    return await audited(
        session,
        actor,
        "feed.revoke",
        actor.username,
        change,
        about=About(person_id=actor.person_id, town_ids=list(actor.roles)),
    )
