"""The shipped realm file, imported by a real Keycloak."""

from __future__ import annotations

import httpx

from tests.servers.keycloak import KeycloakServer


async def test_the_shipped_realm_is_imported_and_serves_its_issuer(
    keycloak_server: KeycloakServer,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(f"{keycloak_server.issuer}/.well-known/openid-configuration")
    discovery = answer.json()
    assert discovery["issuer"] == keycloak_server.issuer
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert discovery["end_session_endpoint"].startswith(keycloak_server.issuer)
