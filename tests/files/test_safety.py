"""Unsafe input is refused with nothing touched; oversized, cut-off and cross-site uploads
leave nothing behind; a dead or silent file server costs one timeout, not the hub."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from connectors.files.webdav import WebDavStore
from hub.embedded.process import free_port
from hub.files.stores import MARKER, FileStores
from hub.identity.sessions import COOKIE, CSRF_HEADER, open_session
from tests.files.conftest import UPLOAD_LIMIT
from tests.files.helpers import (
    CREATE_FOLDER,
    DELETE,
    FOLDER,
    MOVE,
    multipart_fields,
    upload,
)
from tests.files.helpers import workspace_ids as ids
from tests.support.graphql import GraphQLClient
from tests.support.world import World

UNSAFE = [
    "/../etc/passwd",
    "/a/../../b",
    "/%2e%2e/b",
    "/a%2fb",
    "/a\\..\\b",
    "/a\x00b",
    "http://evil.example/x",
    "//evil.example/x",
    "/" + "é" * 200,
    "/CON",
    "/.htaccess",
    "/notes.part",
    "/.~entente-upload-123",
    "/.~entente-workspace-igny",
    "/fin.",
]
TIMEOUT = 0.5


def everything_under(folder: Path) -> list[str]:
    """What the folder holds, but the workspace's marker (``hub.files.stores.MARKER``)."""
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.startswith(MARKER)
    )


@pytest.mark.parametrize("path", UNSAFE)
async def test_an_unsafe_path_is_bad_input_and_touches_nothing(
    files_gql: GraphQLClient, files_world: World, on_disk: Path, path: str
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    before = everything_under(on_disk)

    replies = [
        await files_gql(FOLDER, {"id": igny, "path": path}, token=louis),
        await files_gql(CREATE_FOLDER, {"workspace": igny, "path": path}, token=louis),
        await files_gql(DELETE, {"workspace": igny, "path": path}, token=louis),
        await files_gql(MOVE, {"workspace": igny, "from": "/x", "to": path}, token=louis),
        await upload(files_gql, louis, igny, path, b"x"),
    ]
    downloaded = await files_gql.http.get(
        f"/download/{igny}", params={"path": path}, headers={"Authorization": f"Bearer {louis}"}
    )

    assert [reply.codes for reply in replies] == [["BAD_INPUT"]] * 5
    assert downloaded.status_code == 400
    assert downloaded.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert everything_under(on_disk) == before


async def test_an_upload_over_the_limit_is_too_large_and_leaves_nothing(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    fields = multipart_fields({"workspace": igny, "path": "/gros.bin"})

    async def body() -> AsyncIterator[bytes]:  # chunked: no Content-Length to trust
        boundary = b"--frontiere"
        for name, value in fields.items():
            yield boundary + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            yield value.encode() + b"\r\n"
        yield (
            boundary + b'\r\nContent-Disposition: form-data; name="0"; filename="gros.bin"\r\n\r\n'
        )
        for _ in range(UPLOAD_LIMIT // 4096 + 8):
            yield b"x" * 4096
        yield b"\r\n--frontiere--\r\n"

    response = await files_gql.http.post(
        "/graphql/upload",
        content=body(),
        headers={
            "Authorization": f"Bearer {louis}",
            "Content-Type": "multipart/form-data; boundary=frontiere",
        },
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_LARGE"
    assert everything_under(on_disk / "igny") == []


async def test_an_upload_announced_over_the_limit_is_refused_before_reading(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]

    reply = await upload(files_gql, louis, igny, "/gros.bin", b"x" * (UPLOAD_LIMIT * 4))

    assert reply.codes == ["TOO_LARGE"]
    assert everything_under(on_disk / "igny") == []


async def test_an_upload_cut_off_midway_leaves_no_file(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    fields = multipart_fields({"workspace": igny, "path": "/coupé.txt"})
    body = b"".join(
        b'--f\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (name.encode(), value.encode())
        for name, value in fields.items()
    )
    body += b'--f\r\nContent-Disposition: form-data; name="0"; filename="c.txt"\r\n\r\n'
    body += b"le d\xc3\xa9but seulement" * 100  # and then the connection drops

    response = await files_gql.http.post(
        "/graphql/upload",
        content=body,
        headers={
            "Authorization": f"Bearer {louis}",
            "Content-Type": "multipart/form-data; boundary=f",
        },
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert everything_under(on_disk / "igny") == []


async def test_a_cookie_upload_without_the_csrf_header_is_refused(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    igny = (await ids(files_gql, files_world.token("louis")))["Igny"]
    async with files_world.services.sessions() as session:
        opened = await open_session(session, files_world.people["louis"])
    files = {"0": ("x.txt", b"x", "text/plain")}
    cookies = {COOKIE: opened.cookie}
    fields = multipart_fields({"workspace": igny, "path": "/x.txt"})

    files_gql.http.cookies.update(cookies)
    cross_site = await files_gql.http.post("/graphql/upload", data=fields, files=files)
    same_site = await files_gql.http.post(
        "/graphql/upload", data=fields, files=files, headers={CSRF_HEADER: opened.csrf_token}
    )

    assert cross_site.status_code == 403
    assert same_site.json()["data"]["uploadFile"]["path"] == "/x.txt"
    assert everything_under(on_disk / "igny") == ["x.txt"]


async def test_the_upload_endpoint_runs_nothing_but_one_upload(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    headers = {"Authorization": f"Bearer {louis}"}
    files = {"0": ("x.txt", b"x", "text/plain")}
    delete = 'mutation($file: Upload) { deleteEntry(workspace: "w", path: "/x") }'
    batch = {"operations": json.dumps([{"query": "{ me { hubAdmin } }"}]), "map": "{}"}

    other = await files_gql.http.post(
        "/graphql/upload", data=multipart_fields({}, delete), files=files, headers=headers
    )
    batched = await files_gql.http.post("/graphql/upload", data=batch, files=files, headers=headers)
    plain_graphql = await files_gql.http.post(
        "/graphql",
        data=multipart_fields({"workspace": igny, "path": "/x.txt"}),
        files=files,
        headers=headers,
    )

    assert other.status_code == batched.status_code == 400
    assert plain_graphql.status_code == 400
    assert plain_graphql.json()["errors"] == [
        {"message": "Unsupported content type", "extensions": {"code": "BAD_INPUT"}}
    ]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


@pytest.mark.parametrize("kind", ["closed port", "silent server"])
async def test_a_dead_or_silent_file_server_is_unavailable_within_the_timeout(
    files_gql: GraphQLClient, files_world: World, silent_server: str, kind: str
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    url = f"http://127.0.0.1:{free_port('127.0.0.1')}" if kind == "closed port" else silent_server

    def broken(root: str) -> WebDavStore:
        return WebDavStore(url, username="u", password="p", root=root, timeout=TIMEOUT)

    connected = files_world.services.backends.files
    files_world.services.backends.files = FileStores({"webdav": broken}, timeout=TIMEOUT)
    await connected.aclose()

    started = time.monotonic()
    listing, me = await asyncio.gather(
        files_gql(FOLDER, {"id": igny, "path": "/"}, token=louis),
        files_gql("{ me { person { username } } }", token=louis),
    )
    elapsed = time.monotonic() - started

    assert listing.codes == ["BACKEND_UNAVAILABLE"]
    assert me.ok() == {"me": {"person": {"username": "louis"}}}
    assert elapsed < TIMEOUT + 1.0
