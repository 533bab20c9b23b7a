"""Chromium (Debian's, through Playwright) and axe-core, for the portal's browser tests.

Chromium comes from `apt-get install chromium` (`.ci/run` installs it); axe-core from npm with
the lockfile of tests/portal (installed here with `npm ci` when node_modules is missing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("ENTENTE_CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parents[1] / "test-output" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERIOUS = {"serious", "critical"}
PASSWORDS = {
    "admin": "demo-admin",
    "camille": "demo-camille",
    "louis": "demo-louis",
    "ines": "demo-ines",
    "sophie": "demo-sophie",
}
MISSING = (
    f"Chromium is missing ({CHROMIUM}): install it with `sudo apt-get install -y chromium` "
    "(Debian) or point ENTENTE_CHROMIUM at a Chromium binary."
)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(MISSING)
    pytest.skip(MISSING)


def axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed for axe-core: `apt-get install -y nodejs npm`")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)
    return AXE.read_text(encoding="utf-8")


# Module-scoped: the sync API runs its own event loop, which must be gone before the next
# module's asyncio tests start.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Axe:
    """Runs axe-core in the page; DevTools evaluation, so the page's CSP stays as served."""

    def __init__(self) -> None:
        self.source = axe_source()
        self.visited: list[str] = []

    def check(self, page: Page) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(f"() => {{ {self.source}\n}}")
        result: dict[str, Any] = page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
        )
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v.get("impact") in SERIOUS
        ]
        self.visited.append(page.url)
        assert serious == [], f"axe-core on {page.url}: {serious}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def watch_csp(page: Page) -> list[str]:
    """What the page's Content-Security-Policy blocks, as the console reports it."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return blocked


def sign_in(page: Page, base: str, username: str, axe: Axe) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    axe.check(page)
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORDS[username])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")


def new_event(
    page: Page, town: str, title: str, day: str, times: tuple[str, str] | None = None
) -> Locator:
    """Fills the new-event form (reached from the agenda's link); returns the form's page."""
    page.get_by_role("link", name="Nouvel événement").click()
    form = page.get_by_role("main")
    form.get_by_label("Commune").select_option(town)
    form.get_by_label("Titre").fill(title)
    form.get_by_label("Date", exact=True).fill(day)
    if times is not None:
        form.get_by_label("Début", exact=True).fill(times[0])
        form.get_by_label("Fin", exact=True).fill(times[1])
    return form
