"""The browser (Chromium through Playwright), and one `hub demo` for tests/portal/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.portal.browser import Axe, browser, watch_csp
from tests.portal.demo import PortalDemo

# Small, so that the limit can be crossed in a test: "1 Mo" in the portal's messages.
UPLOAD_LIMIT = 1024 * 1024


# Package-scoped: one demo (a process with its own backends) for every browser test module.
@pytest.fixture(scope="package")
def portal_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalDemo]:
    running = PortalDemo(
        tmp_path_factory.mktemp("portal-demo"),
        {"HUB_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)},
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def demo(portal_demo: PortalDemo) -> str:
    return portal_demo.url


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    blocked = watch_csp(opened)
    yield opened
    assert blocked == [], f"the CSP blocked something: {blocked}"


__all__ = ["UPLOAD_LIMIT", "axe", "browser", "context", "demo", "page", "portal_demo"]
