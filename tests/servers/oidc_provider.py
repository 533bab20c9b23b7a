"""A real OpenID Connect provider (npm ``oidc-provider``, tests/oidc/provider.mjs) on loopback.

Tokens are obtained the way a browser and the hub would: the authorization code flow with PKCE,
the provider's own sign-in and consent pages, then the token endpoint. There is no shortcut.

    async def test_x(oidc_provider):
        token = await oidc_provider.user_access_token("alice")      # JWT, aud = audience
        tokens = await oidc_provider.user_tokens("alice", nonce="n")  # .access_token .id_token …

Lower-level pieces: ``pkce_pair()``, ``login(...)`` (returns the code), ``exchange_code(...)``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

from hub.embedded.process import EmbeddedServer, free_port, spawn

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
HOST = "127.0.0.1"
CLIENT_ID = "entente-hub"
AUDIENCE = "entente-api"
RESOURCE = "urn:entente:api"
API_SCOPE = "api"
USER_SCOPE = f"openid profile email {API_SCOPE}"
# The first is the helpers' own (nothing listens there: the code is read from the Location
# header); the others are where hub tests may send the provider back (ASGI test client, dev).
REDIRECT_URIS = (
    "http://127.0.0.1/callback",
    "http://testserver/auth/callback",
    "https://hub.test/auth/callback",
    "http://127.0.0.1:8000/auth/callback",
)
POST_LOGOUT_REDIRECT_URIS = (
    "http://127.0.0.1/logged-out",
    "http://testserver/",
    "https://hub.test/",
)
MAX_FLOW_STEPS = 12


class LoginFailed(Exception):
    """The provider did not end the flow with a code at the redirect URI."""


@dataclass(frozen=True)
class Account:
    """An account at the provider; ``login`` is what its owner types in the sign-in form."""

    sub: str
    login: str
    preferred_username: str
    password: str = field(repr=False)
    email: str
    email_verified: bool
    name: str


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    id_token: str | None
    refresh_token: str | None
    token_type: str
    expires_in: int
    scope: str | None


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    audience: str
    resource: str
    jwks_uri: str
    redirect_uri: str
    accounts: dict[str, Account]
    server: EmbeddedServer = field(repr=False)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    async def user_tokens(self, username: str, *, nonce: str | None = None) -> TokenSet:
        return await user_tokens(self, username, nonce=nonce)

    async def user_access_token(self, username: str) -> str:
        return await user_access_token(self, username)

    async def user_id_token(self, username: str) -> str:
        return await user_id_token(self, username)

    async def client_credentials_token(self) -> str:
        return await client_credentials_token(self)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _form_action(page: str) -> str:
    found = re.search(r'<form[^>]*\baction="([^"]+)"', page)
    if found is None:
        raise LoginFailed(f"no form on the page: {page[:200]!r}")
    return html.unescape(found.group(1))


async def login(
    provider: OidcProvider,
    username: str,
    password: str,
    *,
    redirect_uri: str,
    code_challenge: str,
    scope: str = USER_SCOPE,
    state: str | None = None,
    nonce: str | None = None,
    resource: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> str:
    """Drive GET /auth → sign-in form → consent form → redirect; return the authorization code.

    A fresh cookie jar is used unless ``http`` is given (then an existing provider session
    skips the sign-in form, as in a browser).
    """
    state = state or secrets.token_urlsafe(12)
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if nonce is not None:
        params["nonce"] = nonce
    if resource is not None:
        params["resource"] = resource
    location = await sign_in_at(
        f"{provider.issuer}/auth?{urlencode(params)}",
        username,
        password,
        redirect_uri=redirect_uri,
        http=http,
    )
    return _code_from(location, provider.issuer, state)


async def sign_in_at(
    authorize_url: str,
    username: str,
    password: str,
    *,
    redirect_uri: str,
    http: httpx.AsyncClient | None = None,
) -> str:
    """Drive the provider from an authorization URL (built by any client, the hub's included)
    through its sign-in and consent forms; return the URL it sends the browser back to."""
    async with _browser(http) as client:
        response = await client.get(authorize_url)
        for _ in range(MAX_FLOW_STEPS):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(redirect_uri):
                    return location
                response = await client.get(location)
                continue
            if response.status_code == 401:
                raise LoginFailed(f"sign-in refused for {username!r}")
            if response.status_code != 200:
                raise LoginFailed(
                    f"{response.status_code} at {response.url}: {response.text[:300]}"
                )
            action = urljoin(str(response.url), _form_action(response.text))
            if action.endswith("/login"):
                form = {"username": username, "password": password}
            elif action.endswith("/confirm"):
                form = {}
            else:
                raise LoginFailed(f"unexpected form posting to {action}")
            response = await client.post(action, data=form)
    raise LoginFailed(f"no redirect after {MAX_FLOW_STEPS} steps")


@contextlib.asynccontextmanager
async def _browser(given: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    if given is not None:
        yield given
        return
    async with httpx.AsyncClient(follow_redirects=False, timeout=10.0) as client:
        yield client


def _code_from(location: str, issuer: str, state: str) -> str:
    query = parse_qs(urlsplit(location).query)
    if "error" in query:
        raise LoginFailed(f"provider answered {query['error']}: {query.get('error_description')}")
    # RFC 9207: the authorization response names its issuer; a client must check it.
    if query.get("iss") != [issuer]:
        raise LoginFailed(f"authorization response from issuer {query.get('iss')}")
    if query.get("state") != [state]:
        raise LoginFailed("state mismatch")
    return query["code"][0]


async def exchange_code(
    provider: OidcProvider,
    code: str,
    *,
    redirect_uri: str,
    code_verifier: str,
    resource: str | None,
) -> TokenSet:
    """POST /token (authorization_code, client_secret_basic)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    if resource is not None:
        form["resource"] = resource
    return await _token_request(provider, form)


async def refresh_tokens(provider: OidcProvider, refresh_token: str) -> TokenSet:
    """POST /token (refresh_token); the new access token is for the resource first granted."""
    return await _token_request(
        provider, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def client_credentials_token(provider: OidcProvider) -> str:
    """POST /token (client_credentials) for the API resource: a JWT with the client as ``sub``."""
    form = {"grant_type": "client_credentials", "resource": provider.resource, "scope": API_SCOPE}
    return (await _token_request(provider, form)).access_token


async def _token_request(provider: OidcProvider, form: dict[str, str]) -> TokenSet:
    async with httpx.AsyncClient(timeout=10.0) as client:
        response = await client.post(
            f"{provider.issuer}/token",
            data=form,
            auth=(provider.client_id, provider.client_secret),
        )
    if response.status_code != 200:
        raise LoginFailed(f"token endpoint answered {response.status_code}: {response.text}")
    body = response.json()
    return TokenSet(
        access_token=body["access_token"],
        id_token=body.get("id_token"),
        refresh_token=body.get("refresh_token"),
        token_type=body["token_type"],
        expires_in=int(body["expires_in"]),
        scope=body.get("scope"),
    )


async def user_tokens(
    provider: OidcProvider, username: str, *, nonce: str | None = None
) -> TokenSet:
    """The full code flow with PKCE for a known account, tokens requested for the API resource."""
    account = provider.accounts[username]
    verifier, challenge = pkce_pair()
    code = await login(
        provider,
        username,
        account.password,
        redirect_uri=provider.redirect_uri,
        code_challenge=challenge,
        nonce=nonce,
        resource=provider.resource,
    )
    return await exchange_code(
        provider,
        code,
        redirect_uri=provider.redirect_uri,
        code_verifier=verifier,
        resource=provider.resource,
    )


async def user_access_token(provider: OidcProvider, username: str) -> str:
    """A JWT access token for ``username`` whose ``aud`` is the API audience."""
    return (await user_tokens(provider, username)).access_token


async def user_id_token(provider: OidcProvider, username: str) -> str:
    """The ID token of a code flow that asked for a nonce (``aud`` = the client id)."""
    id_token = (await user_tokens(provider, username, nonce=secrets.token_urlsafe(12))).id_token
    if id_token is None:
        raise LoginFailed("no ID token in the token response")
    return id_token


async def logout(
    provider: OidcProvider,
    http: httpx.AsyncClient,
    *,
    id_token_hint: str,
    post_logout_redirect_uri: str = POST_LOGOUT_REDIRECT_URIS[0],
) -> str:
    """RP-initiated logout in the browser ``http``: GET end_session, confirm the form.

    Returns the Location the provider sends the browser to (the post-logout redirect URI).
    """
    response = await http.get(
        f"{provider.issuer}/session/end",
        params={
            "id_token_hint": id_token_hint,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": provider.client_id,
        },
    )
    if response.status_code != 200:
        raise LoginFailed(f"end_session answered {response.status_code}: {response.text[:99]}")
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', response.text)
    if xsrf is None:
        raise LoginFailed("no logout form")
    action = urljoin(str(response.url), _form_action(response.text))
    confirmed = await http.post(
        action, data={"xsrf": html.unescape(xsrf.group(1)), "logout": "yes"}
    )
    if not confirmed.is_redirect:
        raise LoginFailed(f"logout confirmation answered {confirmed.status_code}")
    return confirmed.headers["location"]


def ensure_node_modules() -> None:
    """``npm ci`` in tests/oidc when its dependencies are missing (from the lockfile only)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install tests/oidc (oidc-provider)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        check=True,
        timeout=300,
    )


def _accounts() -> dict[str, Account]:
    """Accounts by login. ``mallory`` chose ``dwho`` as her ``preferred_username`` (a profile
    field this provider, like many, lets its users set) and has an unverified address; the
    real ``dwho`` has a verified one; ``carol``'s address is not verified."""
    people = [
        ("3f1c9a2e-7d4b-4e0a-9c51-0a6f2b8d1e01", "alice", "alice", "Alice Martin", True),
        ("8b2d4f60-1a3e-4c7b-8e92-5d0c7f3a2b02", "bob", "bob", "Bob Durand", False),
        ("c4d0e7a1-5b2f-4a9e-8d13-6f0b2c9e4a03", "mallory", "dwho", "Mallory", False),
        ("1e9b3c5d-7f2a-4b6e-9c08-d2a4f6b8e004", "dwho", "dwho", "Doctor Who", True),
        ("5a7c9e1b-3d5f-4a8c-8e0a-b1d3f5a7c905", "carol", "carol", "Carol Petit", False),
    ]
    return {
        login: Account(
            sub=sub,
            login=login,
            preferred_username=username,
            password=secrets.token_urlsafe(12),
            email=f"{login}@mairie.example",
            email_verified=verified,
            name=name,
        )
        for sub, login, username, name, verified in people
    }


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """The provider, running for the whole session; stopped (process group killed) at the end.
    Its access tokens name their user (profile and e-mail claims), as Keycloak's do."""
    with running_provider(tmp_path_factory.mktemp("oidc-provider")) as provider:
        yield provider


@pytest.fixture(scope="session")
def bare_oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """A second provider whose access tokens carry only ``sub`` (oidc-provider's default)."""
    with running_provider(
        tmp_path_factory.mktemp("bare-oidc-provider"), profile_in_access_token=False
    ) as provider:
        yield provider


@contextlib.contextmanager
def running_provider(
    workdir: Path, *, profile_in_access_token: bool = True
) -> Iterator[OidcProvider]:
    ensure_node_modules()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to run tests/oidc/provider.mjs")
    accounts = _accounts()
    accounts_file = workdir / "accounts.json"
    accounts_file.write_text(json.dumps([vars(a) for a in accounts.values()]), encoding="utf-8")
    client_secret = secrets.token_urlsafe(24)
    port = free_port(HOST)
    issuer = f"http://{HOST}:{port}"
    process = spawn(
        [node, str(PROVIDER_DIR / "provider.mjs"), str(port)],
        host=HOST,
        port=port,
        log_path=workdir / "provider.log",
        env={
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": client_secret,
            "OIDC_REDIRECT_URIS": " ".join(REDIRECT_URIS),
            "OIDC_POST_LOGOUT_REDIRECT_URIS": " ".join(POST_LOGOUT_REDIRECT_URIS),
            "OIDC_AUDIENCE": AUDIENCE,
            "OIDC_RESOURCE": RESOURCE,
            "OIDC_API_SCOPE": API_SCOPE,
            "OIDC_ACCOUNTS_FILE": str(accounts_file),
            "OIDC_ACCESS_TOKEN_PROFILE": "on" if profile_in_access_token else "off",
            "NODE_ENV": "test",
        },
    )
    server = EmbeddedServer(
        name="oidc-provider",
        url=issuer,
        username=CLIENT_ID,
        password=client_secret,
        process=process,
        log_path=workdir / "provider.log",
    )
    try:
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10.0).json()
        yield OidcProvider(
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=client_secret,
            audience=AUDIENCE,
            resource=RESOURCE,
            jwks_uri=discovery["jwks_uri"],
            redirect_uri=REDIRECT_URIS[0],
            accounts=accounts,
            server=server,
        )
    finally:
        server.stop()
