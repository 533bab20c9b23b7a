"""My calendar subscription: create (or replace) and revoke the secret address of my agenda.

The address is shown once, on the page that answers its creation (never in a redirect, a
flash message or a log): the hub keeps only its hash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.portal.nav import page
from hub.portal.web import Visit

PAGE = "/agenda/subscription"


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get(PAGE)
    async def subscription(v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        answer = await v.run("CalendarFeed")
        v.refuse_unless_ok(answer)
        return v.render(
            "subscription.html", {"nav": nav, "feed": answer.data["calendarFeed"], "url": None}
        )

    @router.post(PAGE)
    async def create(v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        answer = await v.run("CreateCalendarFeed")
        if not answer.ok:
            return v.failed(PAGE, answer.problems)
        feed = answer.data["createCalendarFeed"]
        response = v.render("subscription.html", {"nav": nav, "feed": feed, "url": feed["url"]})
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.post(f"{PAGE}/revoke")
    async def revoke(v: Visit = Depends(visit)) -> Response:
        answer = await v.run("RevokeCalendarFeed")
        if not answer.ok:
            return v.failed(PAGE, answer.problems)
        return v.done(PAGE, "L'adresse d'abonnement est révoquée : elle ne fonctionne plus.")
