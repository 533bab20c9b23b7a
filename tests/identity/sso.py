"""The hub in SSO mode against the real OpenID provider (tests/servers/oidc_provider.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Environment, Settings
from hub.services import Services, build_services
from tests.servers.oidc_provider import OidcProvider, sign_in_at
from tests.support.graphql import hub_http

HUB = "https://hub.test"
ME = "query { me { person { username } } towns { slug } }"


def sso_settings(provider: OidcProvider, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        env=Environment.TEST,
        data_dir=data_dir,
        public_url=HUB,
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        oidc_audience=provider.audience,
        **overrides,
    )


@asynccontextmanager
async def sso_hub(
    provider: OidcProvider, engine: AsyncEngine, data_dir: Path, **overrides: Any
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    services = build_services(sso_settings(provider, data_dir, **overrides), engine=engine)
    try:
        async with hub_http(services, HUB) as http:
            yield services, http
    finally:
        await services.aclose()


async def portal_sign_in(
    http: httpx.AsyncClient, provider: OidcProvider, login: str, start: str = "/auth/login"
) -> httpx.Response:
    """Start at ``start`` in the hub, sign in at the provider as ``login``, come back."""
    begin = await http.get(start, params={"next": "/agenda"})
    while begin.status_code in (302, 303, 307) and begin.headers["location"].startswith("/"):
        begin = await http.get(begin.headers["location"])
    assert begin.status_code in (302, 303, 307), begin.text[:300]
    back = await sign_in_at(
        begin.headers["location"],
        login,
        provider.accounts[login].password,
        redirect_uri=f"{HUB}/auth/callback",
    )
    parts = urlsplit(back)
    return await http.get(f"{parts.path}?{parts.query}")
