"""The life of the shared service in a real browser against `hub demo`: drift found and
repaired. axe-core on every page visited."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.portal.browser import Axe, screenshot, sign_in
from tests.portal.demo import PortalDemo

pytestmark = pytest.mark.browser


def test_the_admin_sees_a_deleted_folder_and_repairs_it(
    page: Page, portal_demo: PortalDemo, axe: Axe
) -> None:
    demo = portal_demo.url
    # Given a new town, Saclay, whose folder is then deleted on the file server
    sign_in(page, demo, "admin", axe)
    page.goto(f"{demo}/admin")
    form = page.get_by_role("region", name="Ajouter une commune")
    form.get_by_label("Nom de la commune").fill("Saclay")
    form.get_by_label("Identifiant court").fill("saclay")
    form.get_by_label("Code INSEE").fill("91534")
    form.get_by_role("button", name="Mettre en service").click()
    expect(page.get_by_role("status")).to_contain_text("Saclay")
    shutil.rmtree(portal_demo.files / "saclay")
    # When the administrator checks every town now
    drift = page.get_by_role("region", name="Écarts avec les services")
    drift.get_by_role("button", name="Vérifier toutes les communes maintenant").click()
    # Then Saclay's folder is said missing, in French
    expect(page.get_by_role("alert")).to_have_text(
        "Vérification faite : 1 écart avec les services."
    )
    saclay = drift.get_by_role("article", name="Saclay")
    expect(saclay).to_contain_text(
        "Fichiers : le dossier « /saclay » a disparu du serveur de fichiers ; la réparation "
        "le recrée, vide : ses fichiers ne peuvent pas être rendus."
    )
    axe.check(page)
    screenshot(page, "admin-drift")
    # When he repairs it
    saclay.get_by_role("button", name="Réparer : Saclay").click()
    # Then the folder is back and the town no longer listed
    expect(page.get_by_role("status")).to_have_text("1 écart réparé à Saclay.")
    expect(drift).to_contain_text("Aucun écart lors de la dernière vérification.")
    assert (portal_demo.files / "saclay").is_dir()
    axe.check(page)
