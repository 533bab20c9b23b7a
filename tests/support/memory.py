"""Finished apps leave the suite's memory.

Each test builds its own app, and FastAPI remembers every endpoint it has classified in
module-level memos of 4 096 entries each. The hub's endpoints are closures over their app
(its settings, its GraphQL schema), so those memos kept hundreds of finished apps alive: 2.3
million objects a third of the way through the suite, whose full garbage collections then
held the event loop for 2 to 3 s, past the calendar tests' 0.5 s backend deadline ("The
calendar of 'bievres' did not answer in time"). A process serves one app and never grows
them; the suite empties them after each test (a memo emptied changes no answer).

What the collection imported (the modules, strawberry's and SQLAlchemy's structures) lives as
long as the session: it is frozen out of the collector's sight once the tests are collected,
as the hub does at start-up (``hub.app.settle_garbage_collector``), so that a full collection
walks only what the tests made."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import fastapi.dependencies.models as fastapi_models
import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


def forget_finished_apps() -> None:
    memos = [value for value in vars(fastapi_models).values() if hasattr(value, "cache_clear")]
    if not memos:
        raise AssertionError("FastAPI's endpoint memos moved: find them again (see this module)")
    for memo in memos:
        memo.cache_clear()


@pytest.fixture(autouse=True)
def _forget_finished_apps() -> Iterator[None]:
    yield
    forget_finished_apps()
