"""Recurring and all-day events in the portal, against `hub demo` (real Radicale): which
occurrences a change touches, refusals that keep what was typed, reports that do not change
silently. axe-core on every page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.portal.browser import Axe, new_event, screenshot, sign_in

pytestmark = pytest.mark.browser


def event(page: Page, title: str, day: str) -> Locator:
    """The event ``title`` in the day column whose heading id is ``day-YYYY-MM-DD``."""
    column = page.locator("section.day", has=page.locator(f"#day-{day}"))
    return column.locator("li.event", has=page.locator(".what", has_text=re.compile(f"^{title}$")))


def flashed(page: Page) -> Locator:
    return page.locator("p.notice[role=status]")


def vauhallan_hours(page: Page) -> Locator:
    return page.get_by_role("row", name=re.compile("^Vauhallan")).get_by_role("cell").first


def test_deleting_one_thursday_keeps_the_series_and_november(
    page: Page, demo: str, axe: Axe
) -> None:
    # Given Camille's weekly permanence in Vauhallan, and her November report
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/time-sharing?month=2026-11")
    reported = vauhallan_hours(page).inner_text()  # 19,5 (other tests may add to it)
    page.goto(f"{demo}/agenda?week=2026-W50")
    thursday = event(page, "Permanence de Camille", "2026-12-10").filter(has_text="Vauhallan")
    # When she deletes that Thursday only (the question's first answer, checked already)
    thursday.get_by_role("link", name=re.compile("^Supprimer")).click()
    choices = page.get_by_role("group", name="Cet événement se répète. Supprimer :")
    expect(choices.get_by_role("radio", name=re.compile("cet événement seulement"))).to_be_checked()
    expect(choices.get_by_role("radio")).to_have_count(3)
    axe.check(page)
    screenshot(page, "agenda-delete-occurrence")
    page.get_by_role("button", name="Supprimer").click()
    # Then that Thursday is gone, the next one is there, and November is unchanged
    expect(flashed(page)).to_have_text("L'événement a été supprimé.")
    expect(
        event(page, "Permanence de Camille", "2026-12-10").filter(has_text="Vauhallan")
    ).to_have_count(0)
    page.goto(f"{demo}/agenda?week=2026-W51")
    expect(
        event(page, "Permanence de Camille", "2026-12-17").filter(has_text="Vauhallan")
    ).to_have_count(1)
    page.goto(f"{demo}/time-sharing?month=2026-11")
    expect(vauhallan_hours(page)).to_have_text(reported)
    expect(page.get_by_text("Permanence de Camille")).to_have_count(0)  # no late change of it


def test_moving_one_occurrence_keeps_what_was_typed_when_refused(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda?week=2026-W52")
    thursday = event(page, "Permanence de Camille", "2026-12-24").filter(has_text="Vauhallan")
    thursday.get_by_role("link", name=re.compile("^Modifier ou déplacer")).click()
    form = page.get_by_role("main")
    expect(form.get_by_role("radio", name="cet événement")).to_be_checked()
    axe.check(page)
    # When she moves it to Wednesday, ending before it starts
    form.get_by_label("Date", exact=True).fill("2026-12-23")
    form.get_by_label("Début", exact=True).fill("09:00")
    form.get_by_label("Fin", exact=True).fill("08:00")
    form.get_by_role("button", name="Enregistrer").click()
    # Then the form comes back as typed, the error beside the end time
    end = form.get_by_label("Fin", exact=True)
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-end")).to_contain_text("La fin doit venir après le début")
    expect(form.get_by_label("Date", exact=True)).to_have_value("2026-12-23")
    expect(form.get_by_label("Début", exact=True)).to_have_value("09:00")
    expect(page.get_by_role("alert")).to_be_focused()
    axe.check(page)
    screenshot(page, "agenda-move-refused")
    # When she corrects the end
    end.fill("12:00")
    form.get_by_role("button", name="Enregistrer").click()
    # Then that occurrence moved alone
    expect(flashed(page)).to_contain_text("a été modifié")
    expect(
        event(page, "Permanence de Camille", "2026-12-23").filter(has_text="Vauhallan")
    ).to_contain_text("9 h–12 h")
    expect(
        event(page, "Permanence de Camille", "2026-12-24").filter(has_text="Vauhallan")
    ).to_have_count(0)
    page.goto(f"{demo}/agenda?week=2026-W53")
    expect(
        event(page, "Permanence de Camille", "2026-12-31").filter(has_text="Vauhallan")
    ).to_contain_text("14 h–18 h")


def test_an_all_day_event_opens_and_saves_as_all_day(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda?week=2026-W45")
    training = event(page, "Formation état civil \\(Louis\\)", "2026-11-05")
    training.get_by_role("link", name=re.compile("^Modifier ou déplacer")).click()
    form = page.get_by_role("main")
    expect(form.get_by_label("Toute la journée")).to_be_checked()
    expect(form.get_by_label("Début", exact=True)).to_be_hidden()
    axe.check(page)

    form.get_by_label("Dernier jour, s'il est différent").fill("2026-11-06")
    form.get_by_role("button", name="Enregistrer").click()

    expect(flashed(page)).to_contain_text("a été modifié")
    for day in ("2026-11-05", "2026-11-06"):
        expect(event(page, "Formation état civil \\(Louis\\)", day)).to_contain_text(
            "Toute la journée"
        )


def test_a_meeting_every_two_weeks(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda?week=2027-W02")
    form = new_event(page, "bievres", "Point équipe", "2027-01-12", ("17:00", "18:00"))
    every_two_weeks = "Toutes les deux semaines, le même jour"
    form.get_by_label("Répétition", exact=True).select_option(label=every_two_weeks)
    form.get_by_role("button", name="Créer l'événement").click()

    expect(flashed(page)).to_contain_text("Point équipe")
    expect(event(page, "Point équipe", "2027-01-12")).to_have_count(1)
    page.goto(f"{demo}/agenda?week=2027-W03")
    expect(page.locator(".what", has_text="Point équipe")).to_have_count(0)
    page.goto(f"{demo}/agenda?week=2027-W04")
    expect(event(page, "Point équipe", "2027-01-26")).to_have_count(1)
    # And changing it from the 26th on, for the rest of the series, leaves the 12th alone
    event(page, "Point équipe", "2027-01-26").get_by_role(
        "link", name=re.compile("^Modifier")
    ).click()
    form.get_by_role("radio", name="celui-ci et les suivants").check()
    form.get_by_label("Début", exact=True).fill("16:00")
    form.get_by_role("button", name="Enregistrer").click()
    expect(event(page, "Point équipe", "2027-01-26")).to_contain_text("16 h–18 h")
    page.goto(f"{demo}/agenda?week=2027-W02")
    expect(event(page, "Point équipe", "2027-01-12")).to_contain_text("17 h–18 h")
    axe.check(page)


def test_a_change_to_a_reported_month_is_shown_in_its_report(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda?week=2026-W47")
    form = new_event(page, "igny", "Réunion oubliée", "2026-11-18")
    form.get_by_role("button", name="Créer l'événement").click()
    expect(flashed(page)).to_contain_text("Réunion oubliée")

    page.goto(f"{demo}/time-sharing?month=2026-11")

    late = page.get_by_role("region", name=re.compile("Modifié après"))
    expect(late).to_contain_text("« Réunion oubliée »")
    expect(late).to_contain_text("Igny")
    expect(late).to_contain_text("Camille Rousseau")
    axe.check(page)
    screenshot(page, "time-sharing-late-change")


def test_the_month_view_highlights_today_and_prints_without_menus(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda")
    today = page.locator("[aria-current=date]")
    expect(today).to_have_count(1)
    expect(today).to_contain_text("aujourd'hui")

    page.get_by_role("navigation", name="Affichage").get_by_role("link", name="Mois").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Agenda de [^ ]+ \d{4}$")
    )
    expect(page.locator("table.month [aria-current=date]")).to_have_count(1)
    expect(page.locator("table.month td.today")).to_have_count(1)
    axe.check(page)
    screenshot(page, "agenda-month")
    page.goto(f"{demo}/agenda?month=2026-11")
    tuesday = page.locator(
        "table.month td", has=page.get_by_role("link", name=re.compile("mardi 17 novembre"))
    )
    expect(tuesday.locator("li.event.conflict")).to_have_count(2)
    page.emulate_media(media="print")
    for hidden in (
        page.get_by_role("navigation", name="Menu principal"),
        page.locator("form.filters"),
        page.get_by_role("link", name="Nouvel événement"),
    ):
        expect(hidden).to_be_hidden()
    expect(page.locator("table.month")).to_be_visible()
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    axe.check(page)


def test_camille_subscribes_then_revokes(page: Page, demo: str, axe: Axe) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/agenda")
    page.get_by_role("link", name="S'abonner depuis un téléphone ou Thunderbird").click()
    axe.check(page)
    page.get_by_role("button", name="Créer mon adresse d'abonnement").click()

    address = page.get_by_label("Copiez-la maintenant")
    url = address.input_value()
    assert re.fullmatch(rf"{re.escape(demo)}/feeds/[A-Za-z0-9_-]{{40,}}\.ics", url), url
    axe.check(page)
    feed = page.request.get(url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "Permanence de Camille" in feed.text()
    page.goto(f"{demo}/agenda/subscription")
    expect(page.get_by_label("Copiez-la maintenant")).to_have_count(0)  # shown once
    page.get_by_role("button", name="Révoquer l'adresse").click()
    expect(page.get_by_role("status").first).to_contain_text("révoquée")
    assert page.request.get(url).status == 404


def test_the_november_report_shows_double_bookings_and_hours_done(
    page: Page, demo: str, axe: Axe
) -> None:
    sign_in(page, demo, "camille", axe)
    page.goto(f"{demo}/time-sharing?month=2026-11")

    double = page.get_by_role("region", name="Heures comptées dans deux communes")
    expect(double.get_by_role("row", name=re.compile("17 novembre"))).to_contain_text(
        "Bièvres, Vauhallan"
    )
    expect(double).to_contain_text("15 h–16 h 30")
    header = page.get_by_role("table").filter(has_text="Part réelle").get_by_role("columnheader")
    expect(header).to_contain_text(["Commune", "Heures", "dont effectuées", "dont prévues"])
    axe.check(page)
