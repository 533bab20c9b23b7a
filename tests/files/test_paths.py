"""Workspace path validation: what is refused, and what French names survive."""

from __future__ import annotations

import unicodedata
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.files.port import TEMP_PREFIX
from hub.files.paths import UnsafePath, basename, join, normalise, parent, validate_name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/", "/"),
        ("", "/"),
        ("/Conseil/", "/Conseil"),
        ("Conseil//2026", "/Conseil/2026"),
        ("/L’école/l'été 2026.odt", "/L’école/l'été 2026.odt"),
        ("/50% de réduction.pdf", "/50% de réduction.pdf"),
        ("/.config", "/.config"),
    ],
)
def test_normalise_accepts_ordinary_paths(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


def test_nfd_and_nfc_spellings_normalise_to_the_same_nfc_path() -> None:
    # given the same name typed on a Mac (NFD) and on Windows (NFC)
    nfd = unicodedata.normalize("NFD", "/Procès-verbal d’été")
    nfc = unicodedata.normalize("NFC", "/Procès-verbal d’été")
    assert nfd != nfc
    # then both become the NFC spelling
    assert normalise(nfd) == normalise(nfc) == nfc


@pytest.mark.parametrize(
    ("typed", "reason_part"),
    [
        ("/a/../b", "'..'"),
        ("/..", "'..'"),
        ("/a/./b", "'.'"),
        ("/%2e%2e/etc", "percent"),
        ("/a%2fb", "percent"),
        ("/a%5cb", "percent"),
        ("/a\\b", "backslash"),
        ("/a\x00b", "NUL"),
        ("/a\x07b", "control"),
        ("/a\u202eb", "direction"),
        ("http://evil.example/x", "URL"),
        ("//evil.example/x", "URL"),
        ("javascript:alert(1)", "URL"),
        ("/" + "é" * 128, "255 bytes"),
        ("/" + "/".join(["a" * 200] * 21), "4096 bytes"),
        ("/.htaccess", "reserved"),
        ("/.HTACCESS", "reserved"),
        ("/film.mp4.part", ".part"),
        ("/x.filepart", ".part"),
        ("/" + TEMP_PREFIX + "abc", "prefix"),
        ("/rapport.", "dot or a space"),
        ("/rapport ", "dot or a space"),
        ("/a:b", "':'"),
        ("/a*b", "'*'"),
        ("/a?b", "'?'"),
        ('/a"b', "'\"'"),
        ("/a<b", "'<'"),
        ("/a>b", "'>'"),
        ("/a|b", "'|'"),
        ("/CON", "device"),
        ("/dossier/prn.txt", "device"),
        ("/Com1", "device"),
        ("/LPT9.log", "device"),
    ],
)
def test_normalise_refuses_unsafe_paths(typed: str, reason_part: str) -> None:
    with pytest.raises(UnsafePath) as caught:
        normalise(typed)
    assert reason_part in caught.value.reason
    assert isinstance(caught.value, ValueError)


def test_names_near_reserved_ones_are_fine() -> None:
    assert validate_name("CONSEIL.txt") == "CONSEIL.txt"
    assert validate_name("com10") == "com10"
    assert validate_name("partie.odt") == "partie.odt"
    assert validate_name("." + "a" * 254) == "." + "a" * 254


def test_helpers_split_and_join() -> None:
    assert join("/Conseil", "ordre du jour.pdf") == "/Conseil/ordre du jour.pdf"
    assert join("/", "a") == "/a"
    assert parent("/Conseil/ordre.pdf") == "/Conseil"
    assert parent("/Conseil") == "/" and parent("/") == "/"
    assert basename("/Conseil/ordre.pdf") == "ordre.pdf" and basename("/") == ""
    with pytest.raises(UnsafePath):
        join("/Conseil", "../secret")


@given(st.text(max_size=300))
def test_a_normalised_path_is_absolute_without_dot_dot_and_stable(typed: str) -> None:
    try:
        path = normalise(typed)
    except UnsafePath:
        return
    assert path.startswith("/")
    assert ".." not in path.split("/")
    assert "\\" not in path and "\x00" not in path
    assert normalise(path) == path
    assert unicodedata.is_normalized("NFC", path)


french_words = st.lists(
    st.sampled_from(
        ["Été", "procès-verbal", "l’école", "l'église", "à", "côté", "ça", "Noël", "œuvre", "2026"]
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@given(st.lists(french_words, min_size=1, max_size=5), st.sampled_from(["NFC", "NFD"]))
def test_french_names_round_trip(segments: list[str], form: Literal["NFC", "NFD"]) -> None:
    typed = unicodedata.normalize(form, "/" + "/".join(segments))
    assert normalise(typed) == unicodedata.normalize("NFC", typed)
