"""The upload routes stream files past HUB_MAX_BODY_BYTES; their other parts stay small."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from hub.identity.sessions import COOKIE, open_session
from hub.services import Services
from tests.files.helpers import upload
from tests.files.helpers import workspace_ids as ids
from tests.support.graphql import GraphQLClient, hub_http
from tests.support.world import World

BODY_LIMIT = 2048
FILE = "Délibération du conseil municipal.\n".encode() * 300  # ~11 kB, under the upload limit


@pytest.fixture
async def small_bodies(files_services: Services) -> AsyncIterator[GraphQLClient]:
    settings = files_services.settings.model_copy(update={"max_body_bytes": BODY_LIMIT})
    async with hub_http(replace(files_services, settings=settings)) as http:
        yield GraphQLClient(http)


async def portal_upload(
    http: httpx.AsyncClient, world: World, workspace: str, parts: list[tuple[str, object]]
) -> httpx.Response:
    async with world.services.sessions() as session:
        opened = await open_session(session, world.people["louis"])
    http.cookies.set(COOKIE, opened.cookie)
    fields = [("csrf", opened.csrf_token), ("path", "/")]
    body, boundary = multipart([*fields, *parts])
    return await http.post(
        f"/files/{workspace}/upload",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def multipart(parts: list[tuple[str, object]]) -> tuple[bytes, str]:
    """A browser's form: text fields, and files as (name, bytes)."""
    boundary = "entente-test-boundary"
    body = b""
    for name, value in parts:
        if isinstance(value, tuple):
            filename, content = value
            head = f'name="{name}"; filename="{filename}"\r\nContent-Type: text/plain'
        else:
            head, content = f'name="{name}"', str(value).encode()
        body += f"--{boundary}\r\nContent-Disposition: form-data; {head}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), boundary


async def test_files_larger_than_the_body_limit_still_upload(
    small_bodies: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(small_bodies, louis))["Igny"]

    api = await upload(small_bodies, louis, igny, "/api.txt", FILE)
    portal = await portal_upload(
        small_bodies.http, files_world, igny, [("files", ("portail.txt", FILE))]
    )
    graphql = await small_bodies.http.post(
        "/graphql",
        json={"query": "#" + "x" * BODY_LIMIT + "\nquery { me { hubAdmin } }"},
        headers={"Authorization": f"Bearer {louis}"},
    )

    assert len(FILE) > 4 * BODY_LIMIT
    assert api.ok()
    assert portal.status_code == 303
    assert (on_disk / "igny" / "api.txt").read_bytes() == FILE
    assert (on_disk / "igny" / "portail.txt").read_bytes() == FILE
    assert graphql.status_code == 413  # and the JSON routes are held to it


async def test_a_large_part_that_is_not_a_file_is_refused(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    igny = (await ids(files_gql, files_world.token("louis")))["Igny"]

    response = await portal_upload(
        files_gql.http,
        files_world,
        igny,
        [("files", ("a.txt", b"a")), ("note", "n" * 100_000)],
    )

    assert response.status_code == 400
    assert "Le formulaire d&#39;envoi n&#39;est pas valide" in response.text
