"""Who a first SSO sign-in is linked to (issue 11, finding 1), against the real provider.

The provider's accounts (tests/servers/oidc_provider.py): ``mallory`` set her
``preferred_username`` to ``dwho`` and her address is unverified; the real ``dwho`` has a
verified address; ``carol``'s address is not verified.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import AuditEntry
from hub.db.base import utcnow
from hub.identity.invitations import issue_invitation
from hub.identity.models import Invitation
from hub.identity.sessions import COOKIE
from hub.people.bootstrap import create_first_admin
from hub.people.models import Person
from hub.services import Services
from tests.identity.sso import HUB, ME, portal_sign_in, sso_hub
from tests.servers.oidc_provider import OidcProvider
from tests.support.graphql import GraphQLClient


@pytest.fixture
async def sso(
    oidc_provider: OidcProvider, services: Services, hub_engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    async with sso_hub(oidc_provider, hub_engine, tmp_path) as hub:
        yield hub


async def admin(services: Services, username: str, email: str) -> Person:
    """``hub create-admin USERNAME EMAIL``: the first hub administrator, not yet linked."""
    async with services.sessions() as session:
        return await create_first_admin(session, username, email)


async def reloaded(services: Services, person: Person) -> Person:
    async with services.sessions() as session:
        found = await session.get(Person, person.id)
    assert found is not None
    return found


async def audit(services: Services, action: str) -> list[AuditEntry]:
    async with services.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.scalars(query)).all())


async def test_a_chosen_preferred_username_never_takes_over_an_invited_admin(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider
) -> None:
    services, http = sso
    # given dwho, a hub administrator created with `hub create-admin`, not signed in yet
    dwho = await admin(services, "dwho", oidc_provider.accounts["dwho"].email)

    # when mallory (preferred_username "dwho", unverified address) signs in first
    refused = await portal_sign_in(http, oidc_provider, "mallory")

    # then she is refused, audited, and dwho stays unlinked
    assert refused.status_code == 403
    assert COOKIE not in http.cookies
    assert (await reloaded(services, dwho)).oidc_subject is None
    refusals = await audit(services, "session.refused")
    assert [e.target for e in refusals] == [oidc_provider.accounts["mallory"].sub]
    # and her bearer token is no better
    token = await oidc_provider.user_access_token("mallory")
    assert (await GraphQLClient(http)(ME, token=token)).codes == ["UNAUTHENTICATED"]
    assert (await reloaded(services, dwho)).oidc_subject is None

    # when dwho then signs in (verified address)
    landing = await portal_sign_in(http, oidc_provider, "dwho")

    # then dwho is linked and signed in
    assert landing.status_code == 303, landing.text[:300]
    assert http.cookies.get(COOKIE)
    assert (await reloaded(services, dwho)).oidc_subject == oidc_provider.accounts["dwho"].sub
    links = await audit(services, "person.link")
    assert [e.details for e in links] == [{"by": "verified e-mail"}]


async def test_an_unverified_address_does_not_link(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider
) -> None:
    services, http = sso
    carol = await admin(services, "carol", oidc_provider.accounts["carol"].email)

    refused = await portal_sign_in(http, oidc_provider, "carol")

    assert refused.status_code == 403
    assert (await reloaded(services, carol)).oidc_subject is None


async def test_a_claim_the_operator_declared_unique_links_by_username(
    oidc_provider: OidcProvider, services: Services, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    # given HUB_OIDC_LINK_CLAIM=preferred_username (a provider where users cannot choose it)
    carol = await admin(services, "carol", "carol.p@elsewhere.example")
    async with sso_hub(
        oidc_provider, hub_engine, tmp_path, oidc_link_claim="preferred_username"
    ) as (_, http):
        # when carol, whose address is not verified, signs in
        landing = await portal_sign_in(http, oidc_provider, "carol")

    # then the declared claim linked her
    assert landing.status_code == 303
    assert (await reloaded(services, carol)).oidc_subject == oidc_provider.accounts["carol"].sub
    assert [e.details for e in await audit(services, "person.link")] == [
        {"by": "claim preferred_username"}
    ]


async def test_an_invitation_link_links_whoever_follows_it_once(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider
) -> None:
    services, http = sso
    # given carol (unverified address at the provider) and the link `hub invite carol` prints
    carol = await admin(services, "carol", oidc_provider.accounts["carol"].email)
    async with services.sessions() as session:
        issued = await issue_invitation(session, carol, base_url=HUB, ttl=timedelta(hours=1))
    path = issued.url.removeprefix(HUB)
    async with services.sessions() as session:
        stored = (await session.scalars(select(Invitation))).one()
    assert path.rsplit("/", 1)[1] not in stored.token_hash  # only a hash is kept

    # when she follows it and signs in at the provider
    landing = await portal_sign_in(http, oidc_provider, "carol", start=path)

    # then she is linked, signed in, and the link is used up
    assert landing.status_code == 303, landing.text[:300]
    assert (await reloaded(services, carol)).oidc_subject == oidc_provider.accounts["carol"].sub
    assert [e.details for e in await audit(services, "person.link")] == [{"by": "invitation"}]
    assert [e.outcome for e in await audit(services, "invitation.redeem")] == ["ok"]
    again = await http.get(path)
    assert again.status_code == 410
    assert "plus valable" in again.text


async def test_a_used_or_expired_invitation_links_nobody(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider
) -> None:
    services, http = sso
    carol = await admin(services, "carol", oidc_provider.accounts["carol"].email)
    async with services.sessions() as session:
        issued = await issue_invitation(session, carol, base_url=HUB, ttl=timedelta(hours=1))
    path = issued.url.removeprefix(HUB)
    # the link was followed (it sits in the sign-in flow) but expires before the sign-in ends
    start = await http.get(path)
    assert start.status_code == 303
    async with services.sessions() as session:
        stored = (await session.scalars(select(Invitation))).one()
        stored.expires_at = utcnow() - timedelta(seconds=1)
        await session.commit()

    refused = await portal_sign_in(http, oidc_provider, "carol", start=start.headers["location"])

    assert refused.status_code == 403
    assert "plus valable" in refused.text
    assert (await reloaded(services, carol)).oidc_subject is None
    assert [e.outcome for e in await audit(services, "invitation.redeem")] == ["UNAUTHENTICATED"]
    # and a made-up link is refused up front
    assert (await http.get("/auth/invitation/not-a-real-secret")).status_code == 410


async def test_a_new_invitation_replaces_the_earlier_one(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider
) -> None:
    services, http = sso
    carol = await admin(services, "carol", oidc_provider.accounts["carol"].email)
    async with services.sessions() as session:
        first = await issue_invitation(session, carol, base_url=HUB, ttl=timedelta(hours=1))
        second = await issue_invitation(session, carol, base_url=HUB, ttl=timedelta(hours=1))

    assert (await http.get(first.url.removeprefix(HUB))).status_code == 410
    assert (await http.get(second.url.removeprefix(HUB))).status_code == 303


async def test_concurrent_first_calls_of_one_subject_all_pass_and_link_once(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider
) -> None:
    services, http = sso
    dwho = await admin(services, "dwho", oidc_provider.accounts["dwho"].email)
    token = await oidc_provider.user_access_token("dwho")
    gql = GraphQLClient(http)

    replies = await asyncio.gather(*(gql(ME, token=token) for _ in range(6)))

    for reply in replies:
        assert reply.ok()["me"] == {"person": {"username": "dwho"}}
    assert (await reloaded(services, dwho)).oidc_subject == oidc_provider.accounts["dwho"].sub
    assert len(await audit(services, "person.link")) == 1
