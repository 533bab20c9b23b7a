"""From a bearer token or a session cookie to a Principal, roles read from the hub's database."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Unauthenticated
from hub.identity.keys import KeySourceError, UnknownKey
from hub.identity.linking import person_for_claims
from hub.identity.principal import Principal
from hub.identity.sessions import find_session
from hub.identity.tokens import InvalidToken, TokenVerifier
from hub.people.models import Person
from hub.people.repository import MembershipRepository, PersonRepository

log = logging.getLogger(__name__)

INVALID = "Your sign-in is invalid or has expired; sign in again."


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <access token>'.")
    return token.strip()


async def principal_for_token(
    session: AsyncSession, verifier: TokenVerifier, token: str, *, embedded: bool
) -> Principal:
    try:
        claims = await verifier.verify(token)
    except InvalidToken as exc:
        log.info("refused a token: %s", exc.reason)
        raise Unauthenticated(INVALID) from None
    except UnknownKey:
        raise Unauthenticated(INVALID) from None
    except KeySourceError as exc:  # the provider's keys are out of reach: not the caller's fault
        log.warning("cannot verify tokens now: %s", exc)
        raise Unauthenticated("Sign-in cannot be checked right now; try again shortly.") from None
    if embedded:  # the hub issued the token: sub is the person's id
        person = await PersonRepository(session).get(claims.sub)
    else:
        person = await person_for_claims(session, claims)
    return await principal_for_person(session, person)


async def principal_for_cookie(session: AsyncSession, cookie: str | None) -> Principal | None:
    found = await find_session(session, cookie)
    if found is None:
        return None
    return await principal_for_person(session, await PersonRepository(session).get(found.person_id))


async def principal_for_person(session: AsyncSession, person: Person | None) -> Principal:
    if person is None:
        raise Unauthenticated("No account of the shared service matches this sign-in.")
    if not person.active:
        raise Unauthenticated("This account has been disabled.")
    memberships = await MembershipRepository(session).of_people([person.id])
    return Principal.of(person, memberships)
