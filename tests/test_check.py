"""``hub check`` and the start-up checks of ``hub serve``: each configured backend and the
OpenID provider, on the real servers: reachable, credentials accepted, capabilities present,
one line each, and an exit status."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.checks import Level
from hub.backends import Endpoints
from hub.checks import run_checks, warn_at_startup
from hub.config import Environment, Settings
from hub.embedded.process import EmbeddedServer, free_port
from hub.embedded.stack import Endpoint
from hub.services import Services, build_services
from tests.servers.oidc_provider import OidcProvider
from tests.servers.radicale import radicale_home
from tests.servers.xandikos import xandikos_home


def _hub(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    clean.update(HUB_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hub_check_passes_on_servers_that_work(
    tmp_path: Path, radicale: EmbeddedServer, apache2: EmbeddedServer
) -> None:
    result = _hub(
        tmp_path,
        HUB_CALDAV_URL=radicale_home(radicale),
        HUB_CALDAV_USERNAME=radicale.username,
        HUB_CALDAV_PASSWORD=radicale.password,
        HUB_WEBDAV_URL=apache2.url,
        HUB_WEBDAV_USERNAME=apache2.username,
        HUB_WEBDAV_PASSWORD=apache2.password,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "ok    caldav: calendar home: the URL is the account's calendar home" in lines
    assert any(line.startswith("ok    caldav: reachable, credentials accepted") for line in lines)
    assert any(line.startswith("ok    caldav: sync-collection") for line in lines)
    assert "ok    webdav: MOVE/COPY: offered" in lines
    assert any(line.startswith("ok    webdav: reachable, credentials accepted") for line in lines)


def test_hub_check_fails_on_a_wrong_password_and_an_unreachable_server(
    tmp_path: Path, wsgidav: EmbeddedServer
) -> None:
    result = _hub(
        tmp_path,
        HUB_CALDAV_URL=f"http://127.0.0.1:{free_port()}/entente/",
        HUB_WEBDAV_URL=wsgidav.url,
        HUB_WEBDAV_USERNAME=wsgidav.username,
        HUB_WEBDAV_PASSWORD="not-it",
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("FAIL  webdav: credentials: refused") for line in lines), lines
    assert any(line.startswith("FAIL  caldav: reachable:") for line in lines), lines


def test_hub_check_says_which_backends_it_leaves_to_hub_serve(tmp_path: Path) -> None:
    result = _hub(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "skip  HUB_CALDAV_URL unset: hub serve starts an embedded Radicale",
        "skip  HUB_WEBDAV_URL unset: hub serve starts an embedded WsgiDAV",
    ]


@pytest.fixture
async def checked(
    tmp_path: Path, xandikos: EmbeddedServer, wsgidav: EmbeddedServer
) -> AsyncIterator[Services]:
    settings = Settings(env=Environment.TEST, data_dir=tmp_path)
    # the URL of Xandikos's principal, not of its calendar home
    caldav = Endpoint(f"{xandikos.url}user/", xandikos.username, xandikos.password)
    webdav = Endpoint(wsgidav.url, wsgidav.username, wsgidav.password)
    services = build_services(settings, endpoints=Endpoints(caldav=caldav, webdav=webdav))
    try:
        yield services
    finally:
        await services.aclose()


async def test_a_calendar_url_that_is_not_the_calendar_home_fails_saying_which_it_is(
    checked: Services, xandikos: EmbeddedServer
) -> None:
    findings = {(f.backend, f.what): f for f in await run_checks(checked)}
    home = findings[("caldav", "calendar home")]
    assert home.level is Level.FAIL
    assert xandikos_home(xandikos) in home.detail


async def test_serve_logs_the_same_findings_as_warnings(
    checked: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.checks"):
        await warn_at_startup(checked)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("caldav: calendar home" in message for message in warnings), warnings
    assert not any("webdav" in message for message in warnings)


async def test_the_openid_provider_is_checked(tmp_path: Path, oidc_provider: OidcProvider) -> None:
    settings = Settings(
        env=Environment.TEST,
        data_dir=tmp_path,
        oidc_issuer=oidc_provider.issuer,
        oidc_client_id=oidc_provider.client_id,
        oidc_client_secret=oidc_provider.client_secret,
    )
    services = build_services(settings)
    try:
        findings = await run_checks(services)
    finally:
        await services.aclose()
    assert [(f.what, f.level) for f in findings if f.backend == "oidc"] == [
        ("reachable, issuer matches", Level.OK),
        ("signing keys", Level.OK),
    ]
