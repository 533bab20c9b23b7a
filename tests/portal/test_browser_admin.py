"""The administrators' console in a real browser against `hub demo`: an existing person joins
a new town, the audit log speaks French and filters. axe-core on every page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.portal.browser import Axe, screenshot, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
CODES = re.compile(r"membership\.|person\.|event\.|file\.|BAD_INPUT|FORBIDDEN|[0-9a-f]{32}")


def no_sideways_scrolling(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_admin_gives_camille_access_to_a_new_town(page: Page, demo: str, axe: Axe) -> None:
    # Given a new town, Palaiseau, provisioned by the shared service's administrator
    sign_in(page, demo, "admin", axe)
    page.get_by_role("link", name="Administration").click()
    form = page.get_by_role("region", name="Ajouter une commune")
    form.get_by_label("Nom de la commune").fill("Palaiseau")
    form.get_by_label("Identifiant court").fill("palaiseau")
    form.get_by_label("Code INSEE").fill("91477")
    form.get_by_role("button", name="Mettre en service").click()
    page.get_by_role("link", name="Palaiseau", exact=True).click()
    # When he looks Camille up by her e-mail address and gives her 10 % there
    joining = page.get_by_role("region", name="Ajouter une personne déjà inscrite")
    joining.get_by_label("Nom ou adresse électronique").fill("camille.rousseau@")
    joining.get_by_role("button", name="Chercher").click()
    expect(joining.get_by_role("heading", name="1 personne trouvée")).to_be_visible()
    axe.check(page)
    joining.get_by_label("Rôle").select_option("MANAGER")
    joining.get_by_label("Part du temps").fill("10")
    joining.get_by_role("button", name="Ajouter à Palaiseau : Camille Rousseau").click()
    # Then it is refused: her shares already make a full post, and the page says so
    expect(page.get_by_role("alert")).to_have_text(
        "Avec cette part, le temps convenu de cette personne dépasserait 100 % d'un temps "
        "plein : réduisez d'abord sa part dans une autre commune."
    )
    axe.check(page)
    # When he adds her without a share
    joining.get_by_label("Nom ou adresse électronique").fill("Rousseau")
    joining.get_by_role("button", name="Chercher").click()
    joining.get_by_label("Rôle").select_option("MANAGER")
    joining.get_by_role("button", name=re.compile("^Ajouter à Palaiseau")).click()
    # Then she is in Palaiseau's team
    expect(page.get_by_role("status")).to_have_text(
        "Camille Rousseau fait maintenant partie de l'équipe de Palaiseau."
    )
    team = page.get_by_role("region", name="Équipe")
    expect(team.get_by_role("row", name=re.compile("Camille Rousseau"))).to_contain_text(
        "Responsable mutualisé"
    )
    axe.check(page)
    screenshot(page, "admin-town-joined")
    # And taking her out again is confirmed first
    team.get_by_role("row", name=re.compile("Camille Rousseau")).get_by_text(
        "Changer le rôle"
    ).click()
    page.get_by_role("link", name="Retirer de la commune : Camille Rousseau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer de la commune")
    axe.check(page)
    page.get_by_role("button", name="Retirer de la commune").click()
    expect(page.get_by_role("status")).to_have_text("La personne a été retirée de la commune.")
    expect(team.get_by_role("row", name=re.compile("Camille Rousseau"))).to_have_count(0)


def test_ines_reads_her_own_actions_in_bievres_audit_log(page: Page, demo: str, axe: Axe) -> None:
    # Given Inès creates Yanis's account in Bièvres, then disables it
    sign_in(page, demo, "ines", axe)
    page.goto(f"{demo}/towns/bievres")
    form = page.get_by_role("region", name="Créer le compte d'un nouvel agent")
    form.get_by_label("Prénom et nom").fill("Yanis Morel")
    form.get_by_label("Identifiant de connexion").fill("yanis")
    form.get_by_label("Adresse électronique").fill("yanis.morel@bievres.example")
    form.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status")).to_have_text("Le compte de Yanis Morel a été créé.")
    page.goto(f"{demo}/admin/people")
    page.get_by_role("link", name="Désactiver le compte : Yanis Morel").click()
    page.get_by_role("button", name="Désactiver le compte").click()
    # When she filters the audit log to Bièvres
    page.goto(f"{demo}/admin/audit")
    page.get_by_label("Commune").select_option("bievres")
    page.get_by_role("button", name="Filtrer").click()
    # Then her actions are there, as sentences
    log = page.get_by_role("table")
    expect(log).to_contain_text("Inès Benali a créé le compte de Yanis Morel (Agent).")
    expect(log).to_contain_text("Inès Benali a désactivé le compte de Yanis Morel.")
    assert CODES.search(log.inner_text()) is None, log.inner_text()
    assert no_sideways_scrolling(page)
    axe.check(page)
    screenshot(page, "admin-audit-bievres")
    # And filtering by person and action keeps only those
    page.get_by_label("Personne").select_option(label="Yanis Morel")
    page.get_by_label("Type d'action").select_option(label="Personnes et rôles")
    page.get_by_role("button", name="Filtrer").click()
    expect(log.get_by_role("row")).to_have_count(3)  # the header and two entries
    page.set_viewport_size(PHONE)
    assert no_sideways_scrolling(page)
    label = log.get_by_role("cell").first.evaluate(
        "(cell) => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Quand\u00a0: "', label  # the column's label, read before the value
    axe.check(page)
    screenshot(page, "admin-audit-375px")
    page.set_viewport_size(DESKTOP)


def test_the_admin_audit_log_has_no_codes_and_fits_the_screen(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "admin", axe)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{demo}/admin/audit")
        log = page.get_by_role("table")
        expect(log.get_by_role("row").nth(1)).to_be_visible()
        assert CODES.search(log.inner_text()) is None, log.inner_text()
        assert no_sideways_scrolling(page), f"the audit log scrolls sideways at {width} px"
        axe.check(page)


def test_ines_is_not_offered_what_would_be_refused(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "ines", axe)
    page.goto(f"{demo}/admin/people")

    camille = page.get_by_role("row", name=re.compile("Camille Rousseau"))
    expect(camille.get_by_role("link", name=re.compile("Désactiver"))).to_have_count(0)
    page.goto(f"{demo}/towns/bievres")
    own = page.get_by_role("row", name=re.compile("Inès Benali"))
    expect(own.get_by_text("Changer le rôle")).to_have_count(0)
    expect(own).to_contain_text("un autre administrateur peut le changer")
    axe.check(page)
    # Escape closes a panel of actions and gives the focus back to it
    louis_panel = page.get_by_role("row", name=re.compile("Camille Rousseau"))
    louis_panel.get_by_text("Changer le rôle").click()
    expect(louis_panel.get_by_label("Rôle")).to_be_visible()
    louis_panel.get_by_label("Rôle").focus()
    page.keyboard.press("Escape")
    expect(louis_panel.get_by_label("Rôle")).to_be_hidden()
    expect(louis_panel.locator("summary")).to_be_focused()


def test_on_a_phone_the_menu_is_behind_a_button(page: Page, demo: str, axe: Axe) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, demo, "camille", axe)
    header = page.locator("header.site-header")
    menu = page.get_by_role("navigation", name="Menu principal")
    button = page.get_by_role("button", name="Menu")

    assert header.bounding_box()["height"] < 90  # type: ignore[index]
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    axe.check(page)
    screenshot(page, "menu-375px")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    menu.get_by_role("link", name="Temps partagé").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Temps partagé")
    page.goto(f"{demo}/towns/igny")
    cell = page.get_by_role("row", name=re.compile("Louis Martin")).get_by_role("cell").first
    label = cell.evaluate("(c) => getComputedStyle(c, '::before').content")
    assert label == '"Rôle\u00a0: "', label
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
