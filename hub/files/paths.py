"""Workspace paths: validate what a user typed before it reaches a file store.

A workspace path is POSIX-like and absolute inside the workspace: ``/`` is the workspace root,
segments are separated by ``/``. ``normalise`` either returns the one canonical spelling (NFC,
leading ``/``, no empty, ``.`` or trailing segments) or raises ``UnsafePath`` saying why.

The rules are the union of what the backends refuse, so a path accepted here is accepted by
Nextcloud, by a plain WebDAV server on Linux, and survives a sync to a Windows desktop:
- traversal and smuggling: ``..``, percent-escapes (``%2e%2e``, ``%2f``), backslashes, URLs;
- bytes no file system or HTTP header should carry: NUL, control and bidi-override characters;
- Windows/Nextcloud names: ``:*?"<>|``, trailing dot or space, CON/PRN/AUX/NUL/COM1…/LPT1…;
- Nextcloud reserved names: ``.htaccess``, ``.part``/``.filepart`` (its temporary uploads), and
  the hub's own temporary upload prefix;
- lengths: 255 UTF-8 bytes per segment, 4096 for the whole path.
"""

from __future__ import annotations

import re
import unicodedata

from connectors.files.port import HIDDEN_PREFIX

MAX_SEGMENT_BYTES = 255
MAX_PATH_BYTES = 4096

_FORBIDDEN_CHARS = frozenset(':*?"<>|\\')
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
_RESERVED_NAMES = frozenset([".htaccess"])
_RESERVED_SUFFIXES = (".part", ".filepart")


class UnsafePath(ValueError):
    """The path cannot be used as given; ``reason`` says why in plain words."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"unsafe path {path!r}: {reason}")
        self.path = path
        self.reason = reason


def validate_name(name: str) -> str:
    """Check one path segment (a file or folder name) and return it in NFC."""
    name = unicodedata.normalize("NFC", name)
    if name in ("", ".", ".."):
        raise UnsafePath(name, "empty, '.' or '..' is not a name")
    if len(name.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise UnsafePath(name, f"a name is at most {MAX_SEGMENT_BYTES} bytes")
    for char in name:
        if char == "/":
            raise UnsafePath(name, "a name cannot contain '/'")
        if char in _FORBIDDEN_CHARS:
            raise UnsafePath(name, f"a name cannot contain {char!r}")
        if unicodedata.category(char) == "Cc":
            raise UnsafePath(name, "a name cannot contain control characters")
        if char in _BIDI_CONTROLS:
            raise UnsafePath(name, "a name cannot contain text-direction overrides")
    if _PERCENT_ESCAPE.search(name):
        raise UnsafePath(name, "percent-escapes are not allowed (send the decoded name)")
    if name[-1] in ". ":
        raise UnsafePath(name, "a name cannot end with a dot or a space")
    lowered = name.lower()
    if lowered in _RESERVED_NAMES:
        raise UnsafePath(name, "this name is reserved by the server")
    if lowered.endswith(_RESERVED_SUFFIXES):
        raise UnsafePath(name, "the .part and .filepart suffixes are reserved for uploads")
    if name.startswith(HIDDEN_PREFIX):
        raise UnsafePath(name, "this prefix is reserved for the hub's own files")
    if name.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        raise UnsafePath(name, "this is a reserved device name on Windows")
    return name


def normalise(path: str) -> str:
    """Return the canonical workspace path (``/`` for the root) or raise ``UnsafePath``."""
    if "\x00" in path:
        raise UnsafePath(path, "NUL byte")
    if path.startswith("//") or _URL_SCHEME.match(path):
        raise UnsafePath(path, "a URL is not a workspace path")
    if "\\" in path:
        raise UnsafePath(path, "backslashes are not separators here")
    if _PERCENT_ESCAPE.search(path):
        raise UnsafePath(path, "percent-escapes are not allowed (send the decoded path)")
    segments = [segment for segment in path.split("/") if segment != ""]
    if any(segment in (".", "..") for segment in segments):
        raise UnsafePath(path, "'.' and '..' segments are not allowed")
    canonical = "/" + "/".join(validate_name(segment) for segment in segments)
    if len(canonical.encode("utf-8")) > MAX_PATH_BYTES:
        raise UnsafePath(path, f"a path is at most {MAX_PATH_BYTES} bytes")
    return canonical


def join(folder: str, name: str) -> str:
    """The canonical path of ``name`` inside ``folder``."""
    return normalise(normalise(folder).rstrip("/") + "/" + validate_name(name))


def parent(path: str) -> str:
    """The folder holding ``path`` (the root is its own parent)."""
    canonical = normalise(path)
    return canonical.rsplit("/", 1)[0] or "/"


def basename(path: str) -> str:
    """The last segment of ``path`` ("" for the root)."""
    return normalise(path).rsplit("/", 1)[1]
