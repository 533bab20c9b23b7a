"""The event form: what was typed, what the API gets, and each refusal next to its field.

A refused form comes back as it was typed (never a redirect that loses it), each error beside
the field it is about. Times are Paris wall-clock times; an all-day event covers whole days,
its last day included in the form (exclusive in the API, as in iCalendar). The repetition is
one of the usual ones, its rule computed from the chosen day (every week, every two weeks,
every month on the n-th or the last same weekday); a rule written elsewhere is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.portal.client import Problem
from hub.portal.dates import parse_instant
from hub.portal.i18n import N_, PARIS, Language

REPEATS = ("none", "weekly", "biweekly", "monthly", "monthly-last")
KEEP = "keep"
SCOPES = ("OCCURRENCE", "FOLLOWING", "SERIES")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# Where an API refusal goes in the form, and what it says there.
FIELD_OF = {
    "title": "title",
    "start": "start",
    "end": "end",
    "recurrence": "repeat",
    "town": "town",
    "people": "with_me",
    "location": "location",
    "description": "description",
}
SAYS = {
    "title": N_("Donnez un titre à l'événement (200 caractères au plus)."),
    "start": N_("Vérifiez la date et l'heure de début."),
    "end": N_("La fin doit venir après le début, et un événement dure au plus 366 jours."),
    "repeat": N_(
        "Cette répétition n'est pas possible à cette date : vérifiez la date de fin "
        "de la répétition."
    ),
    "town": N_("Choisissez une de vos communes. Un événement reste dans sa commune."),
    "with_me": N_("Seuls les membres de la commune peuvent participer à ses événements."),
    "location": N_("Le lieu est trop long (500 caractères au plus)."),
    "description": N_("La description est trop longue (10 000 caractères au plus)."),
}
MALFORMED = N_("Saisissez une date au format jj/mm/aaaa et une heure au format hh:mm.")
REPEAT_ONE = N_(
    "Pour changer la répétition, choisissez « celui-ci et les suivants » ou « toute la série »."
)


@dataclass
class EventForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    """Field name → sentence, already in the page's language."""
    problems: list[str] = field(default_factory=list)
    """Refusals about no field in particular."""
    people: list[str] = field(default_factory=list)
    """Others the event books (kept as they are)."""
    recurring: bool = False
    custom_rule: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.errors or self.problems)


def repeat_of(rule: str | None, day: date) -> tuple[str, str]:
    """The form's repetition choice for ``rule`` on ``day``, and its end ("" when none);
    KEEP for a rule the form cannot show."""
    if not rule:
        return "none", ""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    until = parts.pop("UNTIL", "")
    until_day = f"{until[:4]}-{until[4:6]}-{until[6:8]}" if len(until) >= 8 else ""
    weekday = DAYS[day.weekday()]
    choices = {
        "weekly": {"FREQ": "WEEKLY"},
        "biweekly": {"FREQ": "WEEKLY", "INTERVAL": "2"},
        "monthly": {"FREQ": "MONTHLY", "BYDAY": f"{nth(day)}{weekday}"},
        "monthly-last": {"FREQ": "MONTHLY", "BYDAY": f"-1{weekday}"},
    }
    for name, wanted in choices.items():
        if parts == wanted:
            return name, until_day
    return KEEP, ""


def nth(day: date) -> int:
    """Which same weekday of its month ``day`` is (1 to 5)."""
    return (day.day - 1) // 7 + 1


def rule_for(repeat: str, day: date, until: date | None) -> str | None:
    """The RRULE for a choice of the form; None keeps the current one ("" for none)."""
    weekday = DAYS[day.weekday()]
    rules = {
        "none": "",
        "weekly": "FREQ=WEEKLY",
        "biweekly": "FREQ=WEEKLY;INTERVAL=2",
        # The fifth same weekday is not in every month: "the last" is what people mean.
        "monthly": f"FREQ=MONTHLY;BYDAY={nth(day) if nth(day) < 5 else -1}{weekday}",
        "monthly-last": f"FREQ=MONTHLY;BYDAY=-1{weekday}",
    }
    if repeat not in rules:
        return None
    rule = rules[repeat]
    if rule and until is not None:
        rule += f";UNTIL={until.strftime('%Y%m%d')}"
    return rule


