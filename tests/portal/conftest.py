"""The browser (Chromium through Playwright) for tests/portal/."""

from tests.portal.browser import browser

__all__ = ["browser"]
