"""The agenda: a week of the towns I can see, and its events created, moved and deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from hub.portal.agenda_view import month_url, view, week_url
from hub.portal.dates import MonthGrid, Week, parse_instant, today
from hub.portal.event_form import (
    SCOPES,
    EventForm,
    api_input,
    blank,
    of_event,
    place_problems,
    typed,
)
from hub.portal.i18n import N_, PARIS
from hub.portal.nav import Nav, page
from hub.portal.web import Refused, Visit

FORM_FIELDS = (
    "id",
    "etag",
    "week",
    "town",
    "title",
    "day",
    "start",
    "end",
    "end_day",
    "all_day",
    "location",
    "description",
    "with_me",
    "repeat",
    "repeat_until",
    "repeat_was",
    "repeat_until_was",
    "scope",
)


async def find_event(v: Visit, event_id: str, week: Week) -> dict[str, Any]:
    answer = await v.run("Agenda", {"start": week.start.isoformat(), "end": week.end.isoformat()})
    for event in (answer.data.get("agenda") or {}).get("events", []):
        if event["id"] == event_id:
            start = parse_instant(event["start"]).astimezone(PARIS)
            end = parse_instant(event["end"]).astimezone(PARIS)
            return {**event, "start_at": start, "end_at": end}
    raise Refused(404, "Cet événement n'existe plus.")


def posted(v: Visit) -> EventForm:
    values = {name: v.field(name) for name in FORM_FIELDS}
    people = [p for p in (v.form.getlist("people") if v.form else []) if isinstance(p, str)]
    return typed(values, people, v.field("recurring") == "1")


def form_page(v: Visit, nav: Nav, form: EventForm, week: Week, status: int = 200) -> Response:
    return v.render("event_form.html", {"nav": nav, "form": form, "week": week}, status=status)


async def submit(v: Visit, operation: str, success: str) -> Response:
    """Create or update from the posted form; refused, the form comes back as typed."""
    nav = await page(v)
    form = posted(v)
    values = api_input(form, nav.person_id, v.language)
    if values is not None:
        variables: dict[str, Any] = {"input": values}
        if operation == "UpdateEvent":
            scope = form.values.get("scope") if form.recurring else None
            variables |= {
                "id": form.values.get("id", ""),
                "etag": form.values.get("etag") or None,
                "scope": scope if scope in SCOPES else None,
            }
        answer = await v.run(operation, variables)
        if answer.ok:
            return v.done(week_url(week_of(form).key), success, title=values["title"])
        place_problems(form, answer.problems, v.language, v.explain)
    return form_page(v, nav, form, week_of(form), status=400)


def week_of(form: EventForm) -> Week:
    try:
        return Week.of(date.fromisoformat(form.values.get("day", "")))
    except ValueError:
        return Week.of(today())


def routes(router: APIRouter, visit: Callable[..., Any]) -> None:
    @router.get("/agenda")
    async def agenda_page(
        v: Visit = Depends(visit),
        week: str | None = None,
        month: str | None = None,
        town: list[str] = Query(default=[]),
    ) -> Response:
        nav = await page(v)
        now = today()
        if month is not None:
            grid = MonthGrid.parse(month, now)
            start, end, days = grid.start, grid.end, grid.days
            pages = {
                "previous": month_url(grid.shifted(-1).key, town),
                "following": month_url(grid.shifted(1).key, town),
                "other_view": week_url(
                    Week.of(grid.first if grid != MonthGrid.of(now) else now).key, town
                ),
            }
            shown_week = Week.of(grid.first)
        else:
            shown_week = Week.parse(week, now)
            grid = None
            start, end, days = shown_week.start, shown_week.end, shown_week.days
            pages = {
                "previous": week_url(shown_week.shifted(-1).key, town),
                "following": week_url(shown_week.shifted(1).key, town),
                "other_view": month_url(
                    MonthGrid.of(now if Week.of(now) == shown_week else shown_week.monday).key,
                    town,
                ),
            }
        answer = await v.run(
            "Agenda", {"start": start.isoformat(), "end": end.isoformat(), "towns": town or None}
        )
        return v.render(
            "agenda.html",
            {
                "nav": nav,
                "week": shown_week,
                "grid": grid,
                "today": now,
                "chosen": town,
                "agenda": view(answer, days, nav.town_order),
                "problems": v.explain(answer.problems),
                **pages,
            },
        )

    @router.get("/agenda/events/new")
    async def new_event(
        v: Visit = Depends(visit), day: str = "", town: str = "", week: str = ""
    ) -> Response:
        nav = await page(v)
        shown = Week.parse(week, today())
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            chosen = today() if Week.of(today()) == shown else shown.monday
        towns = [t["slug"] for t in nav.towns]
        form = blank(town if town in towns else (towns[0] if towns else ""), chosen)
        return form_page(v, nav, form, Week.of(chosen))

    @router.post("/agenda/events")
    async def create_event(v: Visit = Depends(visit)) -> Response:
        return await submit(v, "CreateEvent", N_("L'événement « %(title)s » a été créé."))

    @router.get("/agenda/events/edit")
    async def edit_event(v: Visit = Depends(visit), id: str = "", week: str = "") -> Response:
        nav = await page(v)
        shown = Week.parse(week, today())
        form = of_event(await find_event(v, id, shown), nav.person_id)
        form.values["week"] = shown.key
        return form_page(v, nav, form, shown)

    @router.post("/agenda/events/edit")
    async def update_event(v: Visit = Depends(visit)) -> Response:
        return await submit(v, "UpdateEvent", N_("L'événement « %(title)s » a été modifié."))

    @router.get("/agenda/events/delete")
    async def confirm_delete_event(
        v: Visit = Depends(visit), id: str = "", week: str = ""
    ) -> Response:
        nav = await page(v)
        shown = Week.parse(week, today())
        event = await find_event(v, id, shown)
        choices = None
        if event.get("recurring"):
            day = v.language.day(event["start_at"], "EEEE d MMMM")
            choices = [
                ("OCCURRENCE", v.language.gettext("cet événement seulement (%(day)s)", day=day)),
                ("FOLLOWING", v.language.gettext("celui-ci et les suivants")),
                ("SERIES", v.language.gettext("toute la série")),
            ]
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
                "choices": choices,
                "choices_legend": v.language.gettext("Cet événement se répète. Supprimer :"),
                "confirm": v.language.gettext("Supprimer"),
                "cancel": week_url(shown.key),
            },
        )

    @router.post("/agenda/events/delete")
    async def delete_event(v: Visit = Depends(visit)) -> Response:
        target = week_url(v.field("week"))
        scope = v.field("choice")
        answer = await v.run(
            "DeleteEvent",
            {
                "id": v.field("id"),
                "etag": v.field("etag") or None,
                "scope": scope if scope in SCOPES else None,
            },
        )
        if not answer.ok:
            return v.failed(target, answer.problems)
        return v.done(target, "L'événement a été supprimé.")
