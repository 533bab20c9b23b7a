"""The per-backend circuit breaker: a dead server is skipped for a short, growing pause
instead of costing a full timeout on every request, and is asked again on its own. Time is
an injected clock, stepped by the tests (nothing sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from connectors.breaker import Breaker
from connectors.calendar.caldav_store import CalDAVStore
from connectors.errors import CircuitOpen, Unavailable
from hub.embedded.process import EmbeddedServer
from tests.servers.radicale import radicale_home


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_repeated_failures_and_closes_after_a_good_trial() -> None:
    clock = Clock()
    breaker = Breaker("caldav", threshold=3, pause=2.0, max_pause=10.0, clock=clock)
    # given two failures: still closed
    for _ in range(2):
        breaker.before()
        breaker.failure()
    breaker.before()
    # when a third fails, then calls are refused at once, saying why and for how long
    breaker.failure()
    with pytest.raises(CircuitOpen, match="failed 3 times in a row"):
        breaker.before()
    # when the pause is over, one trial goes through (and only one)
    clock.now += 2.0
    breaker.before()
    with pytest.raises(CircuitOpen, match="trial"):
        breaker.before()
    # and its success closes the breaker
    breaker.success()
    breaker.before()
    assert not breaker.open


def test_each_failed_trial_doubles_the_pause_up_to_the_maximum() -> None:
    clock = Clock()
    breaker = Breaker("webdav", threshold=1, pause=2.0, max_pause=5.0, clock=clock)
    breaker.before()
    breaker.failure()
    pauses = []
    for _ in range(3):
        waited = 0.0
        while True:
            try:
                breaker.before()
                break
            except CircuitOpen:
                clock.now += 0.5
                waited += 0.5
        pauses.append(waited)
        breaker.failure()  # the trial fails too
    assert pauses == [2.0, 4.0, 5.0]


@pytest.fixture
async def counting_dead_server() -> AsyncIterator[tuple[str, list[int]]]:
    """A server that accepts connections and closes them at once (a crashed backend behind
    a listening proxy); the list counts the connections it got."""
    seen: list[int] = []

    async def drop(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/entente/", seen
    finally:
        server.close()
        await server.wait_closed()


async def test_a_dead_server_is_skipped_then_asked_again(
    counting_dead_server: tuple[str, list[int]], radicale: EmbeddedServer
) -> None:
    url, connections = counting_dead_server
    clock = Clock()
    breaker = Breaker("caldav", threshold=3, pause=5.0, clock=clock)
    store = CalDAVStore(url, "u", "p", timeout=2, breaker=breaker)
    try:
        # given three reads that failed on the dead server
        for _ in range(3):
            with pytest.raises(Unavailable):
                await store.fetch("agenda", None)
        reached = len(connections)
        # when it is read again during the pause, then it is skipped without a connection
        with pytest.raises(CircuitOpen, match="asks again in 5 s"):
            await store.fetch("agenda", None)
        assert len(connections) == reached
        # when the pause is over, it is asked again (and, still dead, skipped anew)
        clock.now += 5.0
        with pytest.raises(Unavailable):
            await store.fetch("agenda", None)
        assert len(connections) > reached
        with pytest.raises(CircuitOpen):
            await store.fetch("agenda", None)
    finally:
        await store.aclose()
    # and a server that answers closes the breaker on its first good answer
    good = CalDAVStore(
        radicale_home(radicale), radicale.username, radicale.password, breaker=breaker
    )
    clock.now += 60.0
    try:
        await good.ensure_calendar("breaker", "Breaker")
        assert not breaker.open
        await good.fetch("breaker", None)
    finally:
        await good.aclose()
