"""French as the documents for people write it: "mardi 1er décembre 2026 à 9 h 30", and
no-break spaces where French typography wants them (the portal's own rules, for files)."""

from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_date, format_datetime

from hub.agenda.reading import PARIS


def day(value: date | datetime, pattern: str = "EEEE d MMMM y") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return re.sub(r"(?<!\d)1 ", "1er ", format_date(value, pattern, locale="fr"))


def moment(value: date | datetime, pattern: str = "EEEE d MMMM y") -> str:
    if not isinstance(value, datetime):
        return day(value, pattern)
    local = value.astimezone(PARIS)
    hour = format_datetime(local, "H 'h' mm", locale="fr")
    return f"{day(local, pattern)} à {hour}"


def typeset(text: str) -> str:
    text = text.replace(" :", "\u00a0:").replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return re.sub(r" ([;!?])", "\u202f\\1", text)


def of(name: str) -> str:
    """ "de Bièvres", "d'Igny": the article elided before a vowel."""
    return f"d'{name}" if name[:1].lower() in "aâàeéèêëiîïoôuûüy" else f"de {name}"