def blank(town: str, day: date) -> EventForm:
    return EventForm(
        {
            "town": town,
            "title": "",
            "day": day.isoformat(),
            "start": "09:00",
            "end": "10:00",
            "end_day": "",
            "all_day": "",
            "location": "",
            "description": "",
            "with_me": "1",
            "repeat": "none",
            "repeat_until": "",
            "scope": "OCCURRENCE",
        }
    )


def of_event(event: dict[str, Any], me: str) -> EventForm:
    """The form of an event read from the agenda (an occurrence of it)."""
    start = parse_instant(event["start"]).astimezone(PARIS)
    end = parse_instant(event["end"]).astimezone(PARIS)
    all_day = bool(event["allDay"])
    last_day = (end - timedelta(days=1)).date() if all_day else end.date()
    repeat, until = repeat_of(event.get("recurrence"), start.date())
    if event.get("recurring") and not event.get("recurrence"):
        repeat = KEEP
    people = [p["id"] for p in event["people"]]
    return EventForm(
        {
            "id": event["id"],
            "etag": event.get("etag") or "",
            "town": event["town"]["slug"],
            "title": event["title"],
            "day": start.date().isoformat(),
            "start": "09:00" if all_day else start.strftime("%H:%M"),
            "end": "10:00" if all_day else end.strftime("%H:%M"),
            "end_day": "" if last_day == start.date() else last_day.isoformat(),
            "all_day": "1" if all_day else "",
            "location": event.get("location") or "",
            "description": event.get("description") or "",
            "with_me": "1" if me in people else "",
            "repeat": repeat,
            "repeat_until": until,
            "repeat_was": repeat,
            "scope": "OCCURRENCE",
        },
        people=[p for p in people if p != me],
        recurring=bool(event.get("recurring")),
        custom_rule=event.get("recurrence") or "",
    )


def typed(form: dict[str, str], people: list[str], recurring: bool) -> EventForm:
    """The form as posted."""
    return EventForm(dict(form), people=people, recurring=recurring)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def api_input(form: EventForm, me: str, language: Language) -> dict[str, Any] | None:
    """The EventInput for the API; None (and errors in the form) when a date or time cannot
    be read, or the repetition is changed for one occurrence."""
    values = form.values
    try:
        first = _day(values.get("day", ""))
        last = _day(values["end_day"]) if values.get("end_day") else first
        until = _day(values["repeat_until"]) if values.get("repeat_until") else None
    except ValueError:
        form.errors["day"] = language.gettext(MALFORMED)
        return None
    all_day = values.get("all_day") == "1"
    try:
        if all_day:
            start = datetime.combine(first, time(), PARIS)
            end = datetime.combine(last + timedelta(days=1), time(), PARIS)
        else:
            start = datetime.combine(first, time.fromisoformat(values.get("start", "")), PARIS)
            end = datetime.combine(last, time.fromisoformat(values.get("end", "")), PARIS)
    except ValueError:
        form.errors["start"] = language.gettext(MALFORMED)
        return None
    repeat = values.get("repeat", "none")
    scope = values.get("scope", "OCCURRENCE")
    changed_repeat = repeat != values.get("repeat_was", repeat) or (
        values.get("repeat_until", "")
        != values.get("repeat_until_was", values.get("repeat_until", ""))
    )
    if form.recurring and scope == "OCCURRENCE" and changed_repeat:
        form.errors["repeat"] = language.gettext(REPEAT_ONE)
        return None
    people = list(form.people)
    if values.get("with_me") == "1" and me not in people:
        people.append(me)
    recurrence = (
        None if form.recurring and scope == "OCCURRENCE" else rule_for(repeat, first, until)
    )
    return {
        "town": values.get("town", ""),
        "title": values.get("title", ""),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "allDay": all_day,
        "location": values.get("location") or None,
        "description": values.get("description") or None,
        "people": people,
        "recurrence": recurrence,
    }


def place_problems(
    form: EventForm, problems: list[Problem], language: Language, general: Any
) -> None:
    """Each refusal beside its field (BAD_INPUT on a known field), the others above the form."""
    for problem in problems:
        name = FIELD_OF.get(problem.field or "")
        if problem.code == "BAD_INPUT" and name is not None:
            form.errors.setdefault(name, language.gettext(SAYS[name]))
        else:
            for text in general([problem]):
                if text not in form.problems:
                    form.problems.append(text)
