"""The portal's pages over HTTP (no browser): sign-in redirects, CSRF, escaping, language."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from html import unescape

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from hub.app import create_app
from hub.identity.sessions import COOKIE, open_session
from hub.portal import catalogues
from hub.portal.i18n import LOCALES
from hub.services import Services
from hub.towns.models import Workspace
from tests.support.territory import essonne
from tests.support.world import World


@pytest.fixture
async def http(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


async def sign_in(http: httpx.AsyncClient, world: World, username: str) -> str:
    """Opens a portal session for ``username``; returns its CSRF token."""
    async with world.services.sessions() as session:
        opened = await open_session(session, world.people[username])
    http.cookies.set(COOKIE, opened.cookie)
    return opened.csrf_token


def alerts(html: str) -> list[str]:
    """The alerts' text, no-break spaces read as spaces (French typography puts them)."""
    found = re.findall(r'role="alert">([^<]*)<', html)
    return [" ".join(unescape(text).replace("\u202f", " ").split()) for text in found]


async def test_a_visitor_without_a_session_is_sent_to_sign_in(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)

    response = await http.get("/agenda?week=2026-W03")

    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=%2Fagenda%3Fweek%3D2026-W03"


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    await sign_in(http, world, "admin")

    response = await http.post(
        "/admin/towns", data={"slug": "saclay", "name": "Saclay", "inseeCode": "91534"}
    )
    towns = await http.get("/admin")

    assert response.status_code == 403
    assert alerts(response.text) == ["Cette page a expiré ; rechargez-la et réessayez."]
    assert "Saclay" not in towns.text


