"""The audit log page: who did what, for which town, when — in sentences, filtered by town,
person, kind of action and dates (hub admins: everything; town admins: their towns)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.portal.audit_text import FAMILIES, outcome, sentence
from hub.portal.i18n import PARIS
from hub.portal.nav import page
from hub.portal.web import Refused, Visit

AUDIT_PAGE = 25


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/admin/audit")
    async def audit(
        v: Visit = Depends(visit),
        town: str = "",
        after: str = "",
        person: str = "",
        family: str = "",
        since: str = "",
        until: str = "",
    ) -> Response:
        nav = await page(v)
        if not (nav.admin or nav.dpo):
            raise Refused(403, "Cette page est réservée aux administrateurs.")
        chosen = {
            "town": town,
            "person": person,
            "family": family if family in FAMILIES else "",
            "since": _day(since),
            "until": _day(until),
        }
        answer = await v.run(
            "AuditLog",
            {
                "town": town or None,
                "first": AUDIT_PAGE,
                "after": after or None,
                "person": person or None,
                "actions": FAMILIES[chosen["family"]][1] if chosen["family"] else None,
                "since": _midnight(chosen["since"]),
                "until": _midnight(chosen["until"], next_day=True),
            },
        )
        v.refuse_unless_ok(answer)
        log = answer.data["auditLog"]
        filters = {key: value for key, value in chosen.items() if value}
        following = None
        if log["next"]:
            following = "/admin/audit?" + urlencode({**filters, "after": log["next"]})
        return v.render(
            "audit.html",
            {
                "nav": nav,
                "entries": [
                    {**e, "sentence": sentence(e, v.language), "result": outcome(e, v.language)}
                    for e in log["entries"]
                ],
                "chosen": chosen,
                "towns": [
                    t for t in nav.towns if nav.administers(t["slug"]) or nav.protects(t["slug"])
                ],
                "people": sorted(answer.data.get("people") or [], key=lambda p: p["displayName"]),
                "families": [(key, label) for key, (label, _) in FAMILIES.items()],
                "following": following,
                "first_page": "/admin/audit" + (f"?{urlencode(filters)}" if filters else ""),
                "paged": bool(after),
            },
        )


def _day(text: str) -> str:
    """A day typed in a filter (YYYY-MM-DD), "" when it is not one."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return ""


def _midnight(day: str, *, next_day: bool = False) -> str | None:
    """The start of ``day`` in Paris (of the day after, for an inclusive end) as RFC 3339."""
    if not day:
        return None
    moment = datetime.combine(date.fromisoformat(day), time(), PARIS)
    return (moment + timedelta(days=1) if next_day else moment).isoformat()
