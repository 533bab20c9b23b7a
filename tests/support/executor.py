"""Watching the executor: which list items went through graphql-core's per-item path."""

from __future__ import annotations

import pytest

from hub.gql.executor import HubExecutor


def items_through_general_path(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The list, filled as items are completed one by one (the fast path's fallback)."""
    seen: list[object] = []
    general = HubExecutor.complete_list_item_value

    def counted(self: HubExecutor, item: object, *args: object) -> bool:
        seen.append(item)
        return general(self, item, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(HubExecutor, "complete_list_item_value", counted)
    return seen
