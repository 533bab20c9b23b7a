"""The portal's language (French by default, English available) and French-style formatting.

The message ids are the French texts; the English catalogue translates them. The language
follows the browser's Accept-Language until the person picks one (a cookie).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LOCALES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "entente_lang"
PARIS = ZoneInfo("Europe/Paris")
CATALOGUES = Path(str(files("hub.portal") / "locale"))


NBSP, NARROW_NBSP = "\u00a0", "\u202f"
_SPACED = re.compile(r" ([:;!?»]|%(?!\())")  # "%(name)s" is a placeholder, not a percent
_OPENING = re.compile(r"« ")
_FIRST = re.compile(r"(?<!\d)1(?!\d)")


def french_spacing(text: str) -> str:
    """The spaces French typography wants unbroken: before ``:`` and ``%`` and inside
    guillemets a no-break space, before ``; ! ?`` a narrow one."""
    text = _OPENING.sub("«" + NBSP, text)
    return _SPACED.sub(lambda m: (NARROW_NBSP if m.group(1) in ";!?" else NBSP) + m.group(1), text)


def N_(message: str) -> str:
    """Marks a message id for extraction where it is translated later."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    return Translations.load(str(CATALOGUES), [lang], domain="messages")


def negotiate(request: Request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    wanted = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((quality, tag.replace("-", "_")))
    ordered = [tag for _, tag in sorted(wanted, key=lambda item: -item[0])]
    found = Locale.negotiate(ordered, list(LOCALES)) if ordered else None
    return str(found) if found is not None else DEFAULT


@dataclass(frozen=True)
class Language:
    """What a template needs to speak and format in one language."""

    code: str

    def gettext(self, message: str, **values: Any) -> str:
        text = self._typeset(translations(self.code).gettext(message))
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._typeset(translations(self.code).ngettext(singular, plural, n))
        return text % {"num": n, **values}

    def _typeset(self, text: str) -> str:
        """French typography in the portal's own sentences (never in what people typed, which
        is put in afterwards): no-break spaces inside « » and before : ; ! ? %."""
        return french_spacing(text) if self.code == "fr" else text

    def plural_forms(self, singular: str, plural: str, **values: str) -> dict[str, str]:
        """Both forms of a message for a script to choose from with Intl.PluralRules ("one",
        "other"), placeholders such as ``num="{done}"`` left for the script to fill."""
        catalogue = translations(self.code)
        forms = {
            "one": catalogue.ngettext(singular, plural, 1),
            "other": catalogue.ngettext(singular, plural, 2),
        }
        return {
            key: self._typeset(text).replace("%(num)d", values.get("num", "{num}")) % values
            for key, text in forms.items()
        }

    def day(self, value: date | datetime, style: str = "full") -> str:
        """A day, e.g. "lundi 30 novembre" — and in French "mardi 1er décembre"."""
        if isinstance(value, datetime):
            value = value.astimezone(PARIS).date()
        text = format_date(value, format=style, locale=self.code)
        if self.code == "fr" and value.day == 1:
            text = _FIRST.sub("1er", text, count=1)
        return text

    def clock(self, value: datetime) -> str:
        return format_time(value, format="HH:mm", tzinfo=PARIS, locale=self.code)

    def moment(self, value: datetime) -> str:
        return format_datetime(value, format="medium", tzinfo=PARIS, locale=self.code)

    def long_moment(self, value: datetime) -> str:
        """A day and a time as French administration writes them: "1er décembre 2026 à 9 h",
        "3 décembre 2026 à 14 h 05" (English: babel's long date and time)."""
        local = value.astimezone(PARIS)
        if self.code != "fr":
            return format_datetime(local, format="d MMMM y, HH:mm", tzinfo=PARIS, locale=self.code)
        return f"{self.long_day(local)} à {self.hour(local)}"

    def long_day(self, value: date | datetime) -> str:
        """ "1er décembre 2026", "3 décembre 2026" (English: "1 December 2026")."""
        if isinstance(value, datetime):
            value = value.astimezone(PARIS).date()
        return self.day(value, "d MMMM y")

    def hour(self, value: datetime) -> str:
        """ "9 h", "14 h 05" in French; "09:00" otherwise."""
        local = value.astimezone(PARIS)
        if self.code != "fr":
            return self.clock(local)
        return f"{local.hour}\u00a0h" + (f"\u00a0{local.minute:02d}" if local.minute else "")

    def number(self, value: float, digits: int = 1) -> str:
        return format_decimal(value, format=f"#,##0.{'#' * digits}", locale=self.code)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.code)

    def size(self, size: int) -> str:
        """A file's size in octets, Ko, Mo or Go (powers of 1024, as file managers show them)."""
        for unit, name in ((1024**3, N_("%(size)s Go")), (1024**2, N_("%(size)s Mo"))):
            if size >= unit:
                return self.gettext(name, size=self.number(size / unit))
        if size >= 1024:
            return self.gettext(N_("%(size)s Ko"), size=self.number(size / 1024))
        return self.ngettext("%(num)d octet", "%(num)d octets", size)

    def month(self, value: date) -> str:
        return format_date(value, format="LLLL y", locale=self.code)

    def functions(self) -> dict[str, Callable[..., str] | str]:
        return {
            "lang": self.code,
            "_": self.gettext,
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "fmt_date": self.day,
            "fmt_time": self.clock,
            "fmt_datetime": self.moment,
            "fmt_moment": self.long_moment,
            "fmt_long_day": self.long_day,
            "fmt_hour": self.hour,
            "fmt_number": self.number,
            "fmt_percent": self.percent,
            "fmt_month": self.month,
            "fmt_size": self.size,
        }


def language(request: Request) -> Language:
    return Language(negotiate(request))
