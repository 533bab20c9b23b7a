"""How Keycloak's refusals and outages reach the hub: only connector errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.directory import DirectoryPerson
from connectors.directory.keycloak import KeycloakDirectory
from connectors.errors import Forbidden, Unavailable
from hub.embedded.process import free_port
from tests.contract.directory.conftest import connect
from tests.doubles.keycloak import KeycloakDouble

ANNE = DirectoryPerson("anne", "Anne", "anne@a.fr")


@pytest.fixture
async def directory(kc: KeycloakDouble) -> AsyncIterator[KeycloakDirectory]:
    """On the double alone: these tests steer its faults."""
    connector = connect(kc)
    yield connector
    await connector.close()


async def test_a_wrong_client_secret_is_forbidden(kc: KeycloakDouble) -> None:
    # given a connector with the wrong secret
    directory = KeycloakDirectory(kc.url, kc.realm, kc.client_id, "wrong", timeout=5)
    try:
        # when it calls Keycloak, then the token endpoint's 401 is Forbidden
        with pytest.raises(Forbidden):
            await directory.find_person("anne")
    finally:
        await directory.close()


async def test_a_missing_role_is_forbidden(kc: KeycloakDouble) -> None:
    # given a service account without manage-realm and a connector told to use organisations
    kc.service_account_roles.discard("manage-realm")
    directory = connect(kc, organizations=True)
    try:
        # when it ensures a town, then the organisation call's 403 is Forbidden
        with pytest.raises(Forbidden):
            await directory.ensure_town_group("vic", "Vic")
    finally:
        await directory.close()


async def test_without_view_realm_organisations_read_as_off(kc: KeycloakDouble) -> None:
    # given a service account that may not read the realm's settings
    kc.service_account_roles.discard("manage-realm")
    directory = connect(kc)
    try:
        # when a town is ensured, then only its group is made
        town = await directory.ensure_town_group("vic", "Vic")
    finally:
        await directory.close()
    assert town.organization_id is None


async def test_a_keycloak_that_is_down_is_unavailable() -> None:
    # given nothing listening where Keycloak should be
    url = f"http://127.0.0.1:{free_port()}"
    directory = KeycloakDirectory(url, "entente", "entente-hub", "secret", timeout=2)
    try:
        # when the connector calls it, then Unavailable
        with pytest.raises(Unavailable):
            await directory.create_person(ANNE)
    finally:
        await directory.close()


async def test_a_5xx_is_unavailable(kc: KeycloakDouble, directory: KeycloakDirectory) -> None:
    # given a Keycloak whose next answer is a 503
    await directory.find_person("warm-up")
    kc.fail_next(503)
    # when the connector calls it, then Unavailable
    with pytest.raises(Unavailable):
        await directory.find_person("anne")


async def test_a_slow_keycloak_is_unavailable(kc: KeycloakDouble) -> None:
    # given a connector with a short timeout and a Keycloak that hangs
    directory = connect(kc, timeout=0.3)
    try:
        await directory.find_person("warm-up")
        with kc.stalled(), pytest.raises(Unavailable):
            # when the connector calls it, then Unavailable
            await directory.find_person("anne")
    finally:
        await directory.close()


async def test_an_expired_token_is_renewed(
    kc: KeycloakDouble, directory: KeycloakDirectory
) -> None:
    # given a connector whose token Keycloak no longer accepts
    await directory.find_person("warm-up")
    kc.expire_tokens()
    # when it calls again, then it signs in again and succeeds
    created = await directory.create_person(ANNE)
    assert kc.users[created.id].username == "anne"
