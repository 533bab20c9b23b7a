"""``searchFiles`` through the API, on the real WsgiDAV and Apache (a bounded walk) and the
Nextcloud double (its SEARCH): who may search where, the matches with their workspace, and
the workspaces searched in part or not at all, which are said, never left out in silence."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.files.webdav import WebDavStore
from hub.backends import Endpoints
from hub.config import Settings
from hub.embedded.process import EmbeddedServer
from hub.embedded.stack import Endpoint
from hub.files import search as file_search
from hub.files import walk
from hub.services import Services, build_services
from hub.towns.models import Workspace
from tests.contract.files.test_file_store import put
from tests.doubles.nextcloud import NextcloudDouble
from tests.files.helpers import download
from tests.support.database import empty_tables
from tests.support.graphql import GraphQLClient, hub_http, operation
from tests.support.territory import essonne
from tests.support.world import World

SEARCH = operation("scripts/FilesSearch")
DOCUMENTS = {
    "igny": ["/Finances/Budget primitif 2027.pdf", "/École des Prés/Cantine.pdf"],
    "bievres": ["/Finances/budget annexe.csv", "/Conseil/Procès-verbal.md"],
    "vauhallan": ["/Divers/Notes.txt"],
}


class Hub:
    def __init__(self, services: Services, gql: GraphQLClient, world: World) -> None:
        self.services, self.gql, self.world = services, gql, world

    async def search(self, who: str, text: str, towns: list[str] | None = None) -> Any:
        return await self.gql(SEARCH, {"text": text, "towns": towns}, token=self.world.token(who))

    async def workspace(self, slug: str) -> Workspace:
        async with self.services.sessions() as session:
            row = await session.scalar(
                select(Workspace).where(Workspace.owner_town_id == self.world.towns[slug].id)
            )
        assert row is not None
        return row

    async def fill(self, documents: dict[str, list[str]]) -> None:
        stores = self.services.backends.files
        for slug, paths in documents.items():
            row = await self.workspace(slug)
            store = stores.store(row.backend, row.root)
            await store.ensure_folder("/")
            for path in paths:
                await store.ensure_folder(path.rsplit("/", 1)[0] or "/")
                await put(store, path, b"%PDF-1.4\n%%EOF\n")


def _settings(hub_settings: Settings, **changes: Any) -> Settings:
    return hub_settings.model_copy(update={"backend_timeout": 2.0, **changes})


@pytest.fixture(params=["wsgidav", "apache", "nextcloud"])
async def hub(
    request: pytest.FixtureRequest, hub_engine: AsyncEngine, hub_settings: Settings
) -> AsyncIterator[Hub]:
    await empty_tables(hub_engine)
    top = f"s-{uuid.uuid4().hex[:12]}"
    if request.param == "nextcloud":
        double: NextcloudDouble = request.getfixturevalue("nextcloud_double")
        settings = _settings(
            hub_settings,
            files_backend="nextcloud",
            nextcloud_url=double.url,
            nextcloud_username=double.username,
            nextcloud_password=SecretStr(double.password),
            nextcloud_hub_group=f"hub-{top}",
        )
        services = build_services(settings, engine=hub_engine, endpoints=Endpoints())
    else:
        server: EmbeddedServer = request.getfixturevalue(
            "wsgidav" if request.param == "wsgidav" else "apache2"
        )
        made = WebDavStore(server.url, username=server.username, password=server.password)
        await made.ensure_folder(f"/{top}")
        await made.aclose()
        endpoint = Endpoint(f"{server.url}/{top}", server.username, server.password)
        services = build_services(
            _settings(hub_settings), engine=hub_engine, endpoints=Endpoints(webdav=endpoint)
        )
    try:
        async with hub_http(services) as http:
            world = await essonne(World(services))
            if request.param == "nextcloud":  # one double for the session: a folder per test
                async with services.sessions() as session:
                    await session.execute(update(Workspace).values(root=f"/{top}" + Workspace.root))
                    await session.commit()
            yield Hub(services, GraphQLClient(http), world)
    finally:
        await services.backends.aclose()


async def test_camille_finds_files_across_her_towns_each_with_its_workspace(hub: Hub) -> None:
    await hub.fill(DOCUMENTS)

    reply = await hub.search("camille", "BUDGET")

    found = reply.ok()["searchFiles"]
    assert [(e["workspace"]["name"], e["path"]) for e in found] == [
        ("Bièvres", "/Finances/budget annexe.csv"),
        ("Igny", "/Finances/Budget primitif 2027.pdf"),
    ]
    assert all(e["searchError"] is None and not e["folder"] for e in found)
    pdf = found[1]
    assert pdf["viewUrl"] == pdf["downloadUrl"] + "&inline=1"
    assert found[0]["viewUrl"] is None  # a CSV is never opened in the browser
    answer = await download(hub.gql.http, pdf["downloadUrl"], hub.world.token("camille"))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    # accents set aside, folders found too
    accents = (await hub.search("camille", "ecole des pres")).ok()["searchFiles"]
    assert [(e["path"], e["folder"]) for e in accents] == [("/École des Prés", True)]


async def test_search_sees_only_the_callers_workspaces_and_the_towns_named(hub: Hub) -> None:
    await hub.fill(DOCUMENTS)

    louis = (await hub.search("louis", "budget")).ok()["searchFiles"]
    narrowed = (await hub.search("camille", "budget", ["bievres"])).ok()["searchFiles"]
    none = (await hub.search("camille", "budget", [])).ok()["searchFiles"]

    assert [e["workspace"]["name"] for e in louis] == ["Igny"]
    assert [e["workspace"]["name"] for e in narrowed] == ["Bièvres"]
    assert none == []


@pytest.fixture
async def wsgidav_hub(
    hub_engine: AsyncEngine, hub_settings: Settings, wsgidav: EmbeddedServer
) -> AsyncIterator[Hub]:
    await empty_tables(hub_engine)
    top = f"s-{uuid.uuid4().hex[:12]}"
    made = WebDavStore(wsgidav.url, username=wsgidav.username, password=wsgidav.password)
    await made.ensure_folder(f"/{top}")
    await made.aclose()
    endpoint = Endpoint(f"{wsgidav.url}/{top}", wsgidav.username, wsgidav.password)
    services = build_services(
        _settings(hub_settings, backend_timeout=0.5),
        engine=hub_engine,
        endpoints=Endpoints(webdav=endpoint),
    )
    try:
        async with hub_http(services) as http:
            world = await essonne(World(services))
            yield Hub(services, GraphQLClient(http), world)
    finally:
        await services.backends.aclose()


@pytest.mark.parametrize(
    ("who", "text", "towns", "code", "field"),
    [
        ("camille", "b", None, "BAD_INPUT", "text"),
        ("camille", " é ", None, "BAD_INPUT", "text"),
        ("camille", "b" * 101, None, "BAD_INPUT", "text"),
        ("camille", "budget", ["nowhere"], "NOT_FOUND", "towns"),
        ("louis", "budget", ["bievres"], "FORBIDDEN", None),
        (None, "budget", None, "UNAUTHENTICATED", None),
    ],
)
async def test_refused_searches_say_why(
    wsgidav_hub: Hub,
    who: str | None,
    text: str,
    towns: list[str] | None,
    code: str,
    field: str | None,
) -> None:
    token = wsgidav_hub.world.token(who) if who else None
    reply = await wsgidav_hub.gql(SEARCH, {"text": text, "towns": towns}, token=token)
    assert reply.codes == [code]
    if field:
        assert reply.errors[0]["extensions"]["field"] == field


async def test_a_dead_workspace_is_said_and_the_others_still_answer(
    wsgidav_hub: Hub, hub_engine: AsyncEngine
) -> None:
    # given Bièvres's workspace on a folder that is not there any more
    await wsgidav_hub.fill(DOCUMENTS)
    bievres = (await wsgidav_hub.workspace("bievres")).id
    async with wsgidav_hub.services.sessions() as session:
        await session.execute(update(Workspace).where(Workspace.id == bievres).values(root="/gone"))
        await session.commit()

    found = (await wsgidav_hub.search("camille", "budget")).ok()["searchFiles"]

    assert [(e["workspace"]["name"], e["path"]) for e in found[:-1]] == [
        ("Igny", "/Finances/Budget primitif 2027.pdf")
    ]
    failed = found[-1]
    assert (failed["path"], failed["folder"], failed["workspace"]["name"]) == ("/", True, "Bièvres")
    assert failed["searchError"]["code"] == "NOT_FOUND"
    assert failed["searchError"]["town"] == {"slug": "bievres"}


async def test_a_walk_cut_short_is_said(wsgidav_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(walk, "MAX_DEPTH", 0)
    await wsgidav_hub.fill(DOCUMENTS)

    found = (await wsgidav_hub.search("louis", "cantine")).ok()["searchFiles"]

    # Igny's root listed, its folders not: "Cantine.pdf" was not reached, and that is said
    assert [(e["path"], e["searchError"]["code"]) for e in found] == [("/", "INCOMPLETE")]


async def test_too_many_workspaces_must_be_narrowed(
    wsgidav_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_search, "MAX_WORKSPACES", 2)
    reply = await wsgidav_hub.search("admin", "budget")
    assert reply.codes == ["BAD_INPUT"] and reply.errors[0]["extensions"]["field"] == "towns"
    narrowed = await wsgidav_hub.search("admin", "budget", ["igny", "vauhallan"])
    assert narrowed.ok()["searchFiles"] == []


async def test_a_server_that_never_answers_blocks_no_other_town(wsgidav_hub: Hub) -> None:
    # given Vauhallan's workspace on a file server that accepts connections and never answers
    await wsgidav_hub.fill(DOCUMENTS)
    row = await wsgidav_hub.workspace("vauhallan")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(16)
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        store = WebDavStore(url, username="u", password="p", root="/x", timeout=0.5)
        wsgidav_hub.services.backends.files._open[(row.backend, row.root)] = store
        try:
            found = (await wsgidav_hub.search("camille", "budget")).ok()["searchFiles"]
        finally:
            await store.aclose()

    # then the other towns' matches come back, and Vauhallan's search is said to have failed
    assert [e["workspace"]["name"] for e in found if not e["searchError"]] == ["Bièvres", "Igny"]
    failed = [(e["workspace"]["name"], e["searchError"]["code"]) for e in found if e["searchError"]]
    assert failed == [("Vauhallan", "BACKEND_UNAVAILABLE")]


async def test_the_query_cost_counts_a_search_at_its_bound(wsgidav_hub: Hub) -> None:
    # one search may list MAX_WORKSPACES × MAX_FOLDERS folders: 400 calls, a cost of 4 000
    one = '{ searchFiles(text: "budget") { path } }'
    two = '{ a: searchFiles(text: "budget") { path } b: searchFiles(text: "plu") { path } }'
    token = wsgidav_hub.world.token("camille")

    alone = await wsgidav_hub.gql(one, token=token)
    both = await wsgidav_hub.gql(two, token=token)

    assert alone.ok()["searchFiles"] == []
    assert both.data is None and both.codes == ["BAD_INPUT"]
    assert both.errors[0]["message"].startswith("The query would cost 8000")
