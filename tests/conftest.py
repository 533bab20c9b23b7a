"""Suite-wide fixtures. Servers (real Radicale, WsgiDAV, OIDC provider) and doubles live in
their own plugin modules so any test may ask for them by fixture name."""

import os

from tests.support.services import ensure_test_services

# Before the plugins below read HUB_TEST_DATABASE_URL to decide which databases to test.
_SERVICES_NOTE = ensure_test_services()

pytest_plugins = [
    "tests.support.hub_fixtures",
    "tests.support.memory",
    "tests.servers.radicale",
    "tests.servers.wsgidav",
    "tests.servers.xandikos",
    "tests.servers.apache",
    "tests.servers.oidc_provider",
    "tests.servers.keycloak",
    "tests.doubles.keycloak",
    "tests.contract.directory.inspectors",
    "tests.doubles.nextcloud",
]


def pytest_report_header() -> str:
    if _SERVICES_NOTE:
        return f"PostgreSQL/Redis not started: {_SERVICES_NOTE} (SQLite only)"
    return "PostgreSQL: " + ("on" if os.environ.get("HUB_TEST_DATABASE_URL") else "off")
