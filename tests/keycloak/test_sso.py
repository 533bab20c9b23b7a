"""The hub in SSO mode on a real Keycloak with the shipped realm: the portal's code flow through
Keycloak's own login page, bearer calls with its access tokens, logout, refusals, attacks.

The hub runs in-process (ASGI) at the public URL the realm's client was filled with, so its
redirect URI is the one Keycloak knows; tests/keycloak/test_sso_browser.py does the same in
Chromium against a hub listening on that URL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Environment, Settings
from hub.identity.sessions import COOKIE, find_session
from hub.people.models import Person, Role
from hub.services import Services, build_services
from tests.servers.keycloak import KeycloakServer
from tests.servers.keycloak_flow import (
    SignInRefused,
    browser_client,
    code_flow,
    people,
    sign_in_at,
)
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.world import World

PASSWORD = "dwho-test-only-password"
ME = "query { me { person { username } } towns { slug } }"


def sso_settings(server: KeycloakServer, data_dir: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        data_dir=data_dir,
        public_url=server.hub_url,
        oidc_issuer=server.issuer,
        oidc_client_id=server.client_id,
        oidc_client_secret=server.client_secret,  # type: ignore[arg-type]
        oidc_audience=server.client_id,  # the realm's audience mapper puts it in `aud`
        keycloak_url=server.url,
        keycloak_client_secret=server.client_secret,  # type: ignore[arg-type]
    )


@pytest.fixture
async def sso(
    keycloak_server: KeycloakServer, services: Services, hub_engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    from tests.contract.directory.inspectors import RealInspector

    RealInspector(keycloak_server).reset()
    hub = build_services(sso_settings(keycloak_server, tmp_path), engine=hub_engine)
    try:
        async with hub_http(hub, keycloak_server.hub_url) as http:
            yield hub, http
    finally:
        await hub.aclose()


@pytest.fixture
async def dwho(sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer) -> str:
    """Dwho has an account at Keycloak (verified address) and was invited in Igny; the town
    was provisioned through the hub, so its group exists in the realm."""
    services, _ = sso
    world = World(services)
    await world.town("igny", "Igny", "91312")
    async with services.sessions() as session:
        person = Person(username="dwho", display_name="D. Who", email="dwho@igny.example")
        session.add(person)
        await session.flush()
        from hub.people.models import Membership

        session.add(
            Membership(person_id=person.id, town_id=world.towns["igny"].id, role=Role.STAFF)
        )
        await session.commit()
    uid = people(keycloak_server).add("dwho", "dwho@igny.example", PASSWORD)
    group = people(keycloak_server).admin.get_group_by_path("/entente/igny")
    people(keycloak_server).admin.group_user_add(uid, group["id"])
    return uid


async def portal_sign_in(
    http: httpx.AsyncClient, server: KeycloakServer, username: str, password: str
) -> httpx.Response:
    start = await http.get("/auth/login", params={"next": "/agenda"})
    assert start.status_code in (302, 303, 307)
    authorize = start.headers["location"]
    back = await sign_in_at(
        authorize, username, password, redirect_uri=f"{server.hub_url}/auth/callback"
    )
    parts = urlsplit(back)
    return await http.get(f"{parts.path}?{parts.query}")


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


async def test_portal_code_flow_with_pkce_through_keycloaks_login_page(
    sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer, dwho: str
) -> None:
    services, http = sso
    start = await http.get("/auth/login")
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert start.headers["location"].startswith(keycloak_server.issuer)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["scope"] == ["openid profile email"]

    landing = await portal_sign_in(http, keycloak_server, "dwho", PASSWORD)

    assert landing.status_code == 303 and landing.headers["location"] == "/agenda"
    async with services.sessions() as session:
        opened = await find_session(session, http.cookies[COOKIE])
        linked = await session.scalar(select(Person).where(Person.username == "dwho"))
    assert opened is not None
    assert linked is not None and linked.oidc_subject == dwho
    home = await http.get("/")
    assert home.status_code == 200 and "D. Who" in home.text


async def test_bearer_access_tokens_carry_the_audience_and_the_towns(
    sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer, dwho: str
) -> None:
    _, http = sso
    tokens = await code_flow(keycloak_server, "dwho", PASSWORD)

    claims = claims_of(tokens.access_token)
    reply = await GraphQLClient(http)(ME, token=tokens.access_token)

    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert "entente-hub" in audience
    assert claims["groups"] == ["igny"]  # short names: the town slugs
    assert claims["sub"] == dwho
    assert reply.ok() == {"me": {"person": {"username": "dwho"}}, "towns": [{"slug": "igny"}]}


async def test_sign_out_ends_the_keycloak_session_too(
    sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer, dwho: str
) -> None:
    services, http = sso
    async with browser_client() as browser:
        # signed in: the browser holds Keycloak's session cookie, the hub client its own
        start = await http.get("/auth/login")
        back = await sign_in_at(
            start.headers["location"],
            "dwho",
            PASSWORD,
            redirect_uri=f"{keycloak_server.hub_url}/auth/callback",
            browser=browser,
        )
        parts = urlsplit(back)
        await http.get(f"{parts.path}?{parts.query}")
        cookie = http.cookies[COOKIE]
        async with services.sessions() as session:
            opened = await find_session(session, cookie)
        assert opened is not None

        out = await http.post("/auth/logout", data={"csrf": opened.csrf_token})

        logout = out.headers["location"]
        assert logout.startswith(f"{keycloak_server.issuer}/protocol/openid-connect/logout")
        assert "id_token_hint=" in logout
        ended = await browser.get(logout)
        assert ended.is_redirect
        assert ended.headers["location"].rstrip("/") == keycloak_server.hub_url
        # Keycloak asks for the password again: its session is over
        again = await browser.get(start.headers["location"])
        assert 'id="kc-form-login"' in again.text
    async with services.sessions() as session:
        assert await find_session(session, cookie) is None


async def test_a_disabled_account_is_refused(
    sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer, dwho: str
) -> None:
    _, http = sso
    tokens = await code_flow(keycloak_server, "dwho", PASSWORD)
    people(keycloak_server).set_enabled(dwho, False)

    with pytest.raises(SignInRefused):
        await portal_sign_in(http, keycloak_server, "dwho", PASSWORD)
    # An access token issued before stays valid at Keycloak until it expires: the hub refuses
    # it as soon as the person is offboarded in the hub (its own state is read every call).
    services, _ = sso
    gql = GraphQLClient(http)
    assert (await gql(ME, token=tokens.access_token)).ok()
    async with services.sessions() as session:
        person = await session.scalar(select(Person).where(Person.username == "dwho"))
        assert person is not None
        person.active = False
        await session.commit()
    assert (await gql(ME, token=tokens.access_token)).codes == ["UNAUTHENTICATED"]


def _b64(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


async def test_forged_and_misused_tokens_are_refused_with_keycloaks_real_keys(
    sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer, dwho: str
) -> None:
    _, http = sso
    gql = GraphQLClient(http)
    tokens = await code_flow(keycloak_server, "dwho", PASSWORD)
    header, payload, signature = tokens.access_token.split(".")
    claims = claims_of(tokens.access_token)
    head = jwt.get_unverified_header(tokens.access_token)
    async with httpx.AsyncClient(timeout=60) as client:
        jwks = (await client.get(f"{keycloak_server.issuer}/protocol/openid-connect/certs")).json()
    public = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == head["kid"]))
    pem = public.key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_client = await code_flow(
        keycloak_server,
        "dwho",
        PASSWORD,
        client_id="nextcloud",
        client_secret="nextcloud-test-only-secret",
        redirect_uri="http://127.0.0.1:9/apps/user_oidc/code",
    )
    forged = {
        "tampered payload": f"{header}.{_b64({**claims, 'sub': 'someone-else'})}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "unknown kid": f"{_b64({**head, 'kid': 'nope'})}.{payload}.{signature}",
        "HS256 keyed with the public key": _hs256_with(pem, head, claims),
        "ID token as bearer": tokens.id_token,
        "another client's token (wrong aud)": other_client.access_token,
    }

    for name, bad in forged.items():
        reply = await gql(ME, token=bad)
        assert reply.codes == ["UNAUTHENTICATED"], name
        assert reply.data is None, name


def _hs256_with(key: bytes, head: dict[str, object], claims: dict[str, object]) -> str:
    import hashlib
    import hmac

    signing_input = f"{_b64({**head, 'alg': 'HS256'})}.{_b64(claims)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


async def test_a_rotated_realm_key_is_picked_up(
    sso: tuple[Services, httpx.AsyncClient], keycloak_server: KeycloakServer, dwho: str
) -> None:
    services, http = sso
    gql = GraphQLClient(http)
    before = await code_flow(keycloak_server, "dwho", PASSWORD)
    assert (await gql(ME, token=before.access_token)).ok()  # the hub now caches the keys

    new_kid = people(keycloak_server).rotate_keys()
    after = await code_flow(keycloak_server, "dwho", PASSWORD)
    assert jwt.get_unverified_header(after.access_token)["kid"] == new_kid

    # Past the refresh interval (moved forward here rather than waited for), the next
    # unknown kid makes the hub fetch the keys again and accept the new token.
    remote = services._remote_keys
    assert remote is not None
    remote._clock = (lambda base: lambda: base() + 3600)(remote._clock)  # type: ignore[method-assign]
    assert (await gql(ME, token=after.access_token)).ok()["me"]["person"]["username"] == "dwho"
    assert (await gql(ME, token=before.access_token)).ok(), "the old key still verifies"
