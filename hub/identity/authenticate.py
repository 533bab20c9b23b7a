"""From a bearer token or a session cookie to a Principal, roles read from the hub's database."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.reads import fetch_rows
from hub.errors import Unauthenticated
from hub.identity.keys import KeySourceError, UnknownKey
from hub.identity.linking import person_for_claims
from hub.identity.principal import Caller, Principal
from hub.identity.sessions import find_session
from hub.identity.tokens import Claims, InvalidToken
from hub.identity.userinfo import UserinfoUnavailable
from hub.people.mandates import today
from hub.people.models import Membership, Person
from hub.services import Services

log = logging.getLogger(__name__)

INVALID = "Your sign-in is invalid or has expired; sign in again."
NO_ACCOUNT = "No account of the shared service matches this sign-in."
DISABLED = "This account has been disabled."
UNCHECKABLE = "Sign-in cannot be checked right now; try again shortly."
NOT_LINKED = (
    "No account of the shared service matches this sign-in. If you were invited, sign in "
    "once through the portal, then try again."
)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <access token>'.")
    return token.strip()


async def principal_for_token(session: AsyncSession, services: Services, token: str) -> Principal:
    try:
        claims = await services.verifier.verify(token)
    except InvalidToken as exc:
        log.info("refused a token: %s", exc.reason)
        raise Unauthenticated(INVALID) from None
    except UnknownKey:
        raise Unauthenticated(INVALID) from None
    except KeySourceError as exc:  # the provider's keys are out of reach: not the caller's fault
        log.warning("cannot verify tokens now: %s", exc)
        raise Unauthenticated(UNCHECKABLE) from None
    if services.settings.embedded_identity:  # the hub issued the token: sub is the person's id
        return await principal_by_id(session, claims.sub)
    more_claims = None
    userinfo = services.userinfo
    if userinfo is not None:

        async def more_claims() -> Claims | None:
            return await userinfo.claims(token)

    try:
        person = await person_for_claims(
            session, claims, services.link_rules, more_claims=more_claims
        )
    except UserinfoUnavailable as exc:
        log.warning("cannot ask the provider about a new subject now: %s", exc)
        raise Unauthenticated(UNCHECKABLE) from None
    if person is None:
        raise Unauthenticated(NOT_LINKED)
    return await principal_for_person(session, person)


async def principal_for_cookie(session: AsyncSession, cookie: str | None) -> Principal | None:
    found = await find_session(session, cookie)
    if found is None:
        return None
    return await principal_by_id(session, found.person_id)


# Every request pays for this one: the person and their memberships in one prebuilt statement,
# read in one round trip (hub.db.reads); what `me` shows comes with it.
_PERSON_AND_ROLES = (
    select(
        Person.username,
        Person.active,
        Person.hub_admin,
        Person.display_name,
        Person.email,
        Membership.town_id,
        Membership.role,
        Membership.share,
        Membership.mandate_end,
    )
    .outerjoin(Membership, Membership.person_id == Person.id)
    .where(Person.id == bindparam("person_id"))
)


async def principal_by_id(session: AsyncSession, person_id: str) -> Principal:
    rows = await fetch_rows(session, _PERSON_AND_ROLES, {"person_id": person_id})
    if not rows:
        raise Unauthenticated(NO_ACCOUNT)
    username, active, hub_admin, display_name, email = rows[0][:5]
    if not active:
        raise Unauthenticated(DISABLED)
    # An elected official's mandate ends at its date, whether or not the hub has yet ended
    # the membership (hub.people.mandates).
    on = today()
    joined = [row for row in rows if row[5] is not None and (row[8] is None or row[8] > on)]
    return Principal(
        person_id=person_id,
        username=username,
        hub_admin=hub_admin,
        roles={row[5]: row[6] for row in joined},
        caller=Caller(
            display_name,
            email,
            active,
            {row[5]: row[7] for row in joined},
            {row[5]: row[8] for row in joined if row[8] is not None},
        ),
    )


async def principal_for_person(session: AsyncSession, person: Person | None) -> Principal:
    if person is None:
        raise Unauthenticated(NO_ACCOUNT)
    if not person.active:
        raise Unauthenticated(DISABLED)
    return await principal_by_id(session, person.id)
