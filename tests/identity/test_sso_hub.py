"""The hub in SSO mode against a real OpenID provider: portal sign-in, bearer calls, attacks."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.identity.sessions import COOKIE, CSRF_HEADER, find_session
from hub.people.models import Person, Role
from hub.services import Services
from tests.identity.sso import ME, portal_sign_in, sso_hub
from tests.servers.oidc_provider import OidcProvider
from tests.support.graphql import GraphQLClient
from tests.support.world import World


@pytest.fixture
async def sso(
    oidc_provider: OidcProvider, services: Services, hub_engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    async with sso_hub(oidc_provider, hub_engine, tmp_path) as hub:
        yield hub


@pytest.fixture
async def alice(sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider) -> Person:
    """Alice was invited in Igny before her first sign-in (same e-mail as at the provider)."""
    services, _ = sso
    world = World(services)
    await world.town("igny", "Igny", "91312")
    await world.town("bievres", "Bièvres", "91064")
    account = oidc_provider.accounts["alice"]
    async with services.sessions() as session:
        person = Person(username="alice.m", display_name="Alice", email=account.email)
        session.add(person)
        await session.flush()
        from hub.people.models import Membership

        session.add(
            Membership(person_id=person.id, town_id=world.towns["igny"].id, role=Role.STAFF)
        )
        await session.commit()
    return person


async def test_portal_sign_in_links_the_invited_person_and_opens_a_session(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider, alice: Person
) -> None:
    services, http = sso

    landing = await portal_sign_in(http, oidc_provider, "alice")

    assert landing.status_code == 303 and landing.headers["location"] == "/agenda"
    cookie = http.cookies.get(COOKIE)
    assert cookie
    assert "httponly" in landing.headers["set-cookie"].lower()
    assert "samesite=lax" in landing.headers["set-cookie"].lower()
    assert "secure" in landing.headers["set-cookie"].lower()
    async with services.sessions() as session:
        opened = await find_session(session, cookie)
        linked = await session.get(Person, alice.id)
    assert opened is not None and linked is not None
    assert linked.oidc_subject == oidc_provider.accounts["alice"].sub
    reply = await http.post(
        "/graphql", json={"query": ME}, headers={CSRF_HEADER: opened.csrf_token}
    )
    assert reply.json() == {
        "data": {"me": {"person": {"username": "alice.m"}}, "towns": [{"slug": "igny"}]}
    }


async def test_a_cookie_without_its_csrf_token_is_refused(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider, alice: Person
) -> None:
    _, http = sso
    await portal_sign_in(http, oidc_provider, "alice")

    reply = await http.post("/graphql", json={"query": ME}, headers={CSRF_HEADER: "forged"})

    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sign_in_of_someone_never_invited_is_refused(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider, alice: Person
) -> None:
    _, http = sso

    refused = await portal_sign_in(http, oidc_provider, "bob")

    assert refused.status_code == 403
    assert COOKIE not in http.cookies


async def test_sign_out_ends_the_provider_session_too(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider, alice: Person
) -> None:
    services, http = sso
    await portal_sign_in(http, oidc_provider, "alice")
    cookie = http.cookies.get(COOKIE)
    async with services.sessions() as session:
        opened = await find_session(session, cookie)
    assert opened is not None

    out = await http.post("/auth/logout", data={"csrf": opened.csrf_token})

    assert out.status_code == 303
    assert out.headers["location"].startswith(f"{oidc_provider.issuer}/session/end")
    assert "id_token_hint=" in out.headers["location"]
    async with services.sessions() as session:
        assert await find_session(session, cookie) is None


async def test_bearer_access_tokens_of_the_provider_are_accepted(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider, alice: Person
) -> None:
    _, http = sso
    token = await oidc_provider.user_access_token("alice")

    reply = await GraphQLClient(http)(ME, token=token)

    assert reply.ok() == {"me": {"person": {"username": "alice.m"}}, "towns": [{"slug": "igny"}]}


def _segments(token: str) -> list[str]:
    return token.split(".")


def _encode(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _decode(segment: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))  # type: ignore[no-any-return]


async def test_forged_and_misused_tokens_are_unauthenticated(
    sso: tuple[Services, httpx.AsyncClient], oidc_provider: OidcProvider, alice: Person
) -> None:
    _, http = sso
    gql = GraphQLClient(http)
    token = await oidc_provider.user_access_token("alice")
    header, payload, signature = _segments(token)
    claims = _decode(payload)
    claims_admin = {**claims, "sub": "someone-else"}
    forged = {
        "tampered payload": f"{header}.{_encode(claims_admin)}.{signature}",
        "alg none": f"{_encode({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.",
        "unknown kid": f"{_encode({**_decode(header), 'kid': 'nope'})}.{payload}.{signature}",
        "id token": await oidc_provider.user_id_token("alice"),
    }

    for name, bad in forged.items():
        reply = await gql(ME, token=bad)
        assert reply.codes == ["UNAUTHENTICATED"], name
        assert reply.data is None, name
