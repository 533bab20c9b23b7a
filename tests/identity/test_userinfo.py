"""Bearer tokens that carry only ``sub`` (issue 12, item 6): the hub asks the provider's
userinfo about an unknown subject, then links as the portal would (issue 11's rules).

``bare_oidc_provider`` is the real oidc-provider with access tokens that carry only ``sub``.
Its userinfo refuses them (it takes no token with an ``aud``): the tests show what the hub
does then. Keycloak answers such tokens at userinfo; ``KeycloakLike`` stands for that
answer: it checks the real token against the real provider's keys and answers that
provider's account, as Keycloak's userinfo does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.models import AuditEntry
from hub.identity.userinfo import Userinfo
from hub.people.bootstrap import create_first_admin
from hub.people.models import Person
from hub.services import Services
from tests.identity.sso import ME, portal_sign_in, sso_hub
from tests.servers.oidc_provider import OidcProvider
from tests.support.graphql import GraphQLClient

ME_ONLY = "query { me { person { username } } }"


class KeycloakLike:
    """A userinfo endpoint that answers the provider's access tokens, as Keycloak's does."""

    def __init__(self, provider: OidcProvider) -> None:
        self.provider = provider
        self.keys = jwt.PyJWKClient(provider.jwks_uri)
        self.asked: list[str] = []

    async def userinfo(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.asked.append(token)
        await asyncio.sleep(0.05)  # long enough for concurrent callers to meet in flight
        try:
            key = await asyncio.to_thread(self.keys.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "ES256"],
                issuer=self.provider.issuer,
                options={"verify_aud": False},
            )
        except jwt.PyJWTError:
            return web.json_response({"error": "invalid_token"}, status=401)
        account = next(a for a in self.provider.accounts.values() if a.sub == claims["sub"])
        return web.json_response(
            {
                "sub": account.sub,
                "preferred_username": account.preferred_username,
                "email": account.email,
                "email_verified": account.email_verified,
            }
        )


@pytest.fixture
async def keycloak_like(
    bare_oidc_provider: OidcProvider,
) -> AsyncIterator[tuple[KeycloakLike, str]]:
    endpoint = KeycloakLike(bare_oidc_provider)
    app = web.Application()
    app.router.add_get("/userinfo", endpoint.userinfo)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield endpoint, str(server.make_url("/userinfo"))
    finally:
        await server.close()


async def admin(services: Services, provider: OidcProvider, login: str) -> Person:
    async with services.sessions() as session:
        return await create_first_admin(session, login, provider.accounts[login].email)


async def linked_subject(services: Services, person: Person) -> str | None:
    async with services.sessions() as session:
        found = await session.get(Person, person.id)
    assert found is not None
    return found.oidc_subject


async def test_a_sub_only_token_links_through_userinfo_once(
    bare_oidc_provider: OidcProvider,
    keycloak_like: tuple[KeycloakLike, str],
    services: Services,
    hub_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    provider, (endpoint, url) = bare_oidc_provider, keycloak_like
    dwho = await admin(services, provider, "dwho")
    token = await provider.user_access_token("dwho")
    assert set(jwt.decode(token, options={"verify_signature": False})) >= {"sub"}
    assert "email" not in jwt.decode(token, options={"verify_signature": False})
    async with sso_hub(provider, hub_engine, tmp_path) as (hub, http):
        assert hub.userinfo is not None
        await hub.userinfo.aclose()
        hub.userinfo = Userinfo(provider.issuer, endpoint=url)
        gql = GraphQLClient(http)

        # when dwho's first calls, five at once, carry a token with only sub
        replies = await asyncio.gather(*(gql(ME_ONLY, token=token) for _ in range(5)))
        again = await gql(ME_ONLY, token=token)

    # then userinfo was asked once, and dwho was linked by his verified address
    for reply in [*replies, again]:
        assert reply.ok() == {"me": {"person": {"username": "dwho"}}}
    assert endpoint.asked == [token]
    assert await linked_subject(services, dwho) == provider.accounts["dwho"].sub
    async with services.sessions() as session:
        links = await session.scalars(select(AuditEntry).where(AuditEntry.action == "person.link"))
        assert [entry.details for entry in links] == [{"by": "verified e-mail"}]  # linked once


async def test_userinfo_links_only_under_the_linking_rules(
    bare_oidc_provider: OidcProvider,
    keycloak_like: tuple[KeycloakLike, str],
    services: Services,
    hub_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    provider, (endpoint, url) = bare_oidc_provider, keycloak_like
    dwho = await admin(services, provider, "dwho")
    token = await provider.user_access_token("mallory")  # preferred_username "dwho", unverified
    async with sso_hub(provider, hub_engine, tmp_path) as (hub, http):
        assert hub.userinfo is not None
        await hub.userinfo.aclose()
        hub.userinfo = Userinfo(provider.issuer, endpoint=url)

        reply = await GraphQLClient(http)(ME_ONLY, token=token)

    assert reply.codes == ["UNAUTHENTICATED"]
    assert endpoint.asked == [token]
    assert await linked_subject(services, dwho) is None


async def test_a_provider_whose_userinfo_refuses_the_token_links_at_the_portal(
    bare_oidc_provider: OidcProvider, services: Services, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    provider = bare_oidc_provider
    dwho = await admin(services, provider, "dwho")
    token = await provider.user_access_token("dwho")
    asked: list[str] = []

    async def count(_: object, __: object, params: aiohttp.TraceRequestStartParams) -> None:
        asked.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(count)
    async with (
        aiohttp.ClientSession(trace_configs=[trace]) as session,
        sso_hub(provider, hub_engine, tmp_path) as (hub, http),
    ):
        assert hub.userinfo is not None
        await hub.userinfo.aclose()
        hub.userinfo = Userinfo(provider.issuer, session=session)
        gql = GraphQLClient(http)

        # when the real oidc-provider's userinfo refuses the API token (it has an aud)
        refused = await asyncio.gather(*(gql(ME_ONLY, token=token) for _ in range(3)))
        refused.append(await gql(ME_ONLY, token=token))

        # then the call is UNAUTHENTICATED with what to do, the provider asked once
        for reply in refused:
            assert reply.codes == ["UNAUTHENTICATED"]
            assert "sign in once through the portal" in reply.errors[0]["message"]
        assert asked.count("/me") == 1
        assert asked.count("/.well-known/openid-configuration") == 1

        # and once dwho has signed in through the portal, the same token works
        await portal_sign_in(http, provider, "dwho")
        http.cookies.clear()
        after = await gql(ME, token=token)

    assert after.ok()["me"] == {"person": {"username": "dwho"}}
    assert await linked_subject(services, dwho) == provider.accounts["dwho"].sub
    assert asked.count("/me") == 1


async def test_answers_are_remembered_for_their_ttl_and_bounded(
    bare_oidc_provider: OidcProvider, keycloak_like: tuple[KeycloakLike, str]
) -> None:
    provider, (endpoint, url) = bare_oidc_provider, keycloak_like
    now = [0.0]
    userinfo = Userinfo(provider.issuer, endpoint=url, ttl=60, max_entries=2, clock=lambda: now[0])
    alice, bob, carol = [await provider.user_access_token(n) for n in ("alice", "bob", "carol")]
    try:
        first = await userinfo.claims(alice)
        assert first is not None and first.email_verified
        await userinfo.claims(alice)
        assert endpoint.asked == [alice]  # remembered

        now[0] = 61
        await userinfo.claims(alice)
        assert endpoint.asked == [alice, alice]  # its time is up: asked again

        await userinfo.claims(bob)
        await userinfo.claims(carol)  # a third token: the least recently used goes
        await userinfo.claims(alice)
        assert endpoint.asked == [alice, alice, bob, carol, alice]
        assert await userinfo.claims("not-a-token") is None  # refused, and remembered
        assert await userinfo.claims("not-a-token") is None
        assert endpoint.asked.count("not-a-token") == 1
    finally:
        await userinfo.aclose()
