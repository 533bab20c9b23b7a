"""Files, the time-sharing report and the agenda's town colours in a real browser, against
`hub demo` (real embedded WebDAV), axe-core on every page visited, a screenshot each."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from hub.portal.i18n import PARIS
from tests.portal.browser import Axe, screenshot, sign_in, watch_csp
from tests.portal.conftest import UPLOAD_LIMIT

pytestmark = pytest.mark.browser
MARKUP = "<img src=x onerror=alert(1)>.pdf"
TOO_LARGE = "Il dépasse la taille maximale autorisée (1 Mo)."
TOWN_0 = "rgb(31, 95, 139)"  # --town-0 of portal.css


def open_bievres_files(page: Page, axe: Axe | None) -> None:
    """``axe`` None: a page without JavaScript, where axe-core cannot run."""
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Fichiers"
    ).click()
    if axe is not None:
        axe.check(page)
    page.get_by_role("main").get_by_role("link", name="Bièvres", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bièvres")


def flashed(page: Page) -> Locator:
    """The message a form's result page shows once."""
    return page.locator("p.notice[role=status]")


def upload_status(page: Page) -> Locator:
    return page.get_by_role("region", name="Déposer des fichiers").get_by_role("status")


def row(page: Page, name: str) -> Locator:
    return page.locator("table.files tbody tr", has=page.get_by_role("rowheader", name=name))


