"""Every way to slip a token past ``TokenVerifier`` must fail; a valid token must pass."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import ECKey

from hub.embedded.process import free_port
from hub.identity.keys import (
    JwksUnavailable,
    KeySource,
    LocalSigningKey,
    RemoteJwks,
    UnknownKey,
)
from hub.identity.tokens import InvalidToken, TokenVerifier, issue_local_token
from tests.servers.oidc_provider import OidcProvider

ISSUER = "https://hub.mairie.example"
AUDIENCE = "entente-api"
T0 = 1_800_000_000.0
TTL = timedelta(minutes=5)


@dataclass
class FakeClock:
    now: float = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class CountingKeySource:
    """Wraps a key source and records every lookup, to prove some tokens never reach it."""

    inner: KeySource
    lookups: list[str] = field(default_factory=list)

    async def key_for(self, kid: str) -> jwt.PyJWK:
        self.lookups.append(kid)
        return await self.inner.key_for(kid)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def forge(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS built by hand, signature included verbatim."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"


def hs256(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def access_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u-1",
        "preferred_username": "alice",
        "iat": int(T0),
        "exp": int(T0 + 300),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def key(tmp_path: Path) -> LocalSigningKey:
    return LocalSigningKey(tmp_path / "keys")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keys(key: LocalSigningKey) -> CountingKeySource:
    return CountingKeySource(key)


@pytest.fixture
def verifier(keys: CountingKeySource, clock: FakeClock) -> TokenVerifier:
    return TokenVerifier(keys, ISSUER, AUDIENCE, clock=clock)


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    return caught.value.reason


# --- the hub's own key -------------------------------------------------------------------


def test_local_key_is_created_once_owner_only_and_named_by_its_thumbprint(tmp_path: Path) -> None:
    # Given a key directory that does not exist yet
    directory = tmp_path / "state"
    # When two key objects use it one after the other
    first = LocalSigningKey(directory)
    kid = first.kid
    second = LocalSigningKey(directory)
    # Then one PEM file exists, readable by its owner only, and both name the same key
    assert [p.name for p in directory.iterdir()] == [first.path.name]
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert second.kid == kid
    # And the kid is the RFC 7638 thumbprint, as an independent implementation computes it
    public = first.jwks()["keys"][0]
    as_joserfc_wants: dict[str, str | list[str]] = dict(public)
    assert public["kid"] == ECKey.import_key(as_joserfc_wants).thumbprint()
    assert {"kty", "crv", "x", "y", "kid", "alg", "use"} == set(public)
    assert (public["alg"], public["use"]) == ("ES256", "sig")


def test_local_key_file_readable_by_others_is_refused(key: LocalSigningKey) -> None:
    # Given a key file someone opened up to the group
    assert key.kid
    os.chmod(key.path, 0o640)
    # When the hub loads it again, then it refuses
    with pytest.raises(PermissionError):
        _ = LocalSigningKey(key.path.parent).kid


async def test_local_key_signs_with_es256_and_its_kid(key: LocalSigningKey) -> None:
    # Given a signed payload
    token = key.sign({"hello": "world"}, typ="at+jwt")
    # Then the header names ES256, the key, and the type, and the signature verifies
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}
    assert jwt.decode(token, await key.key_for(key.kid), algorithms=["ES256"]) == {"hello": "world"}


async def test_local_key_does_not_know_other_kids(key: LocalSigningKey) -> None:
    with pytest.raises(UnknownKey):
        await key.key_for("someone-else")


# --- a valid token -------------------------------------------------------------------------


async def test_valid_local_token_passes(key: LocalSigningKey, verifier: TokenVerifier) -> None:
    # Given a token the hub issued for alice
    token = issue_local_token(key, ISSUER, AUDIENCE, "u-1", "alice", TTL, now=T0)
    # When it is verified
    claims = await verifier.verify(token)
    # Then it gives alice
    assert (claims.sub, claims.preferred_username) == ("u-1", "alice")
    assert claims.email is None and claims.email_verified is False
    assert claims.raw["aud"] == AUDIENCE
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"


async def test_audience_may_be_one_of_several(
    key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = key.sign(access_claims(aud=["other-api", AUDIENCE]), typ="at+jwt")
    assert (await verifier.verify(token)).sub == "u-1"


# --- algorithm attacks -------------------------------------------------------------------


async def test_alg_none_is_refused_before_any_key_lookup(
    key: LocalSigningKey, keys: CountingKeySource, verifier: TokenVerifier
) -> None:
    # Given an unsigned token naming a real key
    token = forge({"alg": "none", "typ": "at+jwt", "kid": key.kid}, access_claims())
    # Then it is refused and no key was even looked up
    assert "not allowed" in await refused(verifier, token)
    assert keys.lookups == []


@pytest.mark.parametrize("alg", ["None", "NONE", "HS256", "HS512", "RS256 ", ""])
async def test_algorithm_outside_the_allow_list_is_refused(
    key: LocalSigningKey, keys: CountingKeySource, verifier: TokenVerifier, alg: str
) -> None:
    token = forge({"alg": alg, "typ": "at+jwt", "kid": key.kid}, access_claims(), b"x")
    assert "not allowed" in await refused(verifier, token)
    assert keys.lookups == []


@pytest.mark.parametrize("algorithms", [("HS256",), ("ES256", "none"), ("RS256", "HS512"), ()])
def test_verifier_cannot_be_built_with_symmetric_or_no_algorithms(
    key: LocalSigningKey, algorithms: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match="algorithm"):
        TokenVerifier(key, ISSUER, AUDIENCE, algorithms=algorithms)


def test_leeway_is_capped_at_sixty_seconds(key: LocalSigningKey) -> None:
    with pytest.raises(ValueError, match="leeway"):
        TokenVerifier(key, ISSUER, AUDIENCE, leeway=61)


async def test_hs256_signed_with_the_providers_public_key_is_refused(
    oidc_provider: OidcProvider,
) -> None:
    # Given the provider's RSA public key as PEM bytes, used as an HMAC secret (the classic
    # confusion: a verifier that trusts the header would "verify" with the public key)
    published = httpx.get(oidc_provider.jwks_uri).json()["keys"]
    rsa_jwk = next(k for k in published if k["kty"] == "RSA")
    rsa_kid = rsa_jwk["kid"]
    pem = jwt.PyJWK(rsa_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {
        "iss": oidc_provider.issuer,
        "aud": oidc_provider.audience,
        "sub": "intruder",
        "exp": 4_000_000_000,
    }
    jwks = RemoteJwks(oidc_provider.issuer)
    keys = CountingKeySource(jwks)
    verifier = TokenVerifier(keys, oidc_provider.issuer, oidc_provider.audience)
    try:
        for header in (
            {"alg": "HS256", "typ": "at+jwt", "kid": rsa_kid},
            {"alg": "HS256", "typ": "at+jwt"},
        ):
            # When such a token is presented, then it is refused before any key lookup
            assert "not allowed" in await refused(verifier, hs256(header, claims, pem))
        assert keys.lookups == []
    finally:
        await jwks.aclose()


async def test_alg_swapped_to_another_key_type_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    # Given a key source whose key under some kid is RSA, and an attacker's ES256 signature
    # whose header names that kid: the key's own algorithm decides, not the header
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    rsa_key = jwt.PyJWK(jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True))

    class OneRsaKey:
        async def key_for(self, kid: str) -> jwt.PyJWK:
            return rsa_key

    attacker = LocalSigningKey(tmp_path / "attacker")
    token = attacker.sign(access_claims(), typ="at+jwt")
    verifier = TokenVerifier(OneRsaKey(), ISSUER, AUDIENCE, clock=clock)
    # Then the token is refused without trying ES256 on an RSA key
    assert "is for RS256" in await refused(verifier, token)


# --- signature, kid, header ----------------------------------------------------------------


async def test_tampered_payload_is_refused(key: LocalSigningKey, verifier: TokenVerifier) -> None:
    # Given a valid token whose payload is swapped for bob's, signature kept
    token = issue_local_token(key, ISSUER, AUDIENCE, "u-1", "alice", TTL, now=T0)
    head, _, signature = token.split(".")
    body = b64url(json.dumps(access_claims(sub="u-2", preferred_username="bob")).encode())
    # Then the signature no longer matches
    assert await refused(verifier, f"{head}.{body}.{signature}") == "bad signature"


async def test_signature_by_another_key_under_our_kid_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, tmp_path: Path
) -> None:
    attacker = LocalSigningKey(tmp_path / "attacker")
    claims = access_claims()
    forged = jwt.encode(
        claims,
        attacker._load_or_create(),
        algorithm="ES256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    assert await refused(verifier, forged) == "bad signature"


async def test_unknown_kid_is_refused(tmp_path: Path, verifier: TokenVerifier) -> None:
    stranger = LocalSigningKey(tmp_path / "stranger")
    token = issue_local_token(stranger, ISSUER, AUDIENCE, "u-1", "alice", TTL, now=T0)
    assert "unknown kid" in await refused(verifier, token)


async def test_missing_kid_is_refused(key: LocalSigningKey, verifier: TokenVerifier) -> None:
    token = jwt.encode(
        access_claims(), key._load_or_create(), algorithm="ES256", headers={"typ": "at+jwt"}
    )
    assert await refused(verifier, token) == "no kid in header"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30", "x" * 20_000])
async def test_garbage_is_refused(verifier: TokenVerifier, garbage: str) -> None:
    await refused(verifier, garbage)


async def test_critical_header_extension_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = jwt.encode(
        access_claims(),
        key._load_or_create(),
        algorithm="ES256",
        headers={"kid": key.kid, "typ": "at+jwt", "crit": ["exp"], "exp": 1},
    )
    assert "critical" in await refused(verifier, token)


# --- issuer and audience -------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss", ["https://evil.example", ISSUER + "/", ISSUER.upper(), "https://hub.mairie.exampl"]
)
async def test_wrong_issuer_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, iss: str
) -> None:
    token = issue_local_token(key, iss, AUDIENCE, "u-1", "alice", TTL, now=T0)
    assert await refused(verifier, token) == "wrong issuer"


@pytest.mark.parametrize("aud", ["other-api", ["other-api", "entente-hub"], "entente-ap", []])
async def test_wrong_audience_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, aud: object
) -> None:
    token = key.sign(access_claims(aud=aud), typ="at+jwt")
    assert await refused(verifier, token) in {"wrong audience", "missing claim aud"}


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "exp"])
async def test_missing_required_claim_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, claim: str
) -> None:
    # Given a token without exp (or iss, aud, sub)
    claims = access_claims()
    del claims[claim]
    # Then it is refused, never treated as "valid forever"
    assert await refused(verifier, key.sign(claims, typ="at+jwt")) == f"missing claim {claim}"


# --- time ---------------------------------------------------------------------------------


async def test_expiry_honours_a_leeway_of_sixty_seconds(
    key: LocalSigningKey, verifier: TokenVerifier, clock: FakeClock
) -> None:
    # Given a five-minute token issued at T0
    token = issue_local_token(key, ISSUER, AUDIENCE, "u-1", "alice", TTL, now=T0)
    # When the clock is 59 s past its expiry, then it still passes (clock skew)
    clock.now = T0 + 300 + 59
    assert (await verifier.verify(token)).sub == "u-1"
    # When the clock is 61 s past its expiry, then it is refused
    clock.now = T0 + 300 + 61
    assert await refused(verifier, token) == "expired"


async def test_not_before_in_the_future_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, clock: FakeClock
) -> None:
    # Given tokens valid only from two minutes ahead, and from 30 s ahead
    later = key.sign(access_claims(nbf=int(T0 + 120)), typ="at+jwt")
    soon = key.sign(access_claims(nbf=int(T0 + 30)), typ="at+jwt")
    # Then the first is refused now, the second passes within the leeway
    assert await refused(verifier, later) == "nbf is in the future"
    assert (await verifier.verify(soon)).sub == "u-1"
    # And the first passes once its time has come
    clock.advance(61)
    assert (await verifier.verify(later)).sub == "u-1"


async def test_issued_in_the_future_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = key.sign(access_claims(iat=int(T0 + 3600), exp=int(T0 + 7200)), typ="at+jwt")
    assert await refused(verifier, token) == "iat is in the future"


@pytest.mark.parametrize("exp", ["4000000000", True, None])
async def test_non_numeric_exp_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, exp: object
) -> None:
    token = key.sign({**access_claims(), "exp": exp}, typ="at+jwt")
    assert await refused(verifier, token) in {"exp is not a number", "missing claim exp"}


# --- ID tokens and other token types ---------------------------------------------------


@pytest.mark.parametrize("marker", ["nonce", "at_hash", "c_hash", "s_hash"])
@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt"])
async def test_token_with_an_id_token_claim_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier, marker: str, typ: str | None
) -> None:
    token = key.sign({**access_claims(), marker: "x"}, typ=typ)
    assert "ID token" in await refused(verifier, token)


async def test_keycloak_style_id_token_is_refused(
    key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = key.sign({**access_claims(), "typ": "ID"}, typ="JWT")
    assert "ID token" in await refused(verifier, token)


@pytest.mark.parametrize("typ", ["logout+jwt", "dpop+jwt", "secevent+jwt", "id_token+jwt"])
async def test_other_token_types_are_refused(
    key: LocalSigningKey, verifier: TokenVerifier, typ: str
) -> None:
    token = key.sign(access_claims(), typ=typ)
    assert "not an access token" in await refused(verifier, token)


@pytest.mark.parametrize("typ", [None, "JWT", "AT+JWT", "application/at+jwt"])
async def test_access_token_types_pass(
    key: LocalSigningKey, verifier: TokenVerifier, typ: str | None
) -> None:
    assert (await verifier.verify(key.sign(access_claims(), typ=typ))).sub == "u-1"


async def test_provider_id_token_is_refused_as_bearer(oidc_provider: OidcProvider) -> None:
    # Given an ID token from the real provider, and a verifier that (wrongly) takes the client
    # id as its audience, so only the ID-token rule stands between the token and the API
    id_token = await oidc_provider.user_id_token("alice")
    jwks = RemoteJwks(oidc_provider.issuer)
    try:
        api = TokenVerifier(jwks, oidc_provider.issuer, oidc_provider.audience)
        misconfigured = TokenVerifier(jwks, oidc_provider.issuer, oidc_provider.client_id)
        # When it is presented as a bearer token, then both refuse it
        assert await refused(api, id_token) == "wrong audience"
        assert "ID token" in await refused(misconfigured, id_token)
    finally:
        await jwks.aclose()


# --- the remote JWKS ---------------------------------------------------------------------


@dataclass
class JwksServer:
    """A tiny loopback OpenID provider that only publishes discovery and keys, counting GETs."""

    keys: list[dict[str, str]]
    url: str = ""
    discovery_hits: int = 0
    jwks_hits: int = 0

    async def discovery(self, request: web.Request) -> web.Response:
        self.discovery_hits += 1
        return web.json_response({"issuer": self.url, "jwks_uri": f"{self.url}/jwks"})

    async def jwks(self, request: web.Request) -> web.Response:
        self.jwks_hits += 1
        return web.json_response({"keys": self.keys})


@pytest.fixture
async def jwks_server(key: LocalSigningKey) -> AsyncIterator[JwksServer]:
    server = JwksServer(keys=key.jwks()["keys"])
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", server.discovery)
    app.router.add_get("/jwks", server.jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
async def remote(jwks_server: JwksServer, clock: FakeClock) -> AsyncIterator[RemoteJwks]:
    source = RemoteJwks(jwks_server.url, clock=clock)
    try:
        yield source
    finally:
        await source.aclose()


async def test_remote_keys_are_fetched_once_then_cached(
    key: LocalSigningKey, jwks_server: JwksServer, remote: RemoteJwks, clock: FakeClock
) -> None:
    # Given a verifier on the provider's published keys
    verifier = TokenVerifier(remote, jwks_server.url, AUDIENCE, clock=clock)
    token = issue_local_token(key, jwks_server.url, AUDIENCE, "u-1", "alice", TTL, now=T0)
    # When ten tokens are verified
    for _ in range(10):
        assert (await verifier.verify(token)).sub == "u-1"
    # Then discovery and the JWKS were each fetched once
    assert (jwks_server.discovery_hits, jwks_server.jwks_hits) == (1, 1)


async def test_flood_of_unknown_kids_fetches_the_jwks_at_most_once_per_30_s(
    key: LocalSigningKey, jwks_server: JwksServer, remote: RemoteJwks, clock: FakeClock
) -> None:
    # Given a verifier that already knows the provider's keys
    verifier = TokenVerifier(remote, jwks_server.url, AUDIENCE, clock=clock)
    good = issue_local_token(key, jwks_server.url, AUDIENCE, "u-1", "alice", TTL, now=T0)
    await verifier.verify(good)
    clock.advance(30)

    def made_up() -> str:
        header = {"alg": "ES256", "typ": "at+jwt", "kid": secrets.token_urlsafe(8)}
        return forge(header, access_claims(iss=jwks_server.url), b"\x00" * 64)

    # When 100 tokens with made-up kids arrive at once
    results = await asyncio.gather(
        *(verifier.verify(made_up()) for _ in range(100)), return_exceptions=True
    )
    # Then all are refused, and the keys were fetched once more, not 100 times
    assert all(isinstance(r, InvalidToken) for r in results)
    assert jwks_server.jwks_hits == 2
    # And another 100 within the next 29 s cost nothing; the valid token still passes
    clock.advance(29)
    for _ in range(100):
        await refused(verifier, made_up())
    assert (await verifier.verify(good)).sub == "u-1"
    assert jwks_server.jwks_hits == 2
    # And once 30 s have passed, one more fetch is allowed
    clock.advance(1)
    for _ in range(100):
        await refused(verifier, made_up())
    assert (jwks_server.discovery_hits, jwks_server.jwks_hits) == (1, 3)


async def test_rotated_key_is_picked_up_on_the_next_allowed_refresh(
    key: LocalSigningKey,
    jwks_server: JwksServer,
    remote: RemoteJwks,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    # Given a verifier that fetched the keys, and then a provider that rotates to a new key
    verifier = TokenVerifier(remote, jwks_server.url, AUDIENCE, clock=clock)
    await verifier.verify(issue_local_token(key, jwks_server.url, AUDIENCE, "u", "a", TTL, now=T0))
    new_key = LocalSigningKey(tmp_path / "rotated")
    jwks_server.keys = [*key.jwks()["keys"], *new_key.jwks()["keys"]]
    token = issue_local_token(new_key, jwks_server.url, AUDIENCE, "u-1", "alice", TTL, now=T0)
    # When a token signed with the new key arrives within 30 s of the last fetch, it waits
    assert "unknown kid" in await refused(verifier, token)
    # When it arrives after 30 s, the keys are fetched again and it passes
    clock.advance(30)
    assert (await verifier.verify(token)).sub == "u-1"
    assert jwks_server.jwks_hits == 2


async def test_a_verified_token_is_not_checked_again_while_its_key_holds(
    key: LocalSigningKey, verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a valid token, and PyJWT's decode counted
    token = issue_local_token(key, ISSUER, AUDIENCE, "u-1", "alice", TTL, now=T0)
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        decoded.append(args[0])
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    # When it is verified five times
    for _ in range(5):
        assert (await verifier.verify(token)).sub == "u-1"
    # Then its signature was checked once, and a different token is checked on its own
    assert decoded == [token]
    other = issue_local_token(key, ISSUER, AUDIENCE, "u-2", "bob", TTL, now=T0)
    assert (await verifier.verify(other)).sub == "u-2"
    assert decoded == [token, other]


async def test_a_remembered_token_is_refused_once_its_key_is_withdrawn(
    key: LocalSigningKey,
    jwks_server: JwksServer,
    remote: RemoteJwks,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    # Given a token verified (and remembered) with the provider's key
    verifier = TokenVerifier(remote, jwks_server.url, AUDIENCE, clock=clock)
    old = issue_local_token(key, jwks_server.url, AUDIENCE, "u-1", "alice", TTL, now=T0)
    assert (await verifier.verify(old)).sub == "u-1"
    # When the provider replaces that key, and the verifier refreshes its keys
    new_key = LocalSigningKey(tmp_path / "rotated")
    jwks_server.keys = new_key.jwks()["keys"]
    clock.advance(30)
    new = issue_local_token(new_key, jwks_server.url, AUDIENCE, "u-1", "alice", TTL, now=T0)
    assert (await verifier.verify(new)).sub == "u-1"
    # Then the remembered token no longer passes: its key is gone
    assert "unknown kid" in await refused(verifier, old)


async def test_jwks_without_usable_keys_knows_no_kid(
    key: LocalSigningKey, jwks_server: JwksServer, remote: RemoteJwks
) -> None:
    # Given a JWKS whose only entries are unusable: no kid, an encryption key, a secret key
    public = key.jwks()["keys"][0]
    no_kid = {k: v for k, v in public.items() if k != "kid"}
    jwks_server.keys = [
        no_kid,
        {**public, "use": "enc"},
        {"kty": "oct", "k": "c2VjcmV0", "kid": "oct-1", "alg": "HS256"},
    ]
    # Then none of them can verify anything
    for kid in (public["kid"], "oct-1"):
        with pytest.raises(UnknownKey):
            await remote.key_for(kid)


async def test_discovery_naming_another_issuer_is_unavailable(
    jwks_server: JwksServer, clock: FakeClock
) -> None:
    source = RemoteJwks(jwks_server.url + "/realms/other", clock=clock)
    try:
        with pytest.raises(JwksUnavailable):
            await source.key_for("any")
    finally:
        await source.aclose()


@pytest.fixture
async def silent_server() -> AsyncIterator[tuple[str, list[None]]]:
    """Accepts connections and never answers."""
    release = asyncio.Event()
    connections: list[None] = []

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(None)
        await release.wait()
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        release.set()
        server.close()
        await server.wait_closed()


async def test_jwks_timeout_is_an_outage_not_an_invalid_token(
    silent_server: tuple[str, list[None]], key: LocalSigningKey, clock: FakeClock
) -> None:
    # Given a provider that accepts connections but never answers
    url, connections = silent_server
    source = RemoteJwks(url, timeout=0.2, clock=clock)
    verifier = TokenVerifier(source, url, AUDIENCE, clock=clock)
    token = issue_local_token(key, url, AUDIENCE, "u-1", "alice", TTL, now=T0)
    try:
        # When a token is verified, then the outage surfaces as JwksUnavailable
        with pytest.raises(JwksUnavailable, match="timed out"):
            await verifier.verify(token)
        # And within 30 s the provider is not asked again, the outage is still reported
        with pytest.raises(JwksUnavailable, match="timed out"):
            await verifier.verify(token)
        assert len(connections) == 1
    finally:
        await source.aclose()


async def test_unreachable_provider_is_unavailable(clock: FakeClock) -> None:
    source = RemoteJwks(f"http://127.0.0.1:{free_port()}", timeout=2, clock=clock)
    try:
        with pytest.raises(JwksUnavailable):
            await source.key_for("any")
    finally:
        await source.aclose()


# --- the real provider -------------------------------------------------------------------


async def test_provider_access_token_passes_and_tampering_fails(
    oidc_provider: OidcProvider,
) -> None:
    # Given alice's access token from the real provider
    token = await oidc_provider.user_access_token("alice")
    jwks = RemoteJwks(oidc_provider.issuer)
    try:
        verifier = TokenVerifier(jwks, oidc_provider.issuer, oidc_provider.audience)
        # Then it passes
        assert (await verifier.verify(token)).preferred_username == "alice"
        # But not for another API, nor another issuer, nor with bob's name swapped in
        other_api = TokenVerifier(jwks, oidc_provider.issuer, "other-api")
        assert await refused(other_api, token) == "wrong audience"
        other_issuer = TokenVerifier(jwks, "http://127.0.0.1:1", oidc_provider.audience)
        assert await refused(other_issuer, token) == "wrong issuer"
        head, body, signature = token.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        payload["preferred_username"] = "bob"
        tampered = f"{head}.{b64url(json.dumps(payload).encode())}.{signature}"
        assert await refused(verifier, tampered) == "bad signature"
    finally:
        await jwks.aclose()
