"""Checks on what identifies a town, done at the edge before anything is written."""

from __future__ import annotations

import re
import unicodedata

from hub.errors import BadInput

SLUG = re.compile(r"[a-z0-9-]{2,63}")
# Departments 01–95 without 20 (Corsica has been 2A/2B since 1976), overseas 971–978,
# and the Pacific collectivities 984–989.
INSEE_CODE = re.compile(r"(?:0[1-9]|1\d|[3-8]\d|9[0-5])\d{3}|2[AB]\d{3}|97[1-8]\d{2}|98[4-9]\d{2}")
NAME_MAX = 200


def slug(value: str) -> str:
    if not SLUG.fullmatch(value) or value.startswith("-") or value.endswith("-"):
        raise BadInput(
            "A town's slug is 2 to 63 lowercase letters, digits or hyphens, "
            "not starting or ending with a hyphen (e.g. 'igny').",
            field="slug",
        )
    return value


def insee_code(value: str) -> str:
    code = value.strip().upper()
    if not INSEE_CODE.fullmatch(code):
        raise BadInput(
            "The INSEE code is the commune's official 5-character code, e.g. '91312', "
            "'2A004' in Corsica, '97411' overseas.",
            field="inseeCode",
        )
    return code


def display_name(value: str, *, field: str = "name") -> str:
    name = unicodedata.normalize("NFC", " ".join(value.split()))
    if not name or len(name) > NAME_MAX:
        raise BadInput(f"A name has 1 to {NAME_MAX} characters.", field=field)
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise BadInput("A name cannot contain control characters.", field=field)
    return name
