"""Signing in with a username and password (embedded mode), limited and audited.

Every attempt is counted per account and per client address first (``rate_limit``); one over
a limit is refused without checking the password. The password is checked in the worker
threads (``passwords.PasswordWorkers``), never on the event loop. Every refusal, wrong
password or limit, is an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.audit.service import record
from hub.identity.principal import Principal
from hub.identity.sessions import OpenedSession, open_session
from hub.people.repository import PersonRepository
from hub.services import Services

TARGET_LENGTH = 64


@dataclass(frozen=True)
class SignInOutcome:
    """``opened`` on success; else ``retry_after`` (seconds) when a limit refused it."""

    opened: OpenedSession | None = None
    retry_after: int | None = None


async def sign_in_with_password(
    services: Services, username: str, password: str, address: str | None
) -> SignInOutcome:
    name = username.strip()
    target = name[:TARGET_LENGTH] or "?"
    wait = await services.sign_in_limiter.attempt(name, address)
    async with services.sessions() as session:
        if wait is not None:
            record(
                session,
                None,
                "session.refused",
                target,
                outcome="RATE_LIMITED",
                details={"address": address, "retry_after": wait},
            )
            await session.commit()
            return SignInOutcome(retry_after=wait)
        person = await PersonRepository(session).by_username(name)
        valid = await services.passwords.verify(person.password_hash if person else None, password)
        if person is None or not valid or not person.active:
            record(
                session,
                None,
                "session.refused",
                target,
                outcome="UNAUTHENTICATED",
                details={"address": address},
            )
            await session.commit()
            return SignInOutcome()
        await services.sign_in_limiter.succeeded(name, address)
        opened = await open_session(session, person)
        record(
            session,
            Principal(person.id, person.username, person.hub_admin),
            "session.open",
            person.username,
        )
        await session.commit()
        return SignInOutcome(opened=opened)
