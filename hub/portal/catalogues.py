"""Keep the portal's gettext catalogues in step with its templates and code.

    .venv/bin/python -m hub.portal.catalogues      # extract, update the .po files, compile .mo

The French texts are the message ids; translators fill ``locale/en/LC_MESSAGES/messages.po``.
The compiled .mo files are committed, so neither `make demo` nor an install compiles anything.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from hub.portal.i18n import CATALOGUES, LOCALES

PORTAL = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "done": (2,)}
KEYWORDS["plural_forms"] = (1, 2)
KEYWORDS["Refused"] = (2,)
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def extract() -> Catalog:
    template = Catalog(project="entente", fuzzy=False)
    for _, _, message, comments, context in extract_from_dir(
        PORTAL, METHODS, keywords=KEYWORDS, comment_tags=()
    ):
        template.add(message, context=context, auto_comments=comments)
    return template


def po_path(lang: str) -> Path:
    return CATALOGUES / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="entente")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update() -> None:
    template = extract()
    for lang in LOCALES:
        catalog = load(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True)
        path.with_suffix(".mo").write_bytes(compiled(load(lang)))


if __name__ == "__main__":
    update()
