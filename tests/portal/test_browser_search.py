"""Searching files by name from the Files page, and opening images and PDFs in the browser,
in the real Chromium against `hub demo` (real embedded WebDAV), axe-core on each page.

Opening in the browser is checked where it matters, in Chromium itself: an image and a PDF
really display (the image decoded, the PDF in Chromium's viewer), while a PDF holding a
script, an HTML page renamed ``.png`` or ``.pdf`` never run anything: no dialog, no request
they would make, no script of theirs in the hub's origin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.portal.browser import Axe, screenshot, sign_in
from tests.support.pdfs import pdf, png

pytestmark = pytest.mark.browser
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
PAGE = (
    b"<html><body><h1>Page</h1><script>alert('page'); fetch('/pwned-page')</script></body></html>"
)


def open_files(page: Page) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Fichiers"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fichiers")


def search(page: Page, text: str) -> None:
    box = page.get_by_role("search", name="Rechercher un fichier")
    box.get_by_label(re.compile("Nom du fichier ou du dossier")).fill(text)
    box.get_by_role("button", name="Rechercher").click()


def test_camille_finds_a_file_in_any_of_her_towns_and_opens_its_folder(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    open_files(page)
    axe.check(page)

    search(page, "BUDGET primitif")

    results = page.get_by_role("table")
    rows = results.get_by_role("row").filter(has=page.get_by_role("rowheader"))
    expect(page.get_by_role("status")).to_contain_text("pour « BUDGET primitif »")
    for town in ("Bièvres", "Igny", "Vauhallan"):
        expect(rows.filter(has_text=town).get_by_role("rowheader")).to_have_text(
            "Budget primitif 2027.csv"
        )
    axe.check(page)
    screenshot(page, "files-search")
    bievres = rows.filter(has=page.get_by_role("link", name="Bièvres", exact=True))
    link = bievres.get_by_role("link", name="Budget primitif 2027.csv", exact=True)
    href = link.get_attribute("href")
    assert href is not None and page.request.get(href).body().startswith(b"Section;Chapitre")

    # accents and case set aside; the folder column leads to the file's folder
    search(page, "proces-verbal")
    found = page.get_by_role("row").filter(has_text="Bièvres").filter(has_text="Procès-verbal")
    found.get_by_role("link", name="Conseil municipal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conseil municipal")
    expect(page.get_by_role("rowheader", name=re.compile("^Procès-verbal"))).to_be_visible()

    # too short a search says what to do, with the text kept
    page.goto(f"{demo}/files/search?text=b")
    box = page.get_by_role("search", name="Rechercher un fichier")
    expect(page.get_by_role("alert")).to_have_text(
        "Saisissez au moins deux caractères du nom cherché (cent au plus)."
    )
    expect(box.get_by_role("searchbox")).to_have_value("b")
    axe.check(page)


def test_images_and_pdfs_open_in_the_browser_and_nothing_active_runs(
    page: Page, demo: str, axe: Axe
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pwned: list[str] = []
    page.context.on("request", lambda r: pwned.append(r.url) if "pwned" in r.url else None)
    sign_in(page, demo, "camille", axe)
    open_files(page)
    page.get_by_role("main").get_by_role("link", name="Vauhallan", exact=True).click()
    files = {
        "plan du bourg.png": ("image/png", png()),
        "ordre du jour.pdf": ("application/pdf", pdf("Ordre du jour")),
        "formulaire.pdf": (
            "application/pdf",
            pdf("Formulaire", script="app.alert('pdf'); this.getURL('/pwned-pdf');"),
        ),
        "page.png": ("image/png", PAGE),
        "page.pdf": ("application/pdf", PAGE),
        "notes.md": ("text/markdown", b"# Notes"),
    }
    page.get_by_label(re.compile("Choisissez un ou plusieurs fichiers")).set_input_files(
        [{"name": n, "mimeType": t, "buffer": b} for n, (t, b) in files.items()]
    )
    page.get_by_role("button", name="Déposer").click()
    status = page.get_by_role("region", name="Déposer des fichiers").get_by_role("status")
    expect(status).to_have_text("Envoi terminé : 6 fichiers déposés sur 6.")

    # "Ouvrir" is offered for images and PDFs only
    opens = page.get_by_role("link", name=re.compile("^Ouvrir : "))
    expect(opens).to_have_count(5)
    expect(page.get_by_role("link", name="Ouvrir : notes.md")).to_have_count(0)
    axe.check(page)
    folder = page.url

    # an image displays, decoded
    page.get_by_role("link", name="Ouvrir : plan du bourg.png").click()
    page.wait_for_load_state()
    assert page.evaluate("document.contentType") == "image/png"
    image = page.locator("img")
    expect(image).to_have_count(1)
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 120
    screenshot(page, "files-open-image")

    # a PDF displays in Chromium's viewer
    page.goto(folder)
    page.get_by_role("link", name="Ouvrir : ordre du jour.pdf").click()
    page.wait_for_load_state()
    for _ in range(50):
        if any(frame.url.startswith(PDF_VIEWER) for frame in page.frames):
            break
        page.wait_for_timeout(100)
    assert any(frame.url.startswith(PDF_VIEWER) for frame in page.frames), page.frames
    assert page.evaluate("document.contentType") == "application/pdf"
    page.wait_for_timeout(500)
    screenshot(page, "files-open-pdf")

    # a PDF with a script is not opened: it comes as a download, and its script never runs
    page.goto(folder)
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Ouvrir : formulaire.pdf").click()
    assert downloaded.value.suggested_filename == "formulaire.pdf"

    # an HTML page renamed .png is a broken image, renamed .pdf a PDF the viewer cannot read
    page.goto(folder)
    page.get_by_role("link", name="Ouvrir : page.png").click()
    page.wait_for_load_state()
    assert page.evaluate("document.contentType") == "image/png"
    assert page.locator("img").evaluate("(img) => img.naturalWidth") == 0
    page.goto(folder)
    page.get_by_role("link", name="Ouvrir : page.pdf").click()
    page.wait_for_load_state()
    assert page.evaluate("document.contentType") == "application/pdf"
    page.wait_for_timeout(1000)

    assert dialogs == [] and pwned == []
