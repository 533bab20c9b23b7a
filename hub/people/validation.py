"""Checks on people's identifiers and agreed shares."""

from __future__ import annotations

import math
import re
from datetime import date

from hub.errors import BadInput
from hub.people.models import Role

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Deliberately loose: the directory sends a verification e-mail, which is the real check.
EMAIL = re.compile(r"[^@\s<>\"]{1,64}@[^@\s<>\"]{1,189}\.[^@\s<>\".]{2,63}")
SHARE_TOLERANCE = 1e-9


def username(value: str) -> str:
    if not USERNAME.fullmatch(value):
        raise BadInput(
            "A username is 2 to 64 lowercase letters, digits, dots, hyphens or underscores.",
            field="username",
        )
    return value


def email(value: str) -> str:
    address = value.strip()
    if len(address) > 254 or not EMAIL.fullmatch(address):
        raise BadInput(f"'{value}' is not an e-mail address.", field="email")
    return address


def share(value: float | None, others: float) -> float | None:
    """A share is a fraction of working time; with the person's other towns it stays ≤ 1."""
    if value is None:
        return None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise BadInput("A share is a fraction of working time between 0 and 1.", field="share")
    if others + value > 1 + SHARE_TOLERANCE:
        raise BadInput(
            f"With this share the person's agreed time would be {others + value:.0%} "
            "of a full post; lower another town's share first.",
            field="share",
        )
    return value


MANDATE_YEARS = 7
"""A municipal mandate lasts six years; a later end is a typing mistake."""


def mandate_end(role: Role, value: date | None, today: date) -> date | None:
    """An elected official's membership needs the day their mandate ends; no other role has
    one."""
    if role is not Role.ELECTED:
        if value is not None:
            raise BadInput(
                "Only an elected official's membership has a mandate end.", field="mandateEnd"
            )
        return None
    if value is None:
        raise BadInput("Give the day the elected official's mandate ends.", field="mandateEnd")
    if not today < value <= today.replace(year=today.year + MANDATE_YEARS):
        raise BadInput(
            f"A mandate ends after today and within {MANDATE_YEARS} years.", field="mandateEnd"
        )
    return value
