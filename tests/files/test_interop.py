"""The files API on the servers towns actually run: Apache httpd's mod_dav (folders behind a
301 redirect), WsgiDAV (which cuts a name at ';' in a MOVE's Destination), and a server that
refuses the hub's own password. Each answer, and its audit entry, says what really happened."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.files.port import HIDDEN_PREFIX
from connectors.files.webdav import WebDavStore
from hub.audit.models import AuditEntry
from hub.backends import Endpoints
from hub.config import Settings
from hub.embedded.process import EmbeddedServer
from hub.embedded.stack import Endpoint
from hub.services import Services, build_services
from hub.towns.models import ProvisioningStep
from tests.files.helpers import CREATE_FOLDER, FOLDER, MOVE, names, upload
from tests.files.helpers import workspace_ids as ids
from tests.support.database import empty_tables
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.territory import essonne
from tests.support.world import World


async def _hub(engine: AsyncEngine, settings: Settings, endpoint: Endpoint) -> Services:
    await empty_tables(engine)
    return build_services(
        settings.model_copy(update={"backend_timeout": 5.0}),
        engine=engine,
        endpoints=Endpoints(webdav=endpoint),
    )


async def _top(server: EmbeddedServer) -> str:
    top = f"h-{uuid.uuid4().hex[:12]}"
    store = WebDavStore(server.url, username=server.username, password=server.password, root=top)
    await store.ensure_folder("/")
    await store.aclose()
    return top


@pytest.fixture
async def apache_hub(
    hub_engine: AsyncEngine, hub_settings: Settings, apache2: EmbeddedServer
) -> AsyncIterator[tuple[GraphQLClient, World]]:
    top = await _top(apache2)
    services = await _hub(
        hub_engine,
        hub_settings,
        Endpoint(f"{apache2.url}/{top}", apache2.username, apache2.password),
    )
    try:
        world = await essonne(World(services))
        async with hub_http(services) as http:
            yield GraphQLClient(http), world
    finally:
        await services.backends.aclose()


async def _steps(world: World) -> dict[tuple[str, str], tuple[bool, str | None]]:
    async with world.services.sessions() as session:
        rows = await session.scalars(select(ProvisioningStep))
        by_id = {town.id: slug for slug, town in world.towns.items()}
        return {(by_id[r.town_id], r.name): (r.done, r.error) for r in rows}


async def test_on_apache_provisioning_folders_and_moves_work(
    apache_hub: tuple[GraphQLClient, World],
) -> None:
    gql, world = apache_hub
    louis = world.token("louis")
    igny = (await ids(gql, louis))["Igny"]
    # given towns provisioned on Apache: every files step is done
    steps = await _steps(world)
    assert {slug: steps[(slug, "files")] for slug in world.towns} == {
        slug: (True, None) for slug in world.towns
    }
    # when folders are made, listed, and one is moved onto the other
    made = await gql(CREATE_FOLDER, {"workspace": igny, "path": "/Conseil"}, token=louis)
    await gql(CREATE_FOLDER, {"workspace": igny, "path": "/Archives"}, token=louis)
    inside = await gql(FOLDER, {"id": igny, "path": "/Conseil"}, token=louis)
    onto = await gql(MOVE, {"workspace": igny, "from": "/Conseil", "to": "/Archives"}, token=louis)
    # then the folder was made and said so, it lists, and the move is a conflict
    assert made.ok()["createFolder"] == {"path": "/Conseil", "name": "Conseil", "folder": True}
    assert inside.ok()["workspace"]["entries"] == []
    assert onto.codes == ["CONFLICT"]
    assert await names(gql, louis, igny) == ["Archives", "Conseil"]


async def test_on_apache_a_name_with_a_semicolon_is_kept(
    apache_hub: tuple[GraphQLClient, World],
) -> None:
    gql, world = apache_hub
    louis = world.token("louis")
    igny = (await ids(gql, louis))["Igny"]
    stored = await upload(gql, louis, igny, "/.htaccess;x", b"contenu")
    moved = await gql(
        MOVE, {"workspace": igny, "from": "/.htaccess;x", "to": "/trail ;z"}, token=louis
    )
    assert stored.ok()["uploadFile"]["name"] == ".htaccess;x"
    assert moved.ok()["moveEntry"]["name"] == "trail ;z"
    assert await names(gql, louis, igny) == ["trail ;z"]


async def file_audit(world: World) -> list[tuple[str, str]]:
    async with world.services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("file.%")).order_by(AuditEntry.id)
        )
        return [(row.action, row.outcome) for row in rows]


@pytest.mark.parametrize("name", [".htaccess;x", "CON;x.txt", "trail ;z"])
async def test_on_wsgidav_a_name_the_server_would_cut_is_refused_and_nothing_is_written(
    files_gql: GraphQLClient, files_world: World, on_disk: Path, name: str
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await upload(files_gql, louis, igny, "/source.txt", b"x")
    # when a file is uploaded under that name, and another moved to it
    stored = await upload(files_gql, louis, igny, f"/{name}", b"contenu")
    moved = await files_gql(
        MOVE, {"workspace": igny, "from": "/source.txt", "to": f"/{name}"}, token=louis
    )
    # then both are BAD_INPUT saying why, the server holds only the first file as it was,
    # and the audit records those refusals as what they were
    assert stored.codes == moved.codes == ["BAD_INPUT"]
    assert "';'" in stored.errors[0]["message"]
    held = [p.name for p in (on_disk / "igny").iterdir() if not p.name.startswith(HIDDEN_PREFIX)]
    assert held == ["source.txt"]
    assert (await file_audit(files_world))[-2:] == [
        ("file.upload", "BAD_INPUT"),
        ("file.move", "BAD_INPUT"),
    ]


@pytest.fixture
async def wrong_password_gql(
    hub_engine: AsyncEngine, hub_settings: Settings, wsgidav: EmbeddedServer
) -> AsyncIterator[tuple[GraphQLClient, World]]:
    top = await _top(wsgidav)
    services = await _hub(
        hub_engine, hub_settings, Endpoint(f"{wsgidav.url}/{top}", wsgidav.username, "not-it")
    )
    try:
        world = await essonne(World(services))
        async with hub_http(services) as http:
            yield GraphQLClient(http), world
    finally:
        await services.backends.aclose()


async def test_a_wrong_webdav_password_is_backend_unavailable_for_an_administrator(
    wrong_password_gql: tuple[GraphQLClient, World],
) -> None:
    gql, world = wrong_password_gql
    louis = world.token("louis")
    igny = (await ids(gql, louis))["Igny"]
    # given towns whose files step failed: a short sentence, not the raw exception
    done, error = (await _steps(world))[("igny", "files")]
    assert not done and error is not None and "administrator" in error and "401" not in error
    # when louis lists his folder and makes one
    listed = await gql(FOLDER, {"id": igny, "path": "/"}, token=louis)
    made = await gql(CREATE_FOLDER, {"workspace": igny, "path": "/Conseil"}, token=louis)
    # then both say the file server refused the hub, and that an administrator must act
    for reply in (listed, made):
        assert reply.codes == ["BACKEND_UNAVAILABLE"]
        message = reply.errors[0]["message"]
        assert "WebDAV" in message and "administrator" in message
