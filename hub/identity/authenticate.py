"""From a bearer token to a Principal, with roles read from the hub's database."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Unauthenticated
from hub.identity.keys import KeySourceError, UnknownKey
from hub.identity.principal import Principal
from hub.identity.tokens import Claims, InvalidToken, TokenVerifier
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
    person = await _person_for(session, claims, embedded=embedded)
    if person is None:
        raise Unauthenticated("No account of the shared service matches this sign-in.")
    if not person.active:
        raise Unauthenticated("This account has been disabled.")
    memberships = await MembershipRepository(session).of_people([person.id])
    return Principal.of(person, memberships)


async def _person_for(session: AsyncSession, claims: Claims, *, embedded: bool) -> Person | None:
    people = PersonRepository(session)
    if embedded:  # the hub issued the token: sub is the person's id
        return await people.get(claims.sub)
    return await people.by_subject(claims.sub)
