"""The portal in a real browser against `hub demo` (real embedded backends), axe-core on every
page visited, a screenshot per scenario under test-output/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.portal.browser import Axe, new_event, screenshot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


def test_camille_signs_in_and_sees_her_three_towns(
    page: Page, demo: str, axe: Axe, context: BrowserContext
) -> None:
    sign_in(page, demo, "camille", axe)

    towns = page.get_by_role("region", name="Mes communes").get_by_role("link")
    expect(towns).to_have_text(["Bièvres", "Igny", "Vauhallan"])
    axe.check(page)
    desktop = screenshot(page, "home")
    page.set_viewport_size(PHONE)
    axe.check(page)
    phone = screenshot(page, "home-375px")
    assert desktop.stat().st_size > 0 and phone.stat().st_size > 0
    no_overflow = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the home page scrolls sideways at 375 px"
    page.set_viewport_size({"width": 1280, "height": 900})
    for link, name in (("Agenda", "agenda"), ("Fichiers", "files"), ("Temps partagé", "time")):
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe.check(page)
        screenshot(page, name)

    page.get_by_role("button", name="Se déconnecter").click()

    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_louis_cannot_see_bievres(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "louis", axe)

    towns = page.get_by_role("region", name="Mes communes").get_by_role("link")
    expect(towns).to_have_text(["Igny"])
    page.goto(f"{demo}/towns/bievres")

    # the page a town that does not exist gets: slugs cannot be probed
    expect(page.get_by_role("alert")).to_have_text("Cette commune n'existe pas.")
    axe.check(page)
    screenshot(page, "louis-refused-bievres")


def test_ines_adds_a_staff_member_to_bievres(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "ines", axe)
    page.get_by_role("link", name="Bièvres").first.click()
    axe.check(page)

    form = page.get_by_role("region", name="Créer le compte d'un nouvel agent")
    form.get_by_label("Prénom et nom").fill("Zoé Leroy")
    form.get_by_label("Identifiant de connexion").fill("zoe")
    form.get_by_label("Adresse électronique").fill("zoe.leroy@bievres.example")
    form.get_by_role("button", name="Créer le compte").click()

    expect(page.get_by_role("status")).to_have_text("Le compte de Zoé Leroy a été créé.")
    expect(page.get_by_role("row", name=re.compile("Zoé Leroy"))).to_contain_text("Agent")
    axe.check(page)
    screenshot(page, "ines-adds-staff")


def test_the_admin_provisions_a_fourth_town(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "admin", axe)
    page.get_by_role("link", name="Administration").click()
    axe.check(page)

    form = page.get_by_role("region", name="Ajouter une commune")
    form.get_by_label("Nom de la commune").fill("Saclay")
    form.get_by_label("Identifiant court").fill("saclay")
    form.get_by_label("Code INSEE").fill("91534")
    form.get_by_role("button", name="Mettre en service").click()

    expect(page.get_by_role("status")).to_have_text("La commune « Saclay » est prête.")
    expect(page.get_by_role("row", name=re.compile("Saclay"))).to_contain_text("Prête")
    axe.check(page)
    screenshot(page, "admin-towns")
    page.get_by_role("link", name="Journal d'audit").click()
    expect(page.get_by_role("cell", name="saclay").first).to_be_visible()
    axe.check(page)
    screenshot(page, "admin-audit")
    page.get_by_role("link", name="Personnes").click()
    axe.check(page)


def test_camille_creates_a_conflicting_event_and_sees_the_conflict(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda")
    monday = page.locator("section.day h3").first.get_attribute("id")
    assert monday is not None

    day = monday.removeprefix("day-")
    form = new_event(page, "vauhallan", "Réunion <b>urgente</b>", day, ("10:00", "11:00"))
    axe.check(page)
    form.get_by_role("button", name="Créer l'événement").click()

    expect(page.get_by_role("status")).to_contain_text("Réunion <b>urgente</b>")
    title = page.locator(".what", has_text=re.compile(r"^Réunion <b>urgente</b>$"))
    created = page.locator("li.event", has=title)
    expect(created.locator(".conflict-mark")).to_contain_text("Conflit avec")
    axe.check(page)
    screenshot(page, "agenda-conflict")
