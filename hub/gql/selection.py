"""What a query asks for below the field being resolved: a list can then read at once what
each of its items will need, instead of each item awaiting its own read."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import SelectedField, Selection

from hub.gql.context import Info


def selects(info: Info, *path: str) -> bool:
    """Whether the current field's selection reaches ``path`` (GraphQL field names, through
    fragments). A field under ``@skip``/``@include`` counts as asked: reading it for nothing
    costs one query, never a wrong answer."""
    return any(_reaches(field.selections, path) for field in info.selected_fields)


def _reaches(selections: Iterable[Selection], path: tuple[str, ...]) -> bool:
    if not path:
        return True
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and _reaches(selection.selections, path[1:]):
                return True
        elif _reaches(selection.selections, path):  # a fragment, inline or named
            return True
    return False
