"""The demo's calendars: November 2026 in Igny, Bièvres and Vauhallan.

Camille's weekly office hours (*permanences*) give 10 h a week in Igny, 6 h in Bièvres and
4 h in Vauhallan: the agreed 0.5 / 0.3 / 0.2. Councils, commissions and the civil register
fill the month, and on Tuesday 17 November a CCAS meeting in Vauhallan overlaps Camille's
afternoon in Bièvres: the double-booking the agenda shows as a conflict.

Idempotent: every event has a fixed UID and is created only if missing.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from connectors.calendar.port import CalendarStore
from connectors.errors import Conflict
from hub.agenda.calendars import TownCalendars
from hub.agenda.ical import PEOPLE_PROPERTY, PRODID, TOWN_PROPERTY, EventPerson
from hub.agenda.ical_write import add_timezones, build_event
from hub.people.repository import PersonRepository
from hub.services import Services

PARIS = ZoneInfo("Europe/Paris")
SERIES_START = date(2026, 9, 7)  # a Monday: the permanences run from September on
# When the demo's events were "written": before the months they fill, so that no report shows
# them as changed after its month ended (hub.allocation.late_changes).
WRITTEN = datetime(2026, 8, 31, 8, 0, tzinfo=UTC)

# (town, uid, title, weekday, start "HH:MM", end "HH:MM")
PERMANENCES = [
    ("igny", "perm-igny-lun-matin", "Permanence de Camille", 0, "09:00", "12:00"),
    ("igny", "perm-igny-lun-aprem", "Permanence de Camille", 0, "13:30", "17:30"),
    ("igny", "perm-igny-jeu-matin", "Permanence de Camille", 3, "09:00", "12:00"),
    ("bievres", "perm-bievres-mar-matin", "Permanence de Camille", 1, "09:00", "12:00"),
    ("bievres", "perm-bievres-mar-aprem", "Permanence de Camille", 1, "13:30", "16:30"),
    ("vauhallan", "perm-vauhallan-jeu-aprem", "Permanence de Camille", 3, "14:00", "18:00"),
]

# (town, uid, title, day, start, end, location, people)
EVENTS = [
    (
        "igny",
        "igny-cm-11",
        "Conseil municipal",
        19,
        "20:00",
        "22:30",
        "Salle du conseil",
        ["camille"],
    ),
    (
        "igny",
        "igny-urba-11",
        "Commission urbanisme",
        10,
        "18:00",
        "19:30",
        "Mairie, salle 2",
        ["camille", "louis"],
    ),
    (
        "igny",
        "igny-mariage-21",
        "État civil : mariage Durand–Lefèvre",
        21,
        "11:00",
        "12:00",
        "Salle des mariages",
        ["louis"],
    ),
    (
        "bievres",
        "bievres-cm-11",
        "Conseil municipal",
        26,
        "20:30",
        "22:30",
        "Mairie de Bièvres",
        ["camille"],
    ),
    ("bievres", "bievres-urba-11", "Commission urbanisme", 4, "18:00", "19:30", "Mairie", ["ines"]),
    (
        "vauhallan",
        "vauhallan-cm-11",
        "Conseil municipal",
        24,
        "20:00",
        "22:00",
        "Salle polyvalente",
        ["camille"],
    ),
    (
        "vauhallan",
        "vauhallan-ccas-17",
        "Réunion du CCAS",
        17,
        "15:00",
        "16:30",
        "Mairie",
        ["camille"],
    ),
]

ALL_DAY = [("igny", "igny-formation-05", "Formation état civil (Louis)", 5, ["louis"])]


def _at(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=PARIS)


def permanence_ical(
    uid: str, title: str, weekday: int, start: str, end: str, town: str, person: EventPerson
) -> str:
    """A weekly series in Paris time (so it keeps its hours across daylight saving)."""
    first = SERIES_START + timedelta(days=weekday)
    base = icalendar.Calendar.from_ical(
        build_event(
            uid,
            title,
            _at(first, start),
            _at(first, end),
            False,
            "Mairie",
            "",
            [person],
            town,
            stamp=WRITTEN,
        )
    )
    event = base.walk("VEVENT")[0]
    for name in ("DTSTART", "DTEND"):
        event.pop(name)
    event.add("DTSTART", _at(first, start))
    event.add("DTEND", _at(first, end))
    event.add("RRULE", {"FREQ": "WEEKLY"})
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add_component(event)
    add_timezones(calendar)
    assert event.get(PEOPLE_PROPERTY) is not None and event.get(TOWN_PROPERTY) is not None
    return str(calendar.to_ical().decode("utf-8"))


async def _create(store: CalendarStore, town: str, uid: str, ical: str) -> None:
    with contextlib.suppress(Conflict):  # seeded already
        await store.put(TownCalendars.calendar_id(town), uid, ical, None)


async def seed_agendas(services: Services) -> None:
    """Create the demo's events in the towns' calendars (skipped without a calendar server)."""
    calendars = services.backends.calendars
    if services.backends.calendar is None:
        return
    async with services.sessions() as session:
        people = {
            name: person
            for name in ("camille", "louis", "ines")
            if (person := await PersonRepository(session).by_username(name)) is not None
        }
    booked = {n: EventPerson(p.id, p.display_name, p.email) for n, p in people.items()}
    camille = booked["camille"]
    for town, uid, title, weekday, start, end in PERMANENCES:
        ical = permanence_ical(uid, title, weekday, start, end, town, camille)
        await _create(calendars.store_for(town), town, uid, ical)
    for town, uid, title, day_number, start, end, place, names in EVENTS:
        day = date(2026, 11, day_number)
        ical = build_event(
            uid,
            title,
            _at(day, start),
            _at(day, end),
            False,
            place,
            "",
            [booked[n] for n in names],
            town,
            stamp=WRITTEN,
        )
        await _create(calendars.store_for(town), town, uid, ical)
    for town, uid, title, day_number, names in ALL_DAY:
        day = date(2026, 11, day_number)
        guests = [booked[n] for n in names]
        ical = build_event(
            uid, title, day, day + timedelta(days=1), True, "", "", guests, town, stamp=WRITTEN
        )
        await _create(calendars.store_for(town), town, uid, ical)
