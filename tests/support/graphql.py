"""Calling the hub's GraphQL endpoint over HTTP, as a client would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from hub.app import create_app
from hub.identity.tokens import issue_local_token
from hub.people.models import Person
from hub.services import Services

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


@dataclass
class Reply:
    status: int
    data: dict[str, Any] | None
    errors: list[dict[str, Any]]

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code", "") for e in self.errors]

    def ok(self) -> dict[str, Any]:
        assert not self.errors, self.errors
        assert self.data is not None
        return self.data


def token_for(services: Services, person: Person, ttl: timedelta = timedelta(hours=1)) -> str:
    assert services.signing_key is not None
    return issue_local_token(
        services.signing_key,
        services.settings.base_url,
        services.settings.oidc_audience,
        person.id,
        person.username,
        ttl,
    )


def operation(name: str) -> str:
    """A named operation from graphql/operations/ (validated against the schema by a test)."""
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> Reply:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        return Reply(response.status_code, body.get("data"), body.get("errors") or [])


@asynccontextmanager
async def hub_http(
    services: Services, base_url: str = "http://hub.test"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``create_app`` built around ``services`` (ASGI: no socket, no server)."""
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http
