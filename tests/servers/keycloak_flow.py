"""Signing in at a real Keycloak the way a browser does, and its admin API as the bootstrap admin.

    tokens = await code_flow(server, "dwho", PASSWORD)      # .access_token .id_token …
    location = await sign_in_at(authorize_url, "dwho", PASSWORD, redirect_uri=…)
    uid = people(server).add("dwho", "dwho@…", PASSWORD)      # a ready account

There is no shortcut: Keycloak's own login page is fetched and its form posted (the realm's
client allows no password grant), then the code is exchanged with PKCE and the client secret.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

from tests.servers.keycloak import KeycloakServer

MAX_STEPS = 8
TIMEOUT = 60  # Keycloak renders its first pages slowly on a busy machine


class _BrowserJar(CookieJar):
    """Keycloak's cookies kept as a browser keeps them on loopback. Keycloak marks them
    ``Secure``, which browsers honour over plain http to 127.0.0.1 (a secure context) and the
    standard library does not; and ``Version=1``, which the standard library would send back
    RFC 2965-style (``$Version=1; …``), as no browser does. httpx copies the jar into a plain
    one for every request, so the cookies themselves are stored as a browser would send them.
    """

    def set_cookie(self, cookie: Cookie) -> None:
        cookie.version = 0
        cookie.secure = False
        super().set_cookie(cookie)


def browser_client() -> httpx.AsyncClient:
    """An HTTP client that keeps Keycloak's cookies as a browser does on loopback."""
    return httpx.AsyncClient(timeout=TIMEOUT, cookies=_BrowserJar())


class SignInRefused(Exception):
    """Keycloak answered its login page again, with this message, instead of a redirect."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _login_form(page: str) -> str:
    found = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page)
    if found is None:
        text = re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)
        raise SignInRefused(" ".join(text.split())[-300:])
    return html.unescape(found.group(1))


def _refusal(page: str) -> str | None:
    """The error Keycloak's login page shows, if any (a wrong password, a disabled account)."""
    for pattern in (
        r'<span[^>]*id="input-error[^"]*"[^>]*>\s*([^<]*?)\s*</span>',
        r'class="[^"]*(?:alert-error|pf-m-danger)[^"]*"[\s\S]*?<span[^>]*>\s*([^<]+?)\s*</span>',
    ):
        found = re.search(pattern, page)
        if found and found.group(1).strip():
            return html.unescape(found.group(1).strip())
    return None


async def sign_in_at(
    authorize_url: str,
    username: str,
    password: str,
    *,
    redirect_uri: str,
    browser: httpx.AsyncClient | None = None,
) -> str:
    """From an authorization URL through Keycloak's login form; the URL it sends back to.
    ``browser`` keeps Keycloak's session cookies for later (logout); a fresh one otherwise."""
    async with contextlib.AsyncExitStack() as stack:
        http = browser or await stack.enter_async_context(browser_client())
        page = await http.get(authorize_url)
        for _ in range(MAX_STEPS):
            if page.is_redirect:
                location = urljoin(str(page.url), page.headers["location"])
                if location.startswith(redirect_uri):
                    return location
                page = await http.get(location)
                continue
            action = _login_form(page.text)
            refusal = _refusal(page.text)
            if refusal:
                raise SignInRefused(refusal)
            # With organisations on, Keycloak asks for the username, then for the password
            # (identity-first); each form takes the fields it knows.
            page = await http.post(action, data={"username": username, "password": password})
    raise SignInRefused(f"no redirect to {redirect_uri} after {MAX_STEPS} steps")


async def code_flow(
    server: KeycloakServer,
    username: str,
    password: str,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uri: str | None = None,
) -> Tokens:
    """Tokens for ``username`` through the authorization code flow with PKCE."""
    client_id = client_id or server.client_id
    client_secret = client_secret or server.client_secret
    redirect_uri = redirect_uri or f"{server.hub_url}/auth/callback"
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(12)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid profile email",
        "state": state,
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    back = await sign_in_at(
        f"{server.issuer}/protocol/openid-connect/auth?{urlencode(query)}",
        username,
        password,
        redirect_uri=redirect_uri,
    )
    params = parse_qs(urlsplit(back).query)
    assert params["state"] == [state]
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        answer = await http.post(
            f"{server.issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "authorization_code",
                "code": params["code"][0],
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client_id, client_secret),
        )
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return Tokens(body["access_token"], body["id_token"], body.get("refresh_token"))


class People:
    """Accounts in the realm, made and changed as the realm's administrator would."""

    def __init__(self, server: KeycloakServer) -> None:
        self.admin = server.admin

    def add(self, username: str, email: str, password: str, *, first: str = "") -> str:
        """A ready account: password set, address verified, nothing left to do."""
        existing = self.admin.get_user_id(username)
        if existing:
            self.admin.delete_user(existing)
        return str(
            self.admin.create_user(
                {
                    "username": username,
                    "email": email,
                    "firstName": first or username.title(),
                    "lastName": "Test",
                    "enabled": True,
                    "emailVerified": True,
                    "credentials": [{"type": "password", "value": password, "temporary": False}],
                }
            )
        )

    def set_enabled(self, user_id: str, enabled: bool) -> None:
        self.admin.update_user(user_id, {"enabled": enabled})

    def rotate_keys(self) -> str:
        """A new RSA signing key above the realm's others; its ``kid``."""
        realm_id = self.admin.get_realm(self.admin.connection.realm_name)["id"]
        keys = self.admin.get_keys()["keys"]
        before = {k["kid"] for k in keys}
        top = max(int(k.get("providerPriority", 0)) for k in keys)
        self.admin.create_component(
            {
                "name": f"rotated-{secrets.token_hex(4)}",
                "providerId": "rsa-generated",
                "providerType": "org.keycloak.keys.KeyProvider",
                "parentId": realm_id,
                "config": {
                    "priority": [str(top + 100)],
                    "algorithm": ["RS256"],
                    "keySize": ["2048"],
                },
            }
        )
        after = self.admin.get_keys()["keys"]
        new = [k["kid"] for k in after if k["kid"] not in before and k.get("algorithm") == "RS256"]
        assert len(new) == 1, after
        return str(new[0])


def people(server: KeycloakServer) -> People:
    return People(server)
