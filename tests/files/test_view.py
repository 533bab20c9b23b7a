"""Opening images and PDFs in the browser (``Entry.viewUrl``): which files, and the headers
that keep them passive; everything else stays an attachment."""

from __future__ import annotations

import zlib

import pytest

from hub.files import viewing
from hub.files.download import DOWNLOAD_POLICY
from hub.files.pdf_scripts import passive
from tests.files.helpers import FOLDER, download, upload
from tests.files.helpers import workspace_ids as ids
from tests.support.graphql import GraphQLClient
from tests.support.pdfs import pdf, png
from tests.support.world import World

IMAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
PDF_POLICY = "sandbox; default-src 'none'"


async def published(
    gql: GraphQLClient, world: World, files: dict[str, bytes]
) -> tuple[str, dict[str, dict[str, str | None]]]:
    """Louis's token, and the URLs of ``files`` once he has uploaded them to Igny."""
    louis = world.token("louis")
    igny = (await ids(gql, louis))["Igny"]
    for name, content in files.items():
        await upload(gql, louis, igny, f"/{name}", content, filename=name)
    data = (await gql(FOLDER, {"id": igny, "path": "/"}, token=louis)).ok()
    return louis, {e["name"]: e for e in data["workspace"]["entries"]}


async def test_images_and_pdfs_get_a_view_url_and_nothing_else_does(
    files_gql: GraphQLClient, files_world: World
) -> None:
    names = ["photo.PNG", "plan.jpeg", "logo.gif", "carte.webp", "note.pdf", "dessin.svg"]
    names += ["page.html", "tableau.csv"]
    _, entries = await published(files_gql, files_world, {name: b"x" for name in names})

    viewable = sorted(name for name, e in entries.items() if e["viewUrl"])

    assert viewable == ["carte.webp", "logo.gif", "note.pdf", "photo.PNG", "plan.jpeg"]
    assert entries["note.pdf"]["viewUrl"] == f"{entries['note.pdf']['downloadUrl']}&inline=1"


async def test_an_image_opens_inline_typed_by_the_hub_sniffing_forbidden(
    files_gql: GraphQLClient, files_world: World
) -> None:
    image = png()
    louis, entries = await published(files_gql, files_world, {"plan du bourg.png": image})

    response = await download(files_gql.http, str(entries["plan du bourg.png"]["viewUrl"]), louis)

    assert response.status_code == 200 and response.content == image
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith(
        'inline; filename="plan du bourg.png"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == IMAGE_POLICY


async def test_a_pdf_without_scripts_opens_inline_whole(
    files_gql: GraphQLClient, files_world: World
) -> None:
    document = pdf("Ordre du jour")
    louis, entries = await published(files_gql, files_world, {"ordre.pdf": document})
    url = str(entries["ordre.pdf"]["viewUrl"])

    response = await download(files_gql.http, url, louis, {"Range": "bytes=0-9"})

    # sent whole (what is shown is what was checked), inline, under the download's policy
    assert response.status_code == 200 and response.content == document
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["accept-ranges"] == "none"
    assert response.headers["content-security-policy"] == PDF_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("script.pdf", pdf("Bonjour", script="app.alert('pwned')")),
        ("page.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.html", b"<script>alert(1)</script>"),
    ],
)
async def test_what_may_be_active_stays_an_attachment_even_asked_inline(
    files_gql: GraphQLClient, files_world: World, name: str, content: bytes
) -> None:
    louis, entries = await published(files_gql, files_world, {name: content})
    url = f"{entries[name]['downloadUrl']}&inline=1"

    response = await download(files_gql.http, url, louis)

    assert response.status_code == 200 and response.content == content
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-security-policy"] == DOWNLOAD_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_pdf_over_the_checked_size_is_a_download(
    files_gql: GraphQLClient, files_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(viewing, "MAX_PDF", 100)
    document = pdf("Un document trop long pour être lu en entier")
    louis, entries = await published(files_gql, files_world, {"long.pdf": document})

    response = await download(files_gql.http, str(entries["long.pdf"]["viewUrl"]), louis)

    assert response.status_code == 200 and response.content == document
    assert response.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "stored", "expected"),
    [
        ("a.png", None, "image/png"),
        ("a.JPG", "image/jpeg", "image/jpeg"),
        ("a.jpg", "image/pjpeg", "image/jpeg"),
        ("a.pdf", "application/octet-stream", "application/pdf"),
        ("a.png", "text/html", None),  # the server stored something else under that name
        ("a.pdf", "image/svg+xml", None),
        ("a.svg", "image/svg+xml", None),
        ("a.png.html", "text/html", None),
        ("png", None, None),
        (".png", None, None),  # a hidden file's name, as posixpath.splitext reads it
        ("..png", None, None),
        ("a..png", None, "image/png"),
        ("rapport.v2.PDF", None, "application/pdf"),
    ],
)
def test_the_viewable_type_comes_from_the_name_and_must_agree_with_the_stored_one(
    name: str, stored: str | None, expected: str | None
) -> None:
    assert viewing.viewable_type(name, stored) == expected


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"%PDF-1.5\n1 0 obj\n" + dictionary + b"\nstream\n" + data + b"\nendstream\nendobj\n"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (pdf("Bonjour"), True),
        (_stream(b"<< /Filter /FlateDecode >>", zlib.compress(b"BT (Bonjour) Tj ET")), True),
        (_stream(b"<< /Filter /DCTDecode >>", b"\xff\xd8\xff\xe0 not flate"), True),
        (pdf("Bonjour", script="app.alert(1)"), False),
        (pdf("Bonjour", script="app.alert(1)").replace(b"/JS ", b"/J#53 "), False),
        (pdf("Bonjour", script="x").replace(b"/JavaScript", b"/Java#53cript"), False),
        (pdf("Bonjour", script="app.alert(1)", object_stream=True), False),
        (_stream(b"<< /Type /ObjStm >>", zlib.compress(zlib.compress(b"<</JS(x)>>"))), False),
        (_stream(b"<< /Filter /ASCII85Decode >>", b'87cURD]i,"Ebo80~>'), False),
        (_stream(b"<< /Filter [/AHx /FlateDecode] >>", b"789c"), False),
        (b"%PDF-1.5\ntrailer << /Encrypt 5 0 R >>", False),
        (_stream(b"<< /XFA 3 0 R >>", b""), False),
        (_stream(b"<< /Filter /FlateDecode >>", zlib.compress(b"\0" * (65 * 1024 * 1024))), False),
    ],
)
def test_a_pdf_is_passive_only_when_no_script_can_hide_in_it(
    document: bytes, expected: bool
) -> None:
    assert passive(document) is expected
