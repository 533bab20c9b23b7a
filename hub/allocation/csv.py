"""The report as CSV for a French spreadsheet: ``;`` separator, decimal comma, UTF-8 with BOM.

One header row, one row per town, a total row. Every row repeats the month, the person and
the timezone the hours were counted in (Europe/Paris), so a row pasted elsewhere still says
what it is. Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…)
are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from hub.allocation.service import TIMEZONE, Report

HEADER = (
    "Mois",
    "Agent",
    "Commune",
    "Code INSEE",
    "Part convenue",
    "Heures",
    "Part réelle",
    "Fuseau horaire",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def spreadsheet_cell(text: str) -> str:
    """The text as a spreadsheet shows it, never run as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    who = spreadsheet_cell(report.person.display_name)
    for row in report.rows:
        writer.writerow(
            (
                report.month.label,
                who,
                spreadsheet_cell(row.town.name),
                row.town.insee_code,
                _number(row.agreed_share, 3),
                _number(row.hours, 2),
                _number(row.actual_share, 3),
                TIMEZONE,
            )
        )
    agreed = sum(row.agreed_share for row in report.rows)
    actual = 1.0 if report.total_hours else 0.0
    writer.writerow(
        (
            report.month.label,
            who,
            "Total",
            "",
            _number(agreed, 3),
            _number(report.total_hours, 2),
            _number(actual, 3),
            TIMEZONE,
        )
    )
    return out.getvalue().encode("utf-8-sig")


def filename(report: Report) -> str:
    return f"repartition-{report.month.label}-{report.person.username}.csv"


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients, the exact one in ``filename*``."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
