"""The DPO's page in a real browser against `hub demo`: Sophie, the towns' shared DPO,
exports the data of someone who left Vauhallan, erases it, reads the register and sets how
long Vauhallan keeps its records. axe-core on every page visited."""

from __future__ import annotations

import json
import re
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.portal.browser import Axe, screenshot, sign_in
from tests.portal.test_french import CODES, ENGLISH, HALF_DONE, signed_in, visible

pytestmark = pytest.mark.browser


def margaux_leaves_vauhallan(page: Page, demo: str, axe: Axe) -> None:
    """The shared service's admin creates Margaux's account in Vauhallan, then disables it."""
    sign_in(page, demo, "admin", axe)
    page.goto(f"{demo}/towns/vauhallan")
    form = page.get_by_role("region", name="Créer le compte d'un nouvel agent")
    form.get_by_label("Prénom et nom").fill("Margaux Petit")
    form.get_by_label("Identifiant de connexion").fill("margaux")
    form.get_by_label("Adresse électronique").fill("margaux.petit@vauhallan.example")
    form.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status")).to_have_text("Le compte de Margaux Petit a été créé.")
    page.goto(f"{demo}/admin/people")
    page.get_by_role("link", name="Désactiver le compte : Margaux Petit").click()
    page.get_by_role("button", name="Désactiver le compte").click()
    expect(page.get_by_role("status")).to_have_text("Le compte a été désactivé.")
    page.context.clear_cookies()


def test_sophie_exports_then_erases_the_data_of_someone_who_left(
    page: Page, demo: str, axe: Axe
) -> None:
    # Given Margaux, who has left Vauhallan
    margaux_leaves_vauhallan(page, demo, axe)
    # When Sophie opens "Protection des données" and looks her up in Vauhallan
    sign_in(page, demo, "sophie", axe)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Protection des données"
    ).click()
    page.get_by_label("Commune").select_option("vauhallan")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_label("Nom, identifiant ou adresse électronique de la personne").fill("margaux")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("heading", name="1 personne trouvée")).to_be_visible()
    axe.check(page)
    screenshot(page, "privacy")
    page.get_by_role("link", name="Margaux Petit").click()
    # And exports her data
    page.get_by_role("button", name="Exporter ses données").click()
    expect(page.get_by_role("status")).to_contain_text("L'export est prêt")
    axe.check(page)
    with page.expect_download() as started:
        page.get_by_role("link", name=re.compile(r"^données \(JSON")).click()
    data = json.loads(Path(started.value.path()).read_text(encoding="utf-8"))
    assert data["person"]["displayName"] == "Margaux Petit"
    assert data["memberships"] == [{"town": "vauhallan", "role": "STAFF", "share": None}]
    assert started.value.suggested_filename.startswith("donnees-personnelles-margaux-")
    with page.expect_download() as summary:
        page.get_by_role("link", name="résumé en français").click()
    assert "Personne\u00a0: Margaux Petit" in Path(summary.value.path()).read_text("utf-8")
    # Then she erases them, after reading what that does
    page.get_by_role("link", name="Effacer ses données : Margaux Petit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Effacer les données de Margaux Petit\u00a0?"
    )
    expect(page.get_by_role("main")).to_contain_text("L'effacement est définitif.")
    axe.check(page)
    screenshot(page, "privacy-erase")
    page.get_by_role("button", name="Effacer définitivement").click()
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("Les données ont été effacées.")
    pseudonym = re.search(r"anonyme-[0-9a-f]{12}", notice.inner_text())
    assert pseudonym is not None
    # And Vauhallan's audit log tells it under the pseudonym, never her name
    page.get_by_role("link", name="Journal d'audit de Vauhallan").click()
    log = page.get_by_role("table")
    expect(log).to_contain_text(
        f"Effacement de {pseudonym.group(0)}\u00a0: étape «\u00a0agendas\u00a0»."
    )
    expect(log).not_to_contain_text("Margaux")
    axe.check(page)


def test_sophie_reads_the_register_and_sets_the_retention(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "sophie", axe)
    page.goto(f"{demo}/privacy?town=igny")
    with page.expect_download() as started:
        page.get_by_role("link", name="Tableur (CSV)").click()
    sheet = Path(started.value.path()).read_text(encoding="utf-8-sig")
    assert sheet.startswith("Commune;Code INSEE;Rubrique;Contenu")
    assert "Sophie Lambert <sophie.lambert@entente.example>" in sheet
    page.get_by_text("Lire le registre").click()
    expect(page.get_by_role("heading", name="Durées de conservation", level=3)).to_be_visible()
    form = page.get_by_role("region", name="Durées de conservation")
    form.get_by_label("Journal d'audit, en jours (de 30 à 3 650)").fill("5")
    form.get_by_role("button", name="Enregistrer les durées").click()
    expect(page.get_by_role("alert")).to_contain_text("se garde de 30 à 3\u00a0650 jours")
    form.get_by_label("Journal d'audit, en jours (de 30 à 3 650)").fill("730")
    form.get_by_role("button", name="Enregistrer les durées").click()
    expect(page.get_by_role("status")).to_have_text("Les durées de conservation sont enregistrées.")
    expect(form).to_contain_text("Durées fixées pour Igny.")
    axe.check(page)


def test_a_persons_page_is_french_through_and_through(demo: str) -> None:
    # Louis's page, where Sophie exports his data and reads why she may not erase it yet
    with closing(signed_in(demo, "sophie")) as client:
        found = client.get("/privacy?town=igny&search=louis").text
        link = re.search(r'href="(/privacy/people/[0-9a-f]{32}\?town=igny)"', found)
        assert link is not None
        reply = client.get(link.group(1).replace("&amp;", "&"))
    text = visible(reply.text)
    assert reply.status_code == 200 and "Son compte est encore actif" in text
    for pattern in (ENGLISH, CODES, HALF_DONE):
        assert pattern.search(text) is None, pattern.search(text)
