"""The life of the shared service in a real browser against `hub demo`: drift found and
repaired, an elected official's mandate. axe-core on every page visited."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

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


def test_ines_gives_a_deputy_mayor_the_end_of_the_mandate(page: Page, demo: str, axe: Axe) -> None:
    end = date.today() + timedelta(days=45)
    # Given Inès, administrator of Bièvres, creating the account of a deputy mayor
    sign_in(page, demo, "ines", axe)
    page.goto(f"{demo}/towns/bievres")
    form = page.get_by_role("region", name="Créer le compte d'un nouvel agent")
    form.get_by_label("Prénom et nom").fill("Hélène Adjointe")
    form.get_by_label("Identifiant de connexion").fill("helene")
    form.get_by_label("Adresse électronique").fill("helene@bievres.example")
    form.get_by_label("Rôle").select_option("ELECTED")
    # When she forgets the end of the mandate, then the page says what is missing
    form.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Un élu a une date de fin de mandat, après aujourd'hui et dans les sept ans à venir."
    )
    # When she gives it
    form.get_by_label("Prénom et nom").fill("Hélène Adjointe")
    form.get_by_label("Identifiant de connexion").fill("helene")
    form.get_by_label("Adresse électronique").fill("helene@bievres.example")
    form.get_by_label("Rôle").select_option("ELECTED")
    form.get_by_label("Fin du mandat").fill(end.isoformat())
    form.get_by_role("button", name="Créer le compte").click()
    # Then Hélène is an elected official of Bièvres until then, and the end shows as coming
    expect(page.get_by_role("status")).to_have_text("Le compte de Hélène Adjointe a été créé.")
    team = page.get_by_role("region", name="Équipe")
    row = team.get_by_role("row", name=re.compile("Hélène Adjointe"))
    expect(row).to_contain_text("Élu municipal")
    expect(row).to_contain_text("fin du mandat le")
    coming = page.get_by_role("region", name="Fins de mandat à venir")
    expect(coming).to_contain_text("Hélène Adjointe (Bièvres) : fin du mandat le")
    axe.check(page)
    # And the administration lists it too
    page.goto(f"{demo}/admin")
    expect(page.get_by_role("region", name="Fins de mandat à venir")).to_contain_text(
        "Hélène Adjointe (Bièvres)"
    )
    axe.check(page)
    screenshot(page, "admin-mandates")


def _new_agent(page: Page, demo: str, town: str, name: str, username: str, share: str) -> None:
    page.goto(f"{demo}/towns/{town}")
    form = page.get_by_role("region", name="Créer le compte d'un nouvel agent")
    form.get_by_label("Prénom et nom").fill(name)
    form.get_by_label("Identifiant de connexion").fill(username)
    form.get_by_label("Adresse électronique").fill(f"{username}@{town}.example")
    form.get_by_label("Rôle").select_option("MANAGER")
    form.get_by_label("Part du temps").fill(share)
    form.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status")).to_have_text(f"Le compte de {name} a été créé.")


def test_the_admin_hands_a_pooled_post_over_with_a_preview(page: Page, demo: str, axe: Axe) -> None:
    # Given Paul, pooled manager in Vauhallan (20 %), leaving for Nina, who joins Vauhallan
    sign_in(page, demo, "admin", axe)
    _new_agent(page, demo, "vauhallan", "Paul Sortant", "paul", "20")
    _new_agent(page, demo, "igny", "Nina Entrante", "nina", "10")
    tomorrow = date.today() + timedelta(days=1)
    # When the administrator opens the handover, step by step
    page.goto(f"{demo}/admin")
    page.get_by_role("link", name="Passations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passation d'un poste")
    axe.check(page)
    people = page.get_by_role("region", name="1. Qui part, qui arrive, et quand")
    people.get_by_label("La personne qui quitte le poste").select_option(label="Paul Sortant")
    people.get_by_label("La personne qui reprend le poste").select_option(label="Nina Entrante")
    people.get_by_label("À partir du").fill(tomorrow.isoformat())
    people.get_by_role("button", name="Choisir les communes").click()
    towns = page.get_by_role("region", name="2. Les communes")
    towns.get_by_label("Vauhallan (Responsable mutualisé, 20").check()
    towns.get_by_label("Désactiver ensuite le compte de Paul Sortant").check()
    axe.check(page)
    towns.get_by_role("button", name="Voir ce qui va changer").click()
    # Then the preview says what will change, and nothing has changed yet
    preview = page.get_by_role("region", name="3. Ce qui va changer")
    expect(preview).to_contain_text("reprend le poste de Paul Sortant")
    row = preview.get_by_role("row", name=re.compile("Vauhallan"))
    expect(row).to_contain_text("Responsable mutualisé, 20")
    expect(preview).to_contain_text("Le compte de Paul Sortant sera désactivé")
    axe.check(page)
    screenshot(page, "admin-handover-preview")
    # When he confirms
    preview.get_by_role("button", name="Confirmer la passation").click()
    # Then the post has passed, the handover is listed as done, Paul's account is disabled
    expect(page.get_by_role("status")).to_have_text(
        "Le poste de Paul Sortant est passé à Nina Entrante."
    )
    recent = page.get_by_role("region", name="Passations récentes")
    done = recent.get_by_role("article", name=re.compile("De Paul Sortant à Nina Entrante"))
    expect(done).to_contain_text("Terminée.")
    expect(done).to_contain_text("Vauhallan : faite, 0 rendez-vous repris.")
    axe.check(page)
    page.goto(f"{demo}/towns/vauhallan")
    team = page.get_by_role("region", name="Équipe")
    expect(team.get_by_role("row", name=re.compile("Nina Entrante"))).to_contain_text(
        "Responsable mutualisé"
    )
    expect(team.get_by_role("row", name=re.compile("Paul Sortant"))).to_have_count(0)