def test_camille_uploads_downloads_and_tidies_files_in_bievres(
    page: Page, demo: str, axe: Axe
) -> None:
    content = "Compte rendu de la séance du 12 mars 2027.\n".encode()
    sign_in(page, demo, "camille", axe)
    open_bievres_files(page, axe)

    page.get_by_label(re.compile("Choisissez un ou plusieurs fichiers")).set_input_files(
        {"name": "compte-rendu.txt", "mimeType": "text/plain", "buffer": content}
    )
    page.get_by_role("button", name="Déposer").click()

    expect(upload_status(page)).to_have_text("Envoi terminé : 1 fichier déposé sur 1.")
    link = page.get_by_role("link", name="compte-rendu.txt", exact=True)
    expect(link).to_be_visible()
    axe.check(page)
    screenshot(page, "files-uploaded")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == "compte-rendu.txt"
    assert Path(download.path()).read_bytes() == content
    href = link.get_attribute("href")
    assert href is not None
    answer = page.request.get(href)
    assert answer.body() == content
    disposition = answer.headers["content-disposition"]
    assert "attachment" in disposition and "compte-rendu.txt" in unquote(disposition)

    page.get_by_label("Nom du dossier").fill("Délibérations 2027")
    page.get_by_role("button", name="Créer").click()
    expect(flashed(page)).to_have_text("Le dossier « Délibérations 2027 » a été créé.")
    expect(page.get_by_role("link", name="Délibérations 2027", exact=True)).to_be_visible()

    uploaded = row(page, "compte-rendu.txt")
    uploaded.locator("summary").click()
    uploaded.get_by_label("Nouveau nom").fill("compte-rendu-conseil.txt")
    uploaded.get_by_role("button", name="Renommer : compte-rendu.txt").click()
    expect(flashed(page)).to_have_text(
        "« compte-rendu.txt » s'appelle maintenant « compte-rendu-conseil.txt »."
    )
    # Moving: the target folder is chosen in a picker, not typed
    row(page, "compte-rendu-conseil.txt").get_by_role(
        "link", name="Déplacer : compte-rendu-conseil.txt"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Déplacer « compte-rendu-conseil.txt »"
    )
    expect(
        page.get_by_text("« compte-rendu-conseil.txt » est déjà dans ce dossier.")
    ).to_be_visible()
    axe.check(page)
    page.get_by_role("list", name="Sous-dossiers").get_by_role(
        "link", name="Délibérations 2027"
    ).click()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Dossier de destination : Délibérations 2027"
    )
    screenshot(page, "files-move-picker")
    page.get_by_role("button", name="Déplacer ici").click()
    expect(flashed(page)).to_have_text(
        "« compte-rendu-conseil.txt » a été déplacé vers "
        "« /Délibérations 2027/compte-rendu-conseil.txt »."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Délibérations 2027")
    axe.check(page)

    row(page, "compte-rendu-conseil.txt").get_by_role("link", name=re.compile("^Supprimer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer un fichier")
    expect(page.get_by_role("main")).to_contain_text(
        "Supprimer le fichier « compte-rendu-conseil.txt » ? Cette action est définitive."
    )
    expect(page.get_by_role("main")).not_to_contain_text("dossier")
    axe.check(page)
    screenshot(page, "files-delete-confirmation")
    page.get_by_role("button", name="Supprimer").click()

    expect(flashed(page)).to_have_text("« compte-rendu-conseil.txt » a été supprimé.")
    expect(page.get_by_role("cell", name="Ce dossier est vide.")).to_be_visible()
    axe.check(page)


def test_several_files_dropped_show_their_progress_and_the_limit(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    open_bievres_files(page, axe)
    page.evaluate(
        """() => {
          window.progressSeen = [];
          const bar = document.querySelector("progress");
          new MutationObserver(() => window.progressSeen.push(bar.value))
            .observe(bar, {attributes: true, attributeFilter: ["value"]});
        }"""
    )
    dropped = page.evaluate_handle(
        """([small, large]) => {
          const files = new DataTransfer();
          for (const name of ["plan-1.bin", "plan-2.bin", "plan-3.bin"]) {
            files.items.add(new File([new Uint8Array(small).fill(7)], name));
          }
          files.items.add(new File([new Uint8Array(large)], "trop-gros.bin"));
          return files;
        }""",
        [300_000, UPLOAD_LIMIT + 1],
    )

    page.locator("[data-drop-zone]").dispatch_event("drop", {"dataTransfer": dropped})

    expect(upload_status(page)).to_have_text("Envoi terminé : 3 fichiers déposés sur 4.")
    expect(page.get_by_role("alert")).to_have_text(
        f"« trop-gros.bin » n'a pas été déposé. {TOO_LARGE}"
    )
    for name in ("plan-1.bin", "plan-2.bin", "plan-3.bin"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="trop-gros.bin")).to_have_count(0)
    seen: list[int] = page.evaluate("() => window.progressSeen")
    assert seen == sorted(seen) and seen[-1] == 100, seen
    assert any(0 < value < 100 for value in seen), seen
    axe.check(page)
    screenshot(page, "files-dropped")


def test_a_file_named_like_markup_shows_as_text(page: Page, demo: str, axe: Axe) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    sign_in(page, demo, "camille", axe)
    open_bievres_files(page, axe)

    page.get_by_label(re.compile("Choisissez un ou plusieurs fichiers")).set_input_files(
        {"name": MARKUP, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}
    )
    page.get_by_role("button", name="Déposer").click()

    # Windows and Nextcloud forbid < and > in names: the hub refuses it, naming it as text.
    expect(page.get_by_role("alert")).to_have_text(
        f"« {MARKUP} » n'a pas été déposé. Ce nom de fichier n'est pas accepté "
        '(les caractères : * ? " < > | \\ sont interdits).'
    )
    assert page.locator("img[src=x]").count() == 0
    axe.check(page)
    screenshot(page, "files-markup-name")
    assert dialogs == []


def test_the_form_without_javascript_streams_files_and_keeps_the_limit(
    browser: Browser, demo: str, axe: Axe
) -> None:
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", java_script_enabled=False
    )
    try:
        page = context.new_page()
        blocked = watch_csp(page)
        page.goto(f"{demo}/auth/login")
        page.get_by_label("Identifiant").fill("camille")
        page.get_by_label("Mot de passe").fill("demo-camille")
        page.get_by_role("button", name="Se connecter").click()
        open_bievres_files(page, None)

        page.get_by_label(re.compile("Choisissez un ou plusieurs fichiers")).set_input_files(
            [
                {"name": "note-sans-js.txt", "mimeType": "text/plain", "buffer": b"note\n"},
                {
                    "name": "trop-gros-sans-js.bin",
                    "mimeType": "application/octet-stream",
                    "buffer": b"\0" * (UPLOAD_LIMIT + 1),
                },
                {"name": MARKUP, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"},
            ]
        )
        page.get_by_role("button", name="Déposer").click()

        expect(flashed(page)).to_have_text("1 fichier déposé.")
        expect(page.get_by_role("alert")).to_have_text(
            [
                f"« trop-gros-sans-js.bin » n'a pas été déposé. {TOO_LARGE}",
                f"« {MARKUP} » n'a pas été déposé. Ce nom de fichier n'est pas accepté "
                '(les caractères : * ? " < > | \\ sont interdits).',
            ]
        )
        assert page.locator("img[src=x]").count() == 0
        expect(page.get_by_role("link", name="note-sans-js.txt", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="trop-gros-sans-js.bin")).to_have_count(0)
        screenshot(page, "files-without-javascript")
        assert blocked == []
    finally:
        context.close()


def test_camille_opens_the_time_sharing_report_and_its_csv(page: Page, demo: str, axe: Axe) -> None:
    month = format_date(datetime.now(PARIS).date(), format="LLLL y", locale="fr")
    sign_in(page, demo, "camille", axe)
    expect(page.locator("figcaption")).to_contain_text(f"Total pour {month} :")

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Temps partagé"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Temps partagé — {month}")
    expect(page.locator("figcaption")).to_contain_text(f"Total pour {month} :")
    axe.check(page)
    screenshot(page, "time-sharing")
    href = page.get_by_role("link", name="Télécharger le rapport (CSV)").get_attribute("href")
    assert href is not None
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    body = answer.body()
    assert body.startswith(b"\xef\xbb\xbf")
    header = body[3:].decode("utf-8").splitlines()[0]
    assert len(header.split(";")) >= 3, header


def test_louis_cannot_see_bievres_files(browser: Browser, demo: str, axe: Axe) -> None:
    camille = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    louis = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    try:
        page = camille.new_page()
        sign_in(page, demo, "camille", axe)
        open_bievres_files(page, axe)
        bievres = page.url
        document = page.get_by_role("link", name="Conseil municipal", exact=True)
        document.click()
        file_url = page.get_by_role("link", name=re.compile("^Ordre du jour")).get_attribute("href")
        assert file_url is not None

        page = louis.new_page()
        sign_in(page, demo, "louis", axe)
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Fichiers"
        ).click()
        spaces = page.get_by_role("main").get_by_role("listitem").get_by_role("link")
        expect(spaces.first).to_be_visible()
        assert "Bièvres" not in spaces.all_inner_texts()
        axe.check(page)
        page.goto(bievres)

        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_role("link", name="Conseil municipal")).to_have_count(0)
        axe.check(page)
        screenshot(page, "louis-refused-bievres-files")
        assert page.request.get(file_url).status in (403, 404)
    finally:
        camille.close()
        louis.close()


