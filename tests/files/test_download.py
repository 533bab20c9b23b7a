"""Entry.downloadUrl streams the file through the hub: ranges, type, a UTF-8 file name."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.files.download import (
    _PERCENT_ENCODED,
    Unsatisfiable,
    attachment,
    parse_range,
    quote_path,
)
from tests.files.helpers import FOLDER, download, upload
from tests.files.helpers import workspace_ids as ids
from tests.support.graphql import GraphQLClient
from tests.support.world import World

CSV = "Chapitre;Libellé;Montant\n011;Charges à caractère général;412 000\n".encode()


async def published(gql: GraphQLClient, token: str, workspace: str) -> dict[str, str]:
    data = (await gql(FOLDER, {"id": workspace, "path": "/"}, token=token)).ok()
    return {e["name"]: e["downloadUrl"] for e in data["workspace"]["entries"]}


async def uploaded_by_louis(
    gql: GraphQLClient, world: World, name: str, content: bytes
) -> tuple[str, str]:
    """Louis's token and the download URL of ``/name``, which he uploads to Igny."""
    louis = world.token("louis")
    igny = (await ids(gql, louis))["Igny"]
    await upload(gql, louis, igny, f"/{name}", content, filename=name)
    return louis, (await published(gql, louis, igny))[name]


async def test_a_download_streams_the_file_with_its_type_and_name(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    await upload(files_gql, louis, igny, "/Budget primitif 2027 – révisé.csv", CSV)
    url = (await published(files_gql, louis, igny))["Budget primitif 2027 – révisé.csv"]

    response = await download(files_gql.http, url, louis)

    assert response.status_code == 200
    assert response.content == CSV
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-length"] == str(len(CSV))
    assert response.headers["accept-ranges"] == "bytes"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Budget primitif 2027 _ revise.csv"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == (
        "Budget primitif 2027 – révisé.csv"
    )
    async with files_world.services.sessions() as session:
        trail = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "file.download"))
        ).all()
    assert [(e.town_id, e.outcome) for e in trail] == [(files_world.towns["igny"].id, "ok")]


async def test_a_range_gets_206_and_an_impossible_one_416(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis, url = await uploaded_by_louis(files_gql, files_world, "b.csv", CSV)

    middle = await download(files_gql.http, url, louis, {"Range": "bytes=4-11"})
    tail = await download(files_gql.http, url, louis, {"Range": "bytes=-8"})
    beyond = await download(files_gql.http, url, louis, {"Range": "bytes=9999-"})

    assert middle.status_code == 206
    assert middle.content == CSV[4:12]
    assert middle.headers["content-range"] == f"bytes 4-11/{len(CSV)}"
    assert tail.status_code == 206
    assert tail.content == CSV[-8:]
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(CSV)}"


ACTIVE = {
    "page.html": b"<script>fetch('/graphql')</script>",
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "app.js": b"alert(document.cookie)",
    "data.xml": b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml"/>',
    "no-extension": b"<html><script>alert(1)</script></html>",
}


@pytest.mark.parametrize("name", list(ACTIVE))
async def test_an_uploaded_file_never_runs_in_the_hubs_origin(
    files_gql: GraphQLClient, files_world: World, name: str
) -> None:
    content = ACTIVE[name]
    louis, url = await uploaded_by_louis(files_gql, files_world, name, content)

    response = await download(files_gql.http, url, louis)

    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert "sandbox" in policy  # no allow-scripts, no allow-same-origin: an opaque origin
    assert "default-src 'none'" in policy


async def test_downloads_are_refused_to_strangers_and_for_folders(
    files_gql: GraphQLClient, files_world: World
) -> None:
    camille = files_world.token("camille")
    bievres = (await ids(files_gql, camille))["Bièvres"]
    await upload(files_gql, camille, bievres, "/pv.txt", b"PV")
    url = (await published(files_gql, camille, bievres))["pv.txt"]

    stranger = await download(files_gql.http, url, files_world.token("louis"))
    anonymous = await files_gql.http.get(url)
    folder = await download(files_gql.http, url.split("?")[0] + "?path=/", camille)
    missing = await download(files_gql.http, url.split("?")[0] + "?path=/absent.txt", camille)

    assert (stranger.status_code, stranger.json()["errors"][0]["extensions"]["code"]) == (
        403,
        "FORBIDDEN",
    )
    assert anonymous.status_code == 401
    assert folder.status_code == 400
    assert missing.status_code == 404