async def test_camille_sees_her_three_towns_in_french(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    await sign_in(http, world, "camille")

    response = await http.get("/")

    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    towns = re.findall(r'<a href="/towns/(\w+)">', response.text)
    assert towns == ["bievres", "igny", "vauhallan"]
    assert "Responsable mutualisé · 30\xa0%" in response.text


async def test_louis_is_refused_a_page_of_bievres(http: httpx.AsyncClient, world: World) -> None:
    await essonne(world)
    await sign_in(http, world, "louis")

    response = await http.get("/towns/bievres")
    unknown = await http.get("/towns/atlantis")

    # the same page as for a town that does not exist: slugs cannot be probed
    assert response.status_code == unknown.status_code == 404
    assert alerts(response.text) == alerts(unknown.text) == ["Cette commune n'existe pas."]
    assert "Inès" not in response.text


async def test_a_staff_member_added_by_a_town_admin_shows_on_the_town_page(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    csrf = await sign_in(http, world, "ines")

    added = await http.post(
        "/towns/bievres/staff",
        data={
            "csrf": csrf,
            "displayName": "Zoé Leroy",
            "username": "zoe",
            "email": "zoe.leroy@bievres.example",
            "role": "STAFF",
            "share": "",
        },
    )
    page = await http.get(added.headers["location"])

    assert added.status_code == 303
    assert "Le compte de Zoé Leroy a été créé." in page.text
    assert re.search(r"Zoé Leroy <span class=\"meta\">zoe</span>", page.text)


async def test_an_api_refusal_is_a_french_message_not_a_trace(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    csrf = await sign_in(http, world, "ines")

    refused = await http.post(
        "/towns/igny/staff",
        data={
            "csrf": csrf,
            "displayName": "Xavier Petit",
            "username": "xavier",
            "email": "xavier.petit@igny.example",
        },
    )
    page = await http.get(refused.headers["location"], headers={"accept-language": "fr"})

    assert refused.status_code == 303
    assert alerts(page.text) == [
        "Vous n'avez pas les droits nécessaires pour cette action.",
        "Cette commune n'existe pas.",
    ]
    assert "Traceback" not in page.text


async def test_a_bad_path_is_a_400_page_in_french_and_the_session_closes_cleanly(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    await sign_in(http, world, "louis")
    async with world.services.sessions() as session:
        igny = await session.scalar(
            select(Workspace.id).where(Workspace.owner_town_id == world.towns["igny"].id)
        )

    # the folder's query fails on the path while its other fields are still reading the
    # database; closing the request's session must not find a terminated connection
    refused = await http.get(f"/files/{igny}?path=%3Cb%3E")
    town = await http.get("/towns/igny")

    assert refused.status_code == 400
    assert alerts(refused.text) == [
        "Certaines informations saisies ne sont pas valides ; corrigez-les et réessayez. "
        "Champ concerné : Chemin."
    ]
    assert town.status_code == 200


async def test_what_people_type_is_shown_as_text(http: httpx.AsyncClient, world: World) -> None:
    await essonne(world)
    csrf = await sign_in(http, world, "ines")
    hostile = "<img src=x onerror=alert(1)>"

    await http.post(
        "/towns/bievres/staff",
        data={"csrf": csrf, "displayName": hostile, "username": "evil", "email": "e@b.example"},
    )
    page = await http.get("/towns/bievres")

    assert hostile not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]


async def test_hsts_is_sent_when_the_hub_is_served_over_https(services: Services) -> None:
    secure = services.settings.model_copy(update={"public_url": "https://entente.example.org"})
    responses = {}
    for settings in (services.settings, secure):
        app = create_app(settings, services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            responses[settings.public_url] = await client.get("/healthz")

    assert responses["https://entente.example.org"].headers["strict-transport-security"] == (
        "max-age=31536000"
    )
    assert "strict-transport-security" not in responses[None].headers


async def test_the_language_follows_the_browser_and_can_be_switched(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    await sign_in(http, world, "camille")

    english = await http.get("/", headers={"accept-language": "en-GB,en;q=0.9,fr;q=0.5"})
    switched = await http.get("/language?lang=fr&next=/agenda")
    french = await http.get("/", headers={"accept-language": "en-GB,en;q=0.9"})

    assert '<html lang="en">' in english.text and "My towns" in english.text
    assert "Pooled manager · 30%" in english.text
    assert switched.status_code == 303 and switched.headers["location"] == "/agenda"
    assert '<html lang="fr">' in french.text and "Mes communes" in french.text


async def test_the_language_switch_never_redirects_off_site(http: httpx.AsyncClient) -> None:
    response = await http.get("/language?lang=en&next=//evil.example/")

    assert response.headers["location"] == "/"


def messages_of(catalog: Catalog) -> dict[object, object]:
    """What a catalogue translates, as a mapping: the header (tool version, dates) left out."""

    def plain(value: object) -> object:  # plural forms: a tuple in .po, a list in .mo
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(m.id): plain(m.string) for m in catalog if m.id and m.string}


def test_every_message_has_an_english_translation_and_compiled_catalogues_are_fresh() -> None:
    # Compared by content, never byte for byte: another Babel release writes other bytes
    # (its version in the header, the order of the hash table) for the same messages.
    extracted = {m.id for m in catalogues.extract() if m.id}
    for lang in LOCALES:
        catalog = catalogues.load(lang)
        assert extracted <= {m.id for m in catalog if m.id}, f"run python -m {catalogues.__name__}"
        with catalogues.po_path(lang).with_suffix(".mo").open("rb") as handle:
            checked_in = read_mo(handle)
        expected = read_mo(io.BytesIO(catalogues.compiled(catalog)))
        assert messages_of(checked_in) == messages_of(expected), (
            f"run python -m {catalogues.__name__}"
        )
    with catalogues.po_path("en").open("rb") as handle:
        english = read_po(handle)
    untranslated = [
        m.id
        for m in english
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == []  # plurals too: every form


async def test_creating_an_account_for_someone_registered_points_to_adding_them(
    http: httpx.AsyncClient, world: World
) -> None:
    await essonne(world)
    csrf = await sign_in(http, world, "ines")

    refused = await http.post(
        "/towns/bievres/staff",
        data={
            "csrf": csrf,
            "displayName": "Camille R.",
            "username": "camille2",
            "email": "camille@test.example",
            "role": "STAFF",
            "share": "",
        },
    )
    page = await http.get(refused.headers["location"])

    assert alerts(page.text) == [
        "Une personne inscrite a déjà cette adresse électronique : ajoutez-la depuis "
        "« Ajouter une personne déjà inscrite »."
    ]