def test_home_and_agenda_show_recent_files_and_town_colours(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)

    recent = page.get_by_role("region", name="Modifié récemment")
    expect(recent.get_by_role("link").first).to_be_visible()
    expect(recent).to_contain_text("Bièvres ·")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Agenda").click()

    swatches = page.locator(".filters .check")
    colours = swatches.evaluate_all("(all) => all.map((s) => getComputedStyle(s).borderLeftColor)")
    assert colours[0] == TOWN_0
    assert len(set(colours)) == len(colours) == 3, colours
    axe.check(page)


def test_a_name_clash_offers_replace_or_keep_both(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "camille", axe)
    open_bievres_files(page, axe)
    picker = page.get_by_label(re.compile("Choisissez un ou plusieurs fichiers"))
    picker.set_input_files({"name": "note.txt", "mimeType": "text/plain", "buffer": b"v1"})
    page.get_by_role("button", name="Déposer").click()
    expect(upload_status(page)).to_have_text("Envoi terminé : 1 fichier déposé sur 1.")

    picker.set_input_files({"name": "note.txt", "mimeType": "text/plain", "buffer": b"v2"})
    page.get_by_role("button", name="Déposer").click()

    errors = page.get_by_role("region", name="Déposer des fichiers").get_by_role("alert")
    expect(errors).to_contain_text("« note.txt » n'a pas été déposé.")
    expect(upload_status(page)).to_have_text("Envoi terminé : 0 fichier déposé sur 1.")
    axe.check(page)
    screenshot(page, "files-name-clash")
    errors.get_by_role("button", name="Garder les deux : note.txt").click()
    expect(page.get_by_role("link", name="note (2).txt", exact=True)).to_be_visible()
    picker.set_input_files({"name": "note.txt", "mimeType": "text/plain", "buffer": b"v3"})
    page.get_by_role("button", name="Déposer").click()
    errors.get_by_role("button", name="Remplacer : note.txt").click()
    expect(errors).to_be_hidden()
    href = page.get_by_role("link", name="note.txt", exact=True).get_attribute("href")
    assert href is not None and page.request.get(href).body() == b"v3"
    assert page.request.get(href.replace("note.txt", "note%20%282%29.txt")).body() == b"v2"


def test_recent_files_are_files_from_any_folder(page: Page, demo: str, axe: Axe) -> None:
    # Louis's Igny holds the demo's documents, in folders ("Conseil municipal", "Finances")
    sign_in(page, demo, "louis", axe)

    recent = page.get_by_role("region", name="Modifié récemment")

    files = recent.get_by_role("listitem")
    expect(files.first).to_be_visible()
    expect(files.filter(has_text="Ordre du jour")).to_contain_text("Igny › Conseil municipal")
    names = [files.nth(n).get_by_role("link").first.inner_text() for n in range(files.count())]
    assert names and all(re.search(r"\.\w+$", name) for name in names), names
    axe.check(page)
