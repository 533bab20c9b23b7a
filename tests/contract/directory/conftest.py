"""The directory contract runs on the Keycloak double and on a real Keycloak alike: each test
gets an ``inspector`` (tests/contract/directory/inspectors.py) emptied before it, and a fresh
connector. ``kc`` is the double alone, for fault injection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.directory.keycloak import KeycloakDirectory
from tests.contract.directory.inspectors import Inspector
from tests.doubles.keycloak import KeycloakDouble


@pytest.fixture
def kc(keycloak_double: KeycloakDouble) -> KeycloakDouble:
    keycloak_double.reset()
    return keycloak_double


def connect(where: Inspector | KeycloakDouble, **options: object) -> KeycloakDirectory:
    settings: dict[str, object] = {"timeout": 10.0, **options}
    return KeycloakDirectory(
        where.url,
        where.realm,
        where.client_id,
        where.client_secret,
        **settings,  # type: ignore[arg-type]
    )


@pytest.fixture
async def directory(inspector: Inspector) -> AsyncIterator[KeycloakDirectory]:
    connector = connect(inspector)
    yield connector
    await connector.close()
