"""The November report on the demo's calendars, its rules, its CSV, and who may read it."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from urllib.parse import urlsplit

from hub.agenda.demo import seed_agendas
from hub.agenda.ical import Occurrence
from hub.allocation.service import booked_hours, parse_month
from tests.agenda.fixtures import CalendarHub
from tests.agenda.helpers import ALLOCATION, PARIS, territory

NOVEMBER = {"month": "2026-11"}


async def demo(hub: CalendarHub) -> CalendarHub:
    await territory(hub)
    await seed_agendas(hub.services)
    await seed_agendas(hub.services)  # idempotent
    return hub


async def test_camilles_november_follows_her_calendars(calendar_hub: CalendarHub) -> None:
    # Given the demo's calendars (permanences 10 h / 6 h / 4 h a week, councils, a CCAS)
    hub = await demo(calendar_hub)
    # When Camille asks for her November report
    report = (await hub.gql(ALLOCATION, NOVEMBER, token=hub.world.token("camille"))).ok()
    rows = report["allocation"]["rows"]
    # Then each town's hours are its permanences and meetings, and the shares follow
    assert [(r["town"]["slug"], r["agreedShare"], r["hours"]) for r in rows] == [
        ("bievres", 0.3, 26.0),  # 4 Tuesdays x 6 h + council 2 h
        ("igny", 0.5, 51.0),  # 5 Mondays x 7 h + 4 Thursdays x 3 h + council + commission
        ("vauhallan", 0.2, 19.5),  # 4 Thursdays x 4 h + council 2 h + CCAS 1.5 h
    ]
    assert report["allocation"]["totalHours"] == 96.5
    assert sum(r["actualShare"] for r in rows) == 1.0
    assert report["allocation"]["timezone"] == "Europe/Paris"


async def test_the_csv_opens_in_a_french_spreadsheet(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    token = hub.world.token("camille")
    url = (await hub.gql(ALLOCATION, NOVEMBER, token=token)).ok()["allocation"]["csvUrl"]
    parts = urlsplit(url)
    # When the CSV is downloaded with the same credentials
    response = await hub.gql.http.get(
        f"{parts.path}?{parts.query}", headers={"Authorization": f"Bearer {token}"}
    )
    # Then it is UTF-8 with BOM, ';'-separated, decimal commas, a header and a total row
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="repartition-2026-11-camille.csv"; '
        "filename*=UTF-8''repartition-2026-11-camille.csv"
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Mois", "Agent", "Commune"] and rows[0][-1] == "Fuseau horaire"
    assert [(r[2], r[5]) for r in rows[1:]] == [
        ("Bièvres", "26,00"),
        ("Igny", "51,00"),
        ("Vauhallan", "19,50"),
        ("Total", "96,50"),
    ]
    assert {r[-1] for r in rows[1:]} == {"Europe/Paris"}
    assert rows[-1][4] == "1,000"


async def test_the_csv_needs_credentials(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)

    response = await hub.gql.http.get("/allocation/2026-11.csv")

    assert response.status_code == 401
    # refused like every route beside /graphql: a problem with the API's code
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bad_month_is_bad_input(calendar_hub: CalendarHub) -> None:
    hub = await territory(calendar_hub)
    token = hub.world.token("camille")

    for month in ("2026-13", "nov", "2026-1", "11-2026"):
        reply = await hub.gql(ALLOCATION, {"month": month}, token=token)
        assert reply.codes == ["BAD_INPUT"], month


async def test_another_persons_report(calendar_hub: CalendarHub) -> None:
    hub = await demo(calendar_hub)
    camille = {**NOVEMBER, "person": hub.world.people["camille"].id}

    by_staff = await hub.gql(ALLOCATION, camille, token=hub.world.token("louis"))
    by_town_admin = await hub.gql(ALLOCATION, camille, token=hub.world.token("ines"))
    by_admin = await hub.gql(ALLOCATION, camille, token=hub.world.token("admin"))

    assert by_staff.codes == ["FORBIDDEN"]
    rows = by_town_admin.ok()["allocation"]["rows"]
    assert [r["town"]["slug"] for r in rows] == ["bievres"]  # the towns Inès administers
    assert by_admin.ok()["allocation"]["totalHours"] == 96.5


def occurrence(start: date | datetime, end: date | datetime) -> Occurrence:
    return Occurrence(
        "u", None, "t", start, end, not isinstance(start, datetime), "", "", ("p",), "/h", '"e"'
    )


def test_overlaps_in_one_town_count_once_and_all_day_weekdays_count_seven_hours() -> None:
    month = parse_month("2026-11")
    at = lambda d, h: datetime(2026, 11, d, h, tzinfo=PARIS)  # noqa: E731
    hours = booked_hours(
        [
            occurrence(at(2, 9), at(2, 12)),
            occurrence(at(2, 11), at(2, 13)),  # overlaps: 9-13 is 4 h
            occurrence(date(2026, 11, 5), date(2026, 11, 6)),  # Thursday: 7 h
            occurrence(date(2026, 11, 7), date(2026, 11, 9)),  # weekend: nothing
            occurrence(datetime(2026, 10, 31, 22, tzinfo=PARIS), at(1, 2)),  # 2 h in November
        ],
        month,
    )
    assert hours == 4 + 7 + 2