async def test_folders_have_no_download_url(
    files_gql: GraphQLClient, files_world: World, on_disk: Path
) -> None:
    louis = files_world.token("louis")
    igny = (await ids(files_gql, louis))["Igny"]
    (on_disk / "igny" / "Archives").mkdir()

    assert await published(files_gql, louis, igny) == {"Archives": None}


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 10, None),
        ("bytes=0-", 10, (0, 9)),
        ("bytes=2-4", 10, (2, 4)),
        ("bytes=2-400", 10, (2, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=4-2", 10, None),
        ("bytes=0-1,4-5", 10, None),
        ("items=0-1", 10, None),
        ("bytes=x-1", 10, None),
        ("bytes=2-", None, (2, None)),
        ("bytes=\u00b2-", 10, None),
        ("bytes=\u0661-\u0663", 10, None),
        ("bytes=0-" + "9" * 5000, 10, (0, 9)),
        ("bytes=-" + "9" * 5000, 10, (0, 9)),
        ("bytes=" + "0" * 5000 + "2-3", 10, (2, 3)),
        ("bytes=" + "9" * 5000 + "-", None, None),
    ],
)
def test_ranges_are_read_as_rfc_9110_says(
    header: str | None, size: int | None, expected: tuple[int, int | None] | None
) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0), ("bytes=" + "9" * 5000 + "-", 10)],
)
def test_ranges_past_the_end_are_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.from_regex(r"bytes=[0-9\u00b2\u0661 ,-]{0,40}", fullmatch=True)))
def test_any_range_header_is_read_or_ignored_never_a_crash(header: str) -> None:
    try:
        found = parse_range(header, 10)
    except Unsatisfiable:
        return
    assert found is None or 0 <= found[0] <= (found[1] if found[1] is not None else 9) <= 9


async def test_a_malformed_or_huge_range_is_ignored_or_416_never_500(
    files_gql: GraphQLClient, files_world: World
) -> None:
    louis, url = await uploaded_by_louis(files_gql, files_world, "r.csv", CSV)

    superscript = await download(files_gql.http, url, louis, {"Range": b"bytes=\xb2-"})
    huge_start = await download(files_gql.http, url, louis, {"Range": "bytes=" + "9" * 5000 + "-"})
    huge_end = await download(files_gql.http, url, louis, {"Range": "bytes=0-" + "9" * 5000})

    assert (superscript.status_code, superscript.content) == (200, CSV)
    assert huge_start.status_code == 416
    assert huge_start.headers["content-range"] == f"bytes */{len(CSV)}"
    assert (huge_end.status_code, huge_end.content) == (206, CSV)
    assert huge_end.headers["content-range"] == f"bytes 0-{len(CSV) - 1}/{len(CSV)}"


def test_the_disposition_header_never_carries_a_quote_or_a_line_break() -> None:
    header = attachment('a"b\\c\r\nd.txt')

    assert header.startswith('attachment; filename="a_b_c__d.txt"; filename*=UTF-8')
    assert "\r" not in header and "\n" not in header


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_download_urls_quote_paths_as_urllib_does(path: str) -> None:
    # any text: accents, quotes, spaces, '?', '&', '#', '%', '/', control characters
    assert quote_path(path) == quote(path, safe="/")
    assert unquote(quote_path(path)) == path


def test_quoting_every_code_point_keeps_a_bounded_table() -> None:
    # a listing whose names use ten thousand different characters
    path = "/" + "".join(chr(code) for code in range(0x4E00, 0x4E00 + 10_000))
    assert quote_path(path) == quote(path, safe="/")
    assert len(_PERCENT_ENCODED) <= 4096
