"""Elected officials in the administration: the day a mandate ends, typed with the role, and
the ends coming up, shown to the towns' administrators."""

from __future__ import annotations

from typing import Any

from hub.portal.web import Visit

SOON = 90
"""Days ahead the administration lists the mandates that end."""


def mandate_end(v: Visit, role: str) -> str | None:
    """The form's mandate end, sent only with the ELECTED role (a date left in the field while
    choosing another role is not a mistake worth refusing)."""
    return (v.field("mandateEnd") or None) if role == "ELECTED" else None


async def upcoming(v: Visit, slug: str | None = None) -> list[dict[str, Any]]:
    """The mandates ending within ``SOON`` days in the towns I administer (in one town)."""
    answer = await v.run("MandateEnds", {"within": SOON})
    found: list[dict[str, Any]] = answer.data.get("mandateEnds") or []
    return [m for m in found if slug is None or m["town"]["slug"] == slug]
