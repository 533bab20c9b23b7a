"""Calendar objects read (hub.agenda.ical), expanded (hub.agenda.expansion) and written
(hub.agenda.ical_write)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.agenda.expansion import expand, expand_object
from hub.agenda.ical import MAX_OBJECT_BYTES, EventPerson, InvalidCalendarObject, parse_events
from hub.agenda.ical_write import build_event

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Obj:
    ical: str
    href: str = "/entente/agenda/x.ics"
    etag: str = '"e1"'


def vcalendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//\r\n{body}END:VCALENDAR\r\n"


WEEKLY_PARIS = vcalendar(
    "UID:weekly\r\nSUMMARY:Marché\r\nDTSTART;TZID=Europe/Paris:20260105T090000\r\n"
    "DTEND;TZID=Europe/Paris:20260105T120000\r\nRRULE:FREQ=WEEKLY\r\n"
)


def _span(start: date | datetime, end: date | datetime) -> timedelta:
    assert isinstance(start, datetime) and isinstance(end, datetime)
    return end - start


# -- recurrence -----------------------------------------------------------------------------


def test_weekly_event_expands_inside_the_window_only() -> None:
    # Given a weekly market every Monday at 9:00, Paris time, without end
    # When February 2026 is expanded
    found = expand_object(
        Obj(WEEKLY_PARIS), datetime(2026, 2, 1, tzinfo=PARIS), datetime(2026, 3, 1, tzinfo=PARIS)
    )
    # Then the four February Mondays come out, timezone-aware, each with its recurrence id
    assert [o.start for o in found] == [
        datetime(2026, 2, d, 9, tzinfo=PARIS) for d in (2, 9, 16, 23)
    ]
    assert all(_span(o.start, o.end) == timedelta(hours=3) for o in found)
    assert [o.recurrence_id for o in found] == [o.start for o in found]
    assert {(o.uid, o.title, o.all_day, o.href, o.etag) for o in found} == {
        ("weekly", "Marché", False, "/entente/agenda/x.ics", '"e1"')
    }


def test_window_is_half_open_and_counts_overlaps() -> None:
    # Given one-hour events ending at the window's start, overlapping it, at its end, and an
    # instant event at its start
    objects = [
        Obj(vcalendar("UID:before\r\nDTSTART:20260301T080000Z\r\nDTEND:20260301T090000Z\r\n")),
        Obj(vcalendar("UID:across\r\nDTSTART:20260301T083000Z\r\nDTEND:20260301T093000Z\r\n")),
        Obj(vcalendar("UID:after\r\nDTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\n")),
        Obj(vcalendar("UID:instant\r\nDTSTART:20260301T090000Z\r\n")),
    ]
    # When [9:00, 10:00) is expanded
    found = expand(
        objects, datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 1, 10, tzinfo=UTC)
    ).occurrences
    # Then only the overlapping and the instant one, neither marked as recurring
    assert [(o.uid, o.recurrence_id) for o in found] == [("across", None), ("instant", None)]


def test_exceptions_and_exdates_are_applied() -> None:
    # Given a weekly series with one date removed and one occurrence moved and renamed
    ical = vcalendar(
        "UID:s\r\nSUMMARY:Chorale\r\nDTSTART:20260302T180000Z\r\nDTEND:20260302T190000Z\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:20260309T180000Z\r\n",
        "UID:s\r\nRECURRENCE-ID:20260316T180000Z\r\nSUMMARY:Chorale (salle B)\r\n"
        "DTSTART:20260317T180000Z\r\nDTEND:20260317T190000Z\r\n",
    )
    # When the whole month is expanded
    found = expand_object(
        Obj(ical), datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    )
    # Then three occurrences remain, the moved one keeping its original recurrence id
    assert [(o.start.day, o.title, o.recurrence_id) for o in found] == [
        (2, "Chorale", datetime(2026, 3, 2, 18, tzinfo=UTC)),
        (17, "Chorale (salle B)", datetime(2026, 3, 16, 18, tzinfo=UTC)),
        (23, "Chorale", datetime(2026, 3, 23, 18, tzinfo=UTC)),
    ]


def test_unbounded_rule_is_capped() -> None:
    # Given a daily event without end, and a window of twenty years
    ical = vcalendar(
        "UID:d\r\nDTSTART:20260101T070000Z\r\nDTEND:20260101T080000Z\r\nRRULE:FREQ=DAILY\r\n"
    )
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2046, 1, 1, tzinfo=UTC)
    # When it is expanded with the default cap, and with a small one among other objects
    began = time.monotonic()
    default = expand_object(Obj(ical), start, end)
    elapsed = time.monotonic() - began
    small = expand([Obj(ical, href="/a.ics"), Obj(WEEKLY_PARIS, href="/b.ics")], start, end, cap=10)
    # Then no more than the cap comes out, quickly, and the capped object is named
    assert len(default) == 2000 and default[-1].start == datetime(2031, 6, 23, 7, tzinfo=UTC)
    assert elapsed < 5
    assert [o.href for o in small.occurrences].count("/a.ics") == 10
    assert small.capped == ["/a.ics", "/b.ics"] and small.invalid == []


def test_expansion_far_from_the_start_stays_inside_the_window() -> None:
    # Given a daily event that began in 2020 and never ends
    ical = vcalendar(
        "UID:d\r\nDTSTART:20200101T070000Z\r\nDTEND:20200101T080000Z\r\nRRULE:FREQ=DAILY\r\n"
    )
    # When one week of 2030 is expanded
    found = expand_object(
        Obj(ical), datetime(2030, 6, 3, tzinfo=UTC), datetime(2030, 6, 10, tzinfo=UTC)
    )
    # Then exactly the seven days of that week
    assert [o.start.day for o in found] == [3, 4, 5, 6, 7, 8, 9]


# -- all-day and floating -------------------------------------------------------------------


def test_all_day_events_come_out_as_dates() -> None:
    # Given a two-day all-day event and a yearly all-day one
    fete = vcalendar(
        "UID:fete\r\nSUMMARY:Fête du village\r\nDTSTART;VALUE=DATE:20260704\r\n"
        "DTEND;VALUE=DATE:20260706\r\n",
    )
    quatorze = vcalendar(
        "UID:quatorze\r\nSUMMARY:14 juillet\r\nDTSTART;VALUE=DATE:20200714\r\n"
        "RRULE:FREQ=YEARLY\r\n",
    )
    # When July 2026 is expanded, in Paris time
    found = expand(
        [Obj(quatorze), Obj(fete)],
        datetime(2026, 7, 1, tzinfo=PARIS),
        datetime(2026, 8, 1, tzinfo=PARIS),
    ).occurrences
    # Then both are dates, all-day, with an exclusive end
    assert [(o.uid, o.start, o.end, o.all_day) for o in found] == [
        ("fete", date(2026, 7, 4), date(2026, 7, 6), True),
        ("quatorze", date(2026, 7, 14), date(2026, 7, 15), True),
    ]
    assert found[1].recurrence_id == date(2026, 7, 14) and found[0].recurrence_id is None


def test_floating_time_is_read_in_the_window_timezone() -> None:
    # Given an event with a floating time (no TZID)
    ical = vcalendar("UID:f\r\nDTSTART:20260310T140000\r\nDTEND:20260310T150000\r\n")
    # When a Paris window is expanded, then it is 14:00 in Paris
    (found,) = expand_object(
        Obj(ical), datetime(2026, 3, 10, tzinfo=PARIS), datetime(2026, 3, 11, tzinfo=PARIS)
    )
    assert found.start == datetime(2026, 3, 10, 14, tzinfo=PARIS)


def test_naive_window_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        expand_object(Obj(WEEKLY_PARIS), datetime(2026, 1, 1), datetime(2026, 2, 1))


# -- malformed and hostile ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ical", "reason"),
    [
        ("this is not a calendar", "not iCalendar"),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoé\r\nEND:VCARD\r\n", "not a VCALENDAR"),
        (vcalendar("UID:x\r\nSUMMARY:Sans début\r\n"), "without DTSTART"),
        (
            vcalendar(
                "UID:x\r\nDTSTART:20260101T100000Z\r\n", "UID:y\r\nDTSTART:20260101T100000Z\r\n"
            ),
            "different UIDs",
        ),
        (vcalendar("DTSTART:20260101T100000Z\r\n"), "without UID"),
        (vcalendar("UID:x\r\nDTSTART:demain\r\n"), "DTSTART"),
        (vcalendar("UID:x\r\nDTSTART:20260101T100000Z\r\nRRULE:FREQ=SOUVENT\r\n"), None),
        (vcalendar("UID:x\r\nDTSTART:20260101T100000Z\r\nRRULE:FREQ=MINUTELY\r\n"), "dense"),
        (
            vcalendar(
                "UID:x\r\nDTSTART:20260101T100000Z\r\n"
                "RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55\r\n"
            ),
            "144",
        ),
        (
            vcalendar("UID:x\r\nDTSTART:20260101T100000Z\r\nDTEND:20251231T100000Z\r\n"),
            "ends before",
        ),
        (
            vcalendar(
                "UID:x\r\nDTSTART:20260101T100000Z\r\nDESCRIPTION:"
                + "é" * MAX_OBJECT_BYTES
                + "\r\n"
            ),
            "larger",
        ),
    ],
)
def test_malformed_or_hostile_object_raises_a_named_error(ical: str, reason: str | None) -> None:
    # Given an object that cannot or must not be expanded
    # When it is expanded, then InvalidCalendarObject names it and why
    with pytest.raises(InvalidCalendarObject, match=reason) as raised:
        expand_object(
            Obj(ical, href="/bad.ics"),
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2026, 2, 1, tzinfo=UTC),
        )
    assert raised.value.href == "/bad.ics"


def test_one_invalid_object_does_not_hide_the_others() -> None:
    # Given a good object and a broken one
    good, bad = Obj(WEEKLY_PARIS, href="/good.ics"), Obj("garbage", href="/bad.ics")
    # When both are expanded
    result = expand([bad, good], datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 8, tzinfo=UTC))
    # Then the good one's occurrence comes out and the bad one is reported
    assert [o.href for o in result.occurrences] == ["/good.ics"]
    assert [e.href for e in result.invalid] == ["/bad.ics"]


# -- writing --------------------------------------------------------------------------------


def _build(**changes: object) -> str:
    values: dict[str, object] = {
        "uid": "ev-1",
        "title": "Conseil municipal",
        "start": datetime(2026, 3, 2, 18, tzinfo=PARIS),
        "end": datetime(2026, 3, 2, 20, tzinfo=PARIS),
        "all_day": False,
        "location": "Mairie",
        "description": "",
        "people": [],
        "town_slug": "saint-andre",
    }
    values.update(changes)
    return build_event(**values)  # type: ignore[arg-type]


def test_people_round_trip_as_attendees_and_ids() -> None:
    # Given an event booking someone with an email and someone known by id only
    ical = _build(people=[EventPerson("p-1", "Zoé Lefèvre", "zoe@example.fr"), "p-2"])
    # When it is read back
    (event,) = parse_events(ical)
    # Then the ids come back in order, and each is an attendee clients can show
    assert event.people == ("p-1", "p-2")
    assert event.attendees == (
        EventPerson("p-1", "Zoé Lefèvre", "zoe@example.fr"),
        EventPerson("p-2", "", None),
    )
    unfolded = ical.replace("\r\n ", "")
    assert "mailto:zoe@example.fr" in unfolded and "urn:x-entente:person:p-2" in unfolded
    assert "X-ENTENTE-PEOPLE:p-1\\,p-2" in ical
    assert event.town_slug == "saint-andre"


def test_people_are_read_from_attendees_when_the_list_is_gone() -> None:
    # Given an event whose X-ENTENTE-PEOPLE another client dropped
    ical = _build(people=[EventPerson("p-1", "Zoé", "zoe@example.fr"), "p-2"])
    stripped = "\r\n".join(
        line for line in ical.split("\r\n") if not line.startswith("X-ENTENTE-PEOPLE")
    )
    # When it is read, then the people come from the attendees' ids
    assert parse_events(stripped)[0].people == ("p-1", "p-2")


def test_occurrences_carry_the_people() -> None:
    ical = _build(people=["p-1", "p-2"])
    (found,) = expand_object(
        Obj(ical), datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
    )
    assert found.people == ("p-1", "p-2")


def test_french_text_round_trips() -> None:
    # Given a title, place and description with accents, punctuation and lines
    title = "Réunion : budget, écoles; fête de l'été — 2ᵉ partie"
    description = "Ordre du jour :\n1. Cantine\n2. Église Saint-Éloi, « travaux »"
    ical = _build(title=title, location="Salle Émile-Zola", description=description)
    # When it is read back, then every character is intact
    (event,) = parse_events(ical)
    assert (event.title, event.location, event.description) == (
        title,
        "Salle Émile-Zola",
        description,
    )


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_any_title_round_trips(title: str) -> None:
    assert parse_events(_build(title=title))[0].title == title


def test_all_day_event_is_written_with_dates() -> None:
    # Given a one-day event, end exclusive
    ical = _build(all_day=True, start=date(2026, 7, 14), end=date(2026, 7, 15))
    # When it is read back, then it is a date event
    (event,) = parse_events(ical)
    assert (event.start, event.end, event.all_day) == (date(2026, 7, 14), date(2026, 7, 15), True)
    assert "DTSTART;VALUE=DATE:20260714" in ical


def test_timed_event_is_written_in_utc() -> None:
    (event,) = parse_events(_build())
    assert event.start == datetime(2026, 3, 2, 17, tzinfo=UTC)
    assert event.end == datetime(2026, 3, 2, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    "changes",
    [
        {"end": datetime(2026, 3, 2, 17, tzinfo=PARIS)},
        {"start": datetime(2026, 3, 2, 18), "end": datetime(2026, 3, 2, 20)},
        {"all_day": True, "start": date(2026, 7, 14), "end": date(2026, 7, 14)},
        {"people": ["a,b"]},
        {"people": ["line\nbreak"]},
        {"town_slug": "x\r\nATTENDEE:mailto:evil@example.com"},
        {"uid": "a\r\nb"},
    ],
)
def test_bad_input_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _build(**changes)
