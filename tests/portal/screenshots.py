"""Reference screenshots of the portal for the README, from a fresh `hub demo`:

    .venv/bin/python -m tests.portal.screenshots

Camille signs in (the hub admin, for Admin towns and the audit log; Sophie, the DPO, for data
protection); the main pages are
saved, 1280 px wide (and Home at 375 px), into tests/portal/screenshots/. Needs Chromium
(tests/portal/browser.py).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.portal.browser import ARGS, CHROMIUM, PASSWORDS
from tests.portal.demo import PortalDemo

OUTPUT = Path(__file__).resolve().parent / "screenshots"
MAX_BYTES = 300 * 1024
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def save(page: Page, name: str, *, full_page: bool = True) -> Path:
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, type="png")
    return path


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def signed_in(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport=DESKTOP, device_scale_factor=1
    )
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORDS[username])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    return page


def capture(base: str) -> list[Path]:
    OUTPUT.mkdir(exist_ok=True)
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = signed_in(browser, base, "camille")
            saved.append(save(page, "home"))
            page.set_viewport_size(PHONE)
            saved.append(save(page, "home-375px"))
            page.set_viewport_size(DESKTOP)
            menu(page, "Agenda")
            saved.append(save(page, "agenda"))
            views = page.get_by_role("navigation", name="Affichage")
            views.get_by_role("link", name="Mois").click()
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            saved.append(save(page, "agenda-month"))
            menu(page, "Fichiers")
            page.get_by_role("main").get_by_role("link", name="Bièvres", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Bièvres")
            saved.append(save(page, "files-bievres"))
            menu(page, "Fichiers")
            search = page.get_by_role("search", name="Rechercher un fichier")
            search.get_by_label(re.compile("Nom du fichier ou du dossier")).fill("séance")
            search.get_by_role("button", name="Rechercher").click()
            expect(page.get_by_role("status")).to_contain_text("séance")
            saved.append(save(page, "files-search"))
            menu(page, "Temps partagé")
            saved.append(save(page, "time-sharing"))
            # Data protection is the DPO's (Sophie, for the three towns).
            page = signed_in(browser, base, "sophie")
            menu(page, "Protection des données")
            saved.append(save(page, "privacy"))
            # Towns and their provisioning are the hub admin's (Camille is staff).
            page = signed_in(browser, base, "admin")
            page.get_by_role("link", name="Administration").click()
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            saved.append(save(page, "admin-towns"))
            page.get_by_role("link", name="Journal d'audit").click()
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            saved.append(save(page, "admin-audit", full_page=False))  # the first entries
        finally:
            browser.close()
    return saved


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="entente-screenshots-") as scratch:
        demo = PortalDemo(Path(scratch))
        try:
            saved = capture(demo.url)
        finally:
            demo.stop()
    too_big = [path.name for path in saved if path.stat().st_size > MAX_BYTES]
    for path in saved:
        print(
            f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
            f"  {path.stat().st_size // 1024} Ko"
        )
    if too_big:
        print(f"over {MAX_BYTES // 1024} Ko: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
