"""The real provider, driven through the code flow, against the hub's ``TokenVerifier``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from hub.identity.keys import RemoteJwks
from hub.identity.tokens import InvalidToken, TokenVerifier
from tests.servers.oidc_provider import (
    POST_LOGOUT_REDIRECT_URIS,
    LoginFailed,
    OidcProvider,
    exchange_code,
    login,
    logout,
    pkce_pair,
    refresh_tokens,
)


@pytest.fixture
async def verifier(oidc_provider: OidcProvider) -> AsyncIterator[TokenVerifier]:
    jwks = RemoteJwks(oidc_provider.issuer)
    try:
        yield TokenVerifier(jwks, oidc_provider.issuer, oidc_provider.audience)
    finally:
        await jwks.aclose()


async def test_code_flow_gives_an_access_token_the_hub_accepts_and_an_id_token_it_refuses(
    oidc_provider: OidcProvider, verifier: TokenVerifier
) -> None:
    # Given alice signs in through the code flow with PKCE, asking for the API resource
    tokens = await oidc_provider.user_tokens("alice", nonce="n-0S6_WzA2Mj")
    # Then the access token is an RFC 9068 JWT for the API, and the hub accepts it
    assert jwt.get_unverified_header(tokens.access_token)["typ"] == "at+jwt"
    claims = await verifier.verify(tokens.access_token)
    alice = oidc_provider.accounts["alice"]
    assert (claims.sub, claims.preferred_username) == (alice.sub, "alice")
    assert (claims.email, claims.email_verified) == (alice.email, True)
    assert claims.raw["aud"] == oidc_provider.audience
    # And the ID token of the same flow is refused as a bearer token
    assert tokens.id_token is not None
    with pytest.raises(InvalidToken):
        await verifier.verify(tokens.id_token)


async def test_unverified_email_is_reported_as_such(
    oidc_provider: OidcProvider, verifier: TokenVerifier
) -> None:
    claims = await verifier.verify(await oidc_provider.user_access_token("bob"))
    assert (claims.preferred_username, claims.email_verified) == ("bob", False)


async def test_refreshed_access_token_is_accepted(
    oidc_provider: OidcProvider, verifier: TokenVerifier
) -> None:
    # Given a refresh token from alice's sign-in
    first = await oidc_provider.user_tokens("alice")
    assert first.refresh_token is not None
    # When it is used
    second = await refresh_tokens(oidc_provider, first.refresh_token)
    # Then the new access token is another JWT for the API
    assert second.access_token != first.access_token
    assert (await verifier.verify(second.access_token)).preferred_username == "alice"


async def test_client_credentials_token_names_the_client(
    oidc_provider: OidcProvider, verifier: TokenVerifier
) -> None:
    claims = await verifier.verify(await oidc_provider.client_credentials_token())
    assert claims.sub == oidc_provider.client_id
    assert claims.preferred_username is None


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("mallory", "x")])
async def test_wrong_credentials_get_no_code(
    oidc_provider: OidcProvider, username: str, password: str
) -> None:
    _, challenge = pkce_pair()
    with pytest.raises(LoginFailed, match="sign-in refused"):
        await login(
            oidc_provider,
            username,
            password,
            redirect_uri=oidc_provider.redirect_uri,
            code_challenge=challenge,
        )


async def test_authorization_request_without_pkce_is_refused(oidc_provider: OidcProvider) -> None:
    # Given an authorization request with no code_challenge
    params = {
        "response_type": "code",
        "client_id": oidc_provider.client_id,
        "redirect_uri": oidc_provider.redirect_uri,
        "scope": "openid",
        "state": "s",
    }
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{oidc_provider.issuer}/auth", params=params)
    # Then the provider sends the browser back with an error, not to a login page
    assert response.is_redirect
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "PKCE" in query["error_description"][0]


async def test_code_with_the_wrong_verifier_is_refused(oidc_provider: OidcProvider) -> None:
    # Given a code obtained with one PKCE challenge
    _, challenge = pkce_pair()
    alice = oidc_provider.accounts["alice"]
    code = await login(
        oidc_provider,
        "alice",
        alice.password,
        redirect_uri=oidc_provider.redirect_uri,
        code_challenge=challenge,
    )
    # When it is exchanged with another verifier, then the token endpoint refuses
    other_verifier, _ = pkce_pair()
    with pytest.raises(LoginFailed, match="invalid_grant"):
        await exchange_code(
            oidc_provider,
            code,
            redirect_uri=oidc_provider.redirect_uri,
            code_verifier=other_verifier,
            resource=oidc_provider.resource,
        )


async def test_discovery_advertises_what_the_hub_relies_on(oidc_provider: OidcProvider) -> None:
    async with httpx.AsyncClient() as client:
        discovery = (await client.get(oidc_provider.discovery_url)).json()
        jwks = (await client.get(oidc_provider.jwks_uri)).json()
    assert discovery["issuer"] == oidc_provider.issuer
    assert discovery["end_session_endpoint"] == f"{oidc_provider.issuer}/session/end"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    # Both key types, each named, none private
    assert sorted(k["alg"] for k in jwks["keys"]) == ["ES256", "RS256"]
    assert all(k["kid"] and "d" not in k for k in jwks["keys"])


async def test_rp_initiated_logout_ends_the_provider_session(oidc_provider: OidcProvider) -> None:
    # Given alice signed in within one browser
    alice = oidc_provider.accounts["alice"]
    async with httpx.AsyncClient(timeout=10.0) as browser:
        verifier, challenge = pkce_pair()
        code = await login(
            oidc_provider,
            "alice",
            alice.password,
            redirect_uri=oidc_provider.redirect_uri,
            code_challenge=challenge,
            http=browser,
        )
        tokens = await exchange_code(
            oidc_provider,
            code,
            redirect_uri=oidc_provider.redirect_uri,
            code_verifier=verifier,
            resource=oidc_provider.resource,
        )
        assert tokens.id_token is not None
        # When the hub sends her to the end_session endpoint and she confirms
        landing = await logout(oidc_provider, browser, id_token_hint=tokens.id_token)
        # Then she lands on the registered page, and signing in again needs her password
        assert landing.startswith(POST_LOGOUT_REDIRECT_URIS[0])
        with pytest.raises(LoginFailed, match="sign-in refused"):
            await login(
                oidc_provider,
                "alice",
                "not-her-password",
                redirect_uri=oidc_provider.redirect_uri,
                code_challenge=challenge,
                http=browser,
            )
