"""SSO as a person meets it: Chromium signs in to the portal through Keycloak's own login
page, and signs out of both.

The hub is the real `hub serve` command, configured only through the README's SSO variables
against the shipped realm; its first administrator is made with `hub create-admin` and linked
at first sign-in by the address Keycloak says is verified (the README's SSO section).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.portal.browser import Axe, browser
from tests.servers.keycloak import KeycloakServer
from tests.servers.keycloak_flow import people
from tests.test_demo import wait_until_serving

# Keycloak renders slowly on a busy machine.
expect.set_options(timeout=30_000)

HUB = [sys.executable, "-m", "hub.cli"]
PASSWORD = "marie-test-only-password"

__all__ = ["browser"]


def hub_env(server: KeycloakServer, data_dir: Path) -> dict[str, str]:
    """Exactly the README's SSO configuration, pointed at the test realm."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {
        **env,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_PORT": str(urlsplit(server.hub_url).port),
        "HUB_PUBLIC_URL": server.hub_url,
        "HUB_OIDC_ISSUER": server.issuer,
        "HUB_OIDC_CLIENT_ID": server.client_id,
        "HUB_OIDC_CLIENT_SECRET": server.client_secret,
        "HUB_OIDC_AUDIENCE": server.client_id,
        "HUB_KEYCLOAK_URL": server.url,
        "HUB_KEYCLOAK_REALM": server.realm,
        "HUB_KEYCLOAK_CLIENT_ID": server.client_id,
        "HUB_KEYCLOAK_CLIENT_SECRET": server.client_secret,
        "HUB_LOG_LEVEL": "warning",
    }


@pytest.fixture(scope="module")
def sso_hub(
    keycloak_server: KeycloakServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    from tests.contract.directory.inspectors import RealInspector

    RealInspector(keycloak_server).reset()
    people(keycloak_server).add("marie", "marie@agglo.example", PASSWORD, first="Marie")
    work = tmp_path_factory.mktemp("sso-hub")
    env = hub_env(keycloak_server, work / "data")
    for command in (["migrate"], ["create-admin", "marie", "marie@agglo.example"]):
        done = subprocess.run(
            [*HUB, *command], env=env, cwd=work, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    process = subprocess.Popen(
        [*HUB, "serve"], env=env, cwd=work, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_until_serving(process, int(env["HUB_PORT"]), timeout=120)  # type: ignore[arg-type]
        yield keycloak_server.hub_url
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        assert "Traceback" not in output, output


def keycloak_sign_in(page: Page, username: str, password: str) -> None:
    """Keycloak's own page. With organisations on, it may ask the username first and the
    password on a second page (identity-first); both steps are the same form."""
    for _ in range(2):
        if page.locator("#username").is_editable():
            page.locator("#username").fill(username)
        if page.locator("#password").count():
            page.locator("#password").fill(password)
        with page.expect_navigation():
            page.locator("#kc-login").click()
        still_asking = "/realms/" in page.url and page.locator("#password").count()
        if not still_asking or page.locator("[id^=input-error]").count():
            return


def test_a_person_signs_in_through_keycloak_and_out_of_both(
    browser: Browser, sso_hub: str, keycloak_server: KeycloakServer
) -> None:
    axe = Axe()
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    try:
        # Marie opens the portal: she is sent to Keycloak's login page
        page.goto(f"{sso_hub}/")
        expect(page).to_have_url(re.compile(re.escape(keycloak_server.issuer)))
        keycloak_sign_in(page, "marie", PASSWORD)

        # back in the portal, signed in as the hub's administrator she was made
        expect(page).to_have_url(re.compile(re.escape(sso_hub)))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
        expect(page.get_by_role("link", name="Administration")).to_be_visible()
        axe.check(page)

        # signing out ends Keycloak's session too: back at the portal, which sends her to a
        # Keycloak that asks for her password again instead of signing her in silently
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page).to_have_url(re.compile(re.escape(keycloak_server.issuer)))
        expect(page.locator("#password")).to_be_visible()
        page.goto(f"{sso_hub}/admin")
        expect(page).to_have_url(re.compile(re.escape(keycloak_server.issuer)))
        expect(page.locator("#password")).to_be_visible()
    finally:
        context.close()


def test_a_wrong_password_stays_at_keycloak(
    browser: Browser, sso_hub: str, keycloak_server: KeycloakServer
) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{sso_hub}/")
        keycloak_sign_in(page, "marie", "not-her-password")
        expect(page).to_have_url(re.compile(re.escape(keycloak_server.issuer)))
        expect(page.get_by_text("mot de passe invalide")).to_be_visible()
    finally:
        context.close()
