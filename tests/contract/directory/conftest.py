"""Each directory test starts from an empty Keycloak double and a fresh connector."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.directory.keycloak import KeycloakDirectory
from tests.doubles.keycloak import KeycloakDouble


@pytest.fixture
def kc(keycloak_double: KeycloakDouble) -> KeycloakDouble:
    keycloak_double.reset()
    return keycloak_double


def connect(kc: KeycloakDouble, **options: object) -> KeycloakDirectory:
    settings: dict[str, object] = {"timeout": 5.0, **options}
    return KeycloakDirectory(
        kc.url,
        kc.realm,
        kc.client_id,
        kc.client_secret,
        **settings,  # type: ignore[arg-type]
    )


@pytest.fixture
async def directory(kc: KeycloakDouble) -> AsyncIterator[KeycloakDirectory]:
    connector = connect(kc)
    yield connector
    await connector.close()
