"""The administration at a département's size, in a real browser against a `hub demo` of its
own: towns and people as searchable tables a page at a time, the towns whose provisioning
failed on their own, and a footer that lists no town. axe-core on every page visited."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.demo import seed as demo_seed
from tests.portal.browser import Axe, sign_in
from tests.portal.demo import PortalDemo
from tests.test_demo import query

pytestmark = pytest.mark.browser
TOWNS = 55  # with the demo's own: more than a page of 50
ALL_TOWNS = TOWNS + len(demo_seed.TOWNS)
PEOPLE = 60  # with the demo's own: more than a page of 50
EVERYONE = PEOPLE + len(demo_seed.PEOPLE)


@pytest.fixture(scope="module")
def territory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("portal-tables")
    demo = PortalDemo(workdir)
    try:
        token = demo.token("admin")

        def town(n: int) -> None:
            answer = query(
                demo.port,
                token,
                f'mutation {{ provisionTown(input: {{slug: "commune-{n:03d}", '
                f'name: "Commune {n:03d}", inseeCode: "10{n:03d}"}}) {{ slug }} }}',
            )
            assert "errors" not in answer, answer

        def person(n: int) -> None:
            answer = query(
                demo.port,
                token,
                f'mutation {{ addStaff(input: {{username: "agent{n:03d}", '
                f'displayName: "Agent {n:03d}", email: "agent{n:03d}@tables.example", '
                'towns: [{town: "igny", role: STAFF}]}) { id } }',
            )
            assert "errors" not in answer, answer

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(town, range(TOWNS)))
            list(pool.map(person, range(PEOPLE)))
        # one town whose files step failed (a file server that was down at the time)
        with sqlite3.connect(workdir / "var" / "hub.sqlite3") as db:
            db.execute(
                "UPDATE provisioning_step SET done = 0, error = 'the file server did not answer'"
                " WHERE name = 'files'"
                " AND town_id = (SELECT id FROM town WHERE slug = 'commune-007')"
            )
        yield demo.url
    finally:
        demo.stop()


def rows(page: Page) -> int:
    return page.get_by_role("table").locator("tbody tr").count()


def test_the_admin_finds_a_town_among_many_a_page_at_a_time(
    page: Page, territory: str, axe: Axe
) -> None:
    # Given more than a page of towns, one of them failed
    sign_in(page, territory, "admin", axe)
    page.get_by_role("link", name="Administration").click()
    # Then the first page shows 50 of them in a table, and says how many there are
    expect(page.locator("#towns-count")).to_have_text(f"{ALL_TOWNS} communes")
    assert rows(page) == 50
    table = page.get_by_role("table", name="Communes")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Commune", "Code INSEE", "Mise en service", "Actions"]
    )
    # laid out as a table: each code stands under its column's label (the home page's grid
    # of town cards once took this table too)
    label = table.get_by_role("columnheader", name="Code INSEE").bounding_box()
    code = table.get_by_role("row").nth(1).get_by_role("cell").first.bounding_box()
    assert label and code and abs(label["x"] - code["x"]) < 2 and code["y"] > label["y"]
    axe.check(page)
    # When he goes to the next page
    page.get_by_role("link", name="Page suivante").click()
    # Then the others are there, and no next page
    assert rows(page) == ALL_TOWNS - 50
    expect(page.get_by_role("link", name="Page suivante")).to_have_count(0)
    page.get_by_role("link", name="Première page").click()
    assert rows(page) == 50
    # When he searches by INSEE code
    search = page.get_by_role("search", name="Chercher une commune")
    search.get_by_label("Nom, identifiant ou code INSEE").fill("10042")
    search.get_by_role("button", name="Chercher").click()
    # Then one town is shown, ready
    row = page.get_by_role("row", name=re.compile("Commune 042"))
    expect(row).to_contain_text("10042")
    expect(row).to_contain_text("Prête")
    assert rows(page) == 1
    # When he asks for the failed towns only
    search.get_by_label("Nom, identifiant ou code INSEE").fill("")
    search.get_by_label("Seulement les mises en service en échec").check()
    search.get_by_role("button", name="Chercher").click()
    # Then only Commune 007 is listed, with its failed step and a retry
    assert rows(page) == 1
    row = page.get_by_role("row", name=re.compile("Commune 007"))
    expect(row).to_contain_text("Échec de la mise en service")
    expect(row).to_contain_text("Étape « fichiers » : en échec")
    axe.check(page)
    row.get_by_role("button", name="Relancer la mise en service : Commune 007").click()
    expect(page.get_by_role("status")).to_contain_text("Commune 007")
    # And once retried, no town is failed any more
    page.goto(f"{territory}/admin?state=FAILED")
    expect(page.get_by_role("cell", name="Aucune commune ne correspond.")).to_be_visible()
    # And the footer names no town
    expect(page.get_by_role("contentinfo")).to_have_text(
        "Entente — le service commun des communes."
    )


def test_the_admin_pages_through_all_the_people_and_searches(
    page: Page, territory: str, axe: Axe
) -> None:
    sign_in(page, territory, "admin", axe)
    page.goto(f"{territory}/admin/people")
    expect(page.locator("#people-count")).to_have_text(f"{EVERYONE} personnes")
    assert rows(page) == 50
    axe.check(page)
    page.get_by_role("link", name="Page suivante").click()
    assert rows(page) == EVERYONE - 50
    page.get_by_label("Rechercher une personne").fill("agent017")
    page.get_by_role("button", name="Rechercher").click()
    assert rows(page) == 1
    expect(page.get_by_role("row", name=re.compile("Agent 017"))).to_contain_text("Igny")
    expect(page.get_by_role("link", name="Page suivante")).to_have_count(0)
