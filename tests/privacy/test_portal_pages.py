"""The DPO's pages over HTTP: find a person, export, erase after a confirmation; the register
and the retention periods; refused to anyone who is no DPO."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape

import httpx
import pytest

from hub.app import create_app
from hub.services import Services
from tests.portal.test_pages import sign_in
from tests.privacy.helpers import offboard, with_dpo
from tests.support.graphql import GraphQLClient
from tests.support.world import World


@pytest.fixture
async def http(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", headers={"Accept": "text/html"}
    ) as client:
        yield client


def text(html: str) -> str:
    return " ".join(
        unescape(re.sub(r"<[^>]+>", " ", html))
        .replace("\u202f", " ")
        .replace("\u00a0", " ")
        .split()
    )


async def test_sophie_finds_louis_exports_then_erases_his_data(
    http: httpx.AsyncClient, gql: GraphQLClient, world: World
) -> None:
    # given Sophie, DPO of Igny and Vauhallan, signed in on the portal
    await with_dpo(world)
    csrf = await sign_in(http, world, "sophie")
    louis = world.people["louis"].id
    # when she opens "Protection des données" and looks Louis up in Igny
    home = await http.get("/privacy?town=igny&search=louis")
    # then the menu offers the page, and Louis is found, with the register and the periods
    assert home.status_code == 200
    page = text(home.text)
    assert "Protection des données" in page and "1 personne trouvée" in page
    assert f'href="/privacy/people/{louis}?town=igny"' in home.text
    assert "Registre des activités de traitement" in page and "365" in page
    assert 'href="http://127.0.0.1:8000/privacy/register/igny.csv"' in home.text
    # when she exports his data, then his page offers the two files
    exported = await http.post(
        f"/privacy/people/{louis}/export", data={"csrf": csrf, "town": "igny"}
    )
    assert exported.status_code == 303
    person = await http.get(exported.headers["location"])
    assert "L'export est prêt : téléchargez-le ci-dessous avant le" in text(person.text)
    assert "/privacy/exports/" in person.text and "summary.txt" in person.text
    # and erasing him is not offered while his account is active, and says why
    assert "Son compte est encore actif" in text(person.text)
    assert f"/privacy/people/{louis}/erase" not in person.text
    # when he has been offboarded, she confirms the erasure, its consequences spelled out
    await offboard(gql, world, "louis")
    confirm = await http.get(f"/privacy/people/{louis}/erase?town=igny")
    assert confirm.status_code == 200
    assert "Effacer les données de Louis ?" in text(confirm.text)
    assert "les événements passés la désignent par un pseudonyme" in text(confirm.text)
    erased = await http.post(f"/privacy/people/{louis}/erase", data={"csrf": csrf, "town": "igny"})
    # then she is back on the page, told the pseudonym; Louis is no more
    assert erased.status_code == 303 and erased.headers["location"] == "/privacy?town=igny"
    back = text((await http.get(erased.headers["location"])).text)
    assert re.search(r"le pseudonyme « anonyme-[0-9a-f]{12} »", back), back
    gone = await http.get(f"/privacy/people/{louis}?town=igny")
    assert gone.status_code == 404 and "Cette personne n'existe pas." in text(gone.text)


async def test_sophie_sets_the_retention_and_bad_periods_are_explained(
    http: httpx.AsyncClient, world: World
) -> None:
    await with_dpo(world)
    csrf = await sign_in(http, world, "sophie")
    saved = await http.post(
        "/privacy/retention",
        data={"csrf": csrf, "town": "vauhallan", "auditDays": "200", "sessionDays": "30"},
    )
    refused = await http.post(
        "/privacy/retention",
        data={"csrf": csrf, "town": "vauhallan", "auditDays": "5", "sessionDays": "30"},
    )
    page = text((await http.get("/privacy?town=vauhallan")).text)
    assert saved.status_code == refused.status_code == 303
    assert (
        "Durées fixées pour Vauhallan." in page
        and 'value="200"' in (await http.get("/privacy?town=vauhallan")).text
    )
    assert "Le journal d'audit se garde de 30 à 3 650 jours" in page


async def test_the_page_is_for_dpos_and_their_towns(http: httpx.AsyncClient, world: World) -> None:
    await with_dpo(world)
    await sign_in(http, world, "louis")
    refused = await http.get("/privacy")
    assert refused.status_code == 403
    assert "réservée aux délégués à la protection des données" in text(refused.text)
    assert ">Protection des données<" not in (await http.get("/")).text
    http.cookies.clear()
    await sign_in(http, world, "sophie")
    other = await http.get(f"/privacy/people/{world.people['ines'].id}")
    assert other.status_code == 403
    # and a DPO reads her towns' audit log, is not offered the files of the town
    assert (await http.get("/admin/audit?town=igny")).status_code == 200
    town = await http.get("/towns/igny")
    assert "Fichiers de la commune" not in town.text
