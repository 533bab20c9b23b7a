"""The agenda: a week of the towns I can see, and its events created, moved and deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from hub.portal.client import Answer
from hub.portal.dates import Week, local, parse_instant, today
from hub.portal.i18n import PARIS
from hub.portal.nav import page
from hub.portal.web import Refused, Visit

COLOURS = 6  # town colours in the style sheet: .town-0 … .town-5


def view(answer: Answer, week: Week, town_order: dict[str, int]) -> dict[str, Any]:
    """The week's events per day, each with its town's colour and a conflict mark."""
    data = answer.data.get("agenda") or {"events": [], "conflicts": [], "errors": []}
    in_conflict: dict[str, list[str]] = {}
    for conflict in data["conflicts"]:
        for side, other in (("first", "second"), ("second", "first")):
            in_conflict.setdefault(conflict[side]["id"], []).append(
                conflict[other].get("title") or conflict["person"]["displayName"]
            )
    days: dict[date, list[dict[str, Any]]] = {day: [] for day in week.days}
    for event in data["events"]:
        start, end = parse_instant(event["start"]), parse_instant(event["end"])
        day = start.astimezone(PARIS).date()
        shown = {
            **event,
            "start_at": start,
            "end_at": end,
            "colour": town_order.get(event["town"]["slug"], 0) % COLOURS,
            "conflicts_with": in_conflict.get(event["id"], []),
        }
        days.setdefault(day, []).append(shown)
    return {
        "days": [(day, sorted(days[day], key=lambda e: e["start_at"])) for day in week.days],
        "conflicts": data["conflicts"],
        "errors": data["errors"],
        "count": len(data["events"]),
    }


def week_url(week: str, towns: list[str] | None = None) -> str:
    return "/agenda?" + urlencode([("week", week), *[("town", t) for t in towns or []]])


def event_input(v: Visit, me: str) -> dict[str, Any]:
    """The EventInput typed in the form; Refused when a date or time is malformed."""
    try:
        start = local(v.field("day"), v.field("start"))
        end = local(v.field("day"), v.field("end"))
    except ValueError as exc:
        raise Refused(400, "La date ou l'heure saisie n'est pas valide.") from exc
    people = [p for p in (v.form.getlist("people") if v.form else []) if isinstance(p, str)]
    if v.field("with_me") and me not in people:
        people.append(me)
    return {
        "town": v.field("town"),
        "title": v.field("title"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "location": v.field("location") or None,
        "description": v.field("description") or None,
        "people": people,
    }


async def find_event(v: Visit, event_id: str, week: Week) -> dict[str, Any]:
    answer = await v.run("Agenda", {"start": week.start.isoformat(), "end": week.end.isoformat()})
    for event in (answer.data.get("agenda") or {}).get("events", []):
        if event["id"] == event_id:
            start = parse_instant(event["start"]).astimezone(PARIS)
            end = parse_instant(event["end"]).astimezone(PARIS)
            return {**event, "start_at": start, "end_at": end}
    raise Refused(404, "Cet événement n'existe plus.")


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/agenda")
    async def agenda_week(
        v: Visit = Depends(visit),
        week: str | None = None,
        town: list[str] = Query(default=[]),
    ) -> Response:
        nav = await page(v)
        shown = Week.parse(week, today())
        answer = await v.run(
            "Agenda",
            {"start": shown.start.isoformat(), "end": shown.end.isoformat(), "towns": town or None},
        )
        return v.render(
            "agenda.html",
            {
                "nav": nav,
                "week": shown,
                "previous": week_url(shown.shifted(-1).key, town),
                "following": week_url(shown.shifted(1).key, town),
                "chosen": town,
                "agenda": view(answer, shown, nav.town_order),
                "problems": v.explain(answer.problems),
                "default_day": (today() if Week.of(today()) == shown else shown.monday),
            },
        )

    @router.post("/agenda/events")
    async def create_event(v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        values = event_input(v, nav.person_id)
        target = week_url(Week.of(date.fromisoformat(v.field("day"))).key)
        answer = await v.run("CreateEvent", {"input": values})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "L'événement « %(title)s » a été créé.", title=values["title"])

    @router.get("/agenda/events/edit")
    async def edit_event(v: Visit = Depends(visit), id: str = "", week: str = "") -> Response:
        nav = await page(v)
        shown = Week.parse(week, today())
        event = await find_event(v, id, shown)
        return v.render("event_form.html", {"nav": nav, "event": event, "week": shown})

    @router.post("/agenda/events/edit")
    async def update_event(v: Visit = Depends(visit)) -> Response:
        nav = await page(v)
        values = event_input(v, nav.person_id)
        target = week_url(Week.of(date.fromisoformat(v.field("day"))).key)
        answer = await v.run(
            "UpdateEvent",
            {"id": v.field("id"), "input": values, "etag": v.field("etag") or None},
        )
        if not answer.ok:
            query = urlencode({"id": v.field("id"), "week": v.field("week")})
            back = f"/agenda/events/edit?{query}"
            return v.failed(back, answer.problems)
        return v.done(target, "L'événement « %(title)s » a été modifié.", title=values["title"])

    @router.get("/agenda/events/delete")
    async def confirm_delete_event(
        v: Visit = Depends(visit), id: str = "", week: str = ""
    ) -> Response:
        nav = await page(v)
        shown = Week.parse(week, today())
        event = await find_event(v, id, shown)
        return v.render(
            "confirm.html",
            {
                "nav": nav,
                "title": v.language.gettext("Supprimer un événement"),
                "question": v.language.gettext(
                    "Supprimer l'événement « %(title)s » ? Cette action est définitive.",
                    title=event["title"],
                ),
                "action": "/agenda/events/delete",
                "fields": {"id": event["id"], "etag": event["etag"] or "", "week": shown.key},
                "cancel": week_url(shown.key),
            },
        )

    @router.post("/agenda/events/delete")
    async def delete_event(v: Visit = Depends(visit)) -> Response:
        target = week_url(v.field("week"))
        answer = await v.run("DeleteEvent", {"id": v.field("id"), "etag": v.field("etag") or None})
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "L'événement a été supprimé.")
