"""A free name beside an existing file: "Budget.pdf" → "Budget (2).pdf", as file managers do."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection

from hub.errors import Conflict
from hub.files import paths

MAX_COPIES = 100
_NUMBERED = re.compile(r"^(?P<stem>.*) \((?P<n>\d+)\)$")


def numbered(name: str, n: int) -> str:
    """``name`` with "(n)" before its extension (the extension of "archive.tar.gz" is ".gz")."""
    stem, extension = posixpath.splitext(name)
    if not stem:  # ".bashrc": all extension, no stem
        stem, extension = name, ""
    found = _NUMBERED.match(stem)
    if found is not None:
        stem = found.group("stem")
    return f"{stem} ({n}){extension}"


def free_name(path: str, taken: Collection[str]) -> str:
    """``path`` if its name is not in ``taken`` (the folder's names), else the first numbered
    name that is (CONFLICT past ``MAX_COPIES``)."""
    folder, name = paths.parent(path), paths.basename(path)
    if name not in taken:
        return path
    for n in range(2, MAX_COPIES + 2):
        candidate = numbered(name, n)
        if candidate not in taken:
            return paths.join(folder, candidate)
    raise Conflict(f"'{name}' has {MAX_COPIES} copies already in this folder; rename it first.")
