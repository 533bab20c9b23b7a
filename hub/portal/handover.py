"""Handing a pooled post over, as a guided form: who leaves and who comes, from which day;
then the towns; then what will change (the API's preview), to confirm. Below, the latest
handovers, and the unfinished ones with a button to finish them. Hub admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from hub.portal.dates import today
from hub.portal.nav import page
from hub.portal.web import Refused, Visit

PAGE = "/admin/handover"


def _people(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(answer.get("people") or [], key=lambda p: p["displayName"])


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get(PAGE)
    async def handover(
        v: Visit = Depends(visit),
        outgoing: str = "",
        incoming: str = "",
        effective: str = "",
        towns: list[str] = Query(default=[]),
        offboard: str = "",
    ) -> Response:
        nav = await page(v)
        if not nav.hub_admin:
            raise Refused(403, "Cette page est réservée aux administrateurs du service commun.")
        people = _people((await v.run("People", {"search": None})).data)
        leaving = next((p for p in people if p["id"] == outgoing), None)
        chosen = {
            "outgoing": outgoing,
            "incoming": incoming,
            "effective": effective or (today() + timedelta(days=1)).isoformat(),
            "towns": towns[:50],
            "offboard": bool(offboard),
        }
        preview, problems = None, []
        if leaving and incoming and effective and towns:
            answer = await v.run(
                "HandOverPreview",
                {
                    "outgoing": outgoing,
                    "incoming": incoming,
                    "towns": chosen["towns"],
                    "effective": effective,
                },
            )
            preview, problems = answer.data.get("handOverPreview"), v.explain(answer.problems)
        recent = await v.run("Handovers")
        return v.render(
            "handover.html",
            {
                "nav": nav,
                "people": people,
                "leaving": leaving if incoming and effective else None,
                "chosen": chosen,
                "preview": preview,
                "problems": problems,
                "handovers": recent.data.get("handovers") or [],
            },
        )

    @router.post(PAGE)
    async def hand_over(v: Visit = Depends(visit)) -> Response:
        towns = [t for t in (v.form.getlist("towns") if v.form else []) if isinstance(t, str)]
        answer = await v.run(
            "HandOver",
            {
                "outgoing": v.field("outgoing"),
                "incoming": v.field("incoming"),
                "towns": towns[:50],
                "effective": v.field("effective"),
                "offboard": bool(v.field("offboard")),
            },
        )
        if not answer.ok:
            return v.failed(PAGE, answer.problems)
        result = answer.data["handOver"]
        names = {
            "outgoing": result["outgoing"]["displayName"],
            "incoming": result["incoming"]["displayName"],
        }
        if result["complete"]:
            return v.done(PAGE, "Le poste de %(outgoing)s est passé à %(incoming)s.", **names)
        v.flash(
            v.language.gettext(
                "La passation de %(outgoing)s à %(incoming)s n'est pas terminée : voyez ce qui "
                "reste ci-dessous et reprenez-la.",
                **names,
            ),
            "error",
        )
        return v.done(PAGE)
