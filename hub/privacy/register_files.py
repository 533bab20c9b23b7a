"""The register as files: Markdown, HTML ready to print (to PDF), CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
from html import escape

from hub.agenda.reading import PARIS
from hub.allocation.csv import spreadsheet_cell
from hub.privacy.french import moment
from hub.privacy.register import Register

KINDS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}

PRINT_STYLE = """
body { font: 11pt/1.45 "Marianne", "Helvetica Neue", Arial, sans-serif; color: #1b1b1b;
       max-width: 48em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .4em; border-bottom: 1px solid #ccc; }
.generated { color: #555; margin-top: 0; }
ul { margin: 0; padding-left: 1.3em; }
@page { size: A4; margin: 2cm; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def _when(register: Register) -> str:
    return moment(register.generated_at, "d MMMM y")


def filename(register: Register, kind: str) -> str:
    return (
        f"registre-{register.town.slug}-{register.generated_at.astimezone(PARIS):%Y-%m-%d}.{kind}"
    )


def render(register: Register, kind: str) -> bytes:
    if kind == "md":
        return markdown(register).encode("utf-8")
    if kind == "html":
        return html(register).encode("utf-8")
    return ("\ufeff" + spreadsheet(register)).encode("utf-8")


def markdown(register: Register) -> str:
    lines = [f"# {register.title}", "", f"_Établi le {_when(register)} par Entente._", ""]
    for section in register.sections:
        lines += [f"## {section.heading}", ""]
        lines += [f"- {line}" for line in section.lines]
        lines.append("")
    return "\n".join(lines)


def html(register: Register) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(register.title)}</title>",
        f"<style>{PRINT_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(register.title)}</h1>",
        f'<p class="generated">Établi le {escape(_when(register))} par Entente.</p>',
    ]
    for section in register.sections:
        parts.append(f"<h2>{escape(section.heading)}</h2>")
        parts.append("<ul>")
        parts += [f"<li>{escape(line)}</li>" for line in section.lines]
        parts.append("</ul>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def spreadsheet(register: Register) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(("Commune", "Code INSEE", "Rubrique", "Contenu"))
    for section in register.sections:
        for line in section.lines:
            writer.writerow(
                (
                    spreadsheet_cell(register.town.name),
                    register.town.insee_code,
                    section.heading,
                    spreadsheet_cell(line),
                )
            )
    return out.getvalue()
