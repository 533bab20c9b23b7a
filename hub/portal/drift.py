"""Drift in the administration: towns whose backends no longer hold what the hub expects,
checked again or repaired on request (the running hub checks every town daily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.portal.drift_text import sentences
from hub.portal.web import Visit


async def reports(v: Visit, town: str | None = None) -> list[dict[str, Any]]:
    """The last check of each town with drift, each drift in sentences (nothing on refusal:
    the pages showing it are the administrators')."""
    answer = await v.run("DriftReport", {"town": town})
    found: list[dict[str, Any]] = answer.data.get("driftReport") or []
    return [
        {
            **report,
            "sentences": [s for d in report["drifts"] for s in sentences(d, v.language)],
            "repairable": any(d["repairable"] for d in report["drifts"]),
        }
        for report in found
    ]


def _back(v: Visit) -> str:
    town = v.field("town")
    if v.field("from") == "town" and town:
        return f"/towns/{town}#drift-title"
    return "/admin#drift-title"


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.post("/admin/drift/check")
    async def check(v: Visit = Depends(visit)) -> Response:
        answer = await v.run("Reconcile", {"town": v.field("town") or None})
        if not answer.ok:
            return v.failed(_back(v), answer.problems)
        found = answer.data["reconcile"]
        if not found:
            return v.done(_back(v), "Vérification faite : aucun écart avec les services.")
        v.flash(
            v.language.ngettext(
                "Vérification faite : %(num)d écart avec les services.",
                "Vérification faite : %(num)d écarts avec les services.",
                len(found),
            ),
            "error",
        )
        return v.done(_back(v))

    @router.post("/admin/drift/repair")
    async def repair(v: Visit = Depends(visit)) -> Response:
        answer = await v.run("RepairDrift", {"town": v.field("town")})
        if not answer.ok:
            return v.failed(_back(v), answer.problems)
        result = answer.data["repairDrift"]
        repaired, remaining = len(result["repaired"]), len(result["remaining"])
        if repaired or not remaining:
            v.flash(
                v.language.ngettext(
                    "%(num)d écart réparé à %(town)s.",
                    "%(num)d écarts réparés à %(town)s.",
                    repaired,
                    town=result["town"]["name"],
                )
            )
        if remaining:
            v.flash(
                v.language.ngettext(
                    "%(num)d écart reste à %(town)s : voyez le détail ci-dessous.",
                    "%(num)d écarts restent à %(town)s : voyez le détail ci-dessous.",
                    remaining,
                    town=result["town"]["name"],
                ),
                "error",
            )
        return v.done(_back(v))
