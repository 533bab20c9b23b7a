"""The sign-in form's limits (issue 11, finding 4): attempts per account and per client
address, shared through a real Redis between replicas, and argon2 off the event loop."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.audit.models import AuditEntry
from hub.config import Environment, Settings
from hub.identity import passwords
from hub.identity.rate_limit import MemoryCounters, SignInLimiter
from hub.services import Services, build_services
from tests.identity.test_local_sign_in import form_csrf, with_password
from tests.support.world import World

WRONG = "not the password"
RIGHT = "correct horse battery"


def limited_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": Environment.TEST,
        "data_dir": data_dir,
        "signin_account_limit": 3,
        "signin_address_limit": 5,
        "signin_window_seconds": 600,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def hub(
    engine: AsyncEngine, data_dir: Path, **overrides: Any
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    services = build_services(limited_settings(data_dir, **overrides), engine=engine)
    try:
        async with browser(services) as http:
            yield services, http
    finally:
        await services.sign_in_limiter.aclose()
        services.passwords.close()


@asynccontextmanager
async def browser(
    services: Services, address: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=create_app(services.settings, services), client=(address, 40000)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


async def attempt(
    http: httpx.AsyncClient, username: str, password: str, **headers: str
) -> httpx.Response:
    csrf = await form_csrf(http)
    return await http.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf": csrf, "next": "/"},
        headers=headers,
    )


async def outcomes(services: Services) -> list[str]:
    async with services.sessions() as session:
        query = (
            select(AuditEntry.outcome)
            .where(AuditEntry.action == "session.refused")
            .order_by(AuditEntry.id)
        )
        return list((await session.scalars(query)).all())


async def test_an_account_is_limited_after_its_wrong_passwords(
    services: Services, world: World, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    await with_password(services, world, "camille", RIGHT)
    async with hub(hub_engine, tmp_path) as (limited, http):
        # given three wrong passwords (the limit), each answered 401
        for _ in range(3):
            assert (await attempt(http, "camille", WRONG)).status_code == 401

        # when the fourth attempt comes, even with the right password
        refused = await attempt(http, "camille", RIGHT)
        english = await attempt(http, " Camille ", RIGHT, **{"Accept-Language": "en"})

    # then it is refused with 429, how long to wait, and a sentence in French (or English)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert "Trop de tentatives de connexion" in refused.text
    assert english.status_code == 429
    assert "Too many sign-in attempts" in english.text
    # and every refusal is audited
    assert await outcomes(limited) == ["UNAUTHENTICATED"] * 3 + ["RATE_LIMITED"] * 2


async def test_the_limit_resets_when_its_window_ends_and_after_a_right_password(
    services: Services, world: World, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    await with_password(services, world, "camille", RIGHT)
    now = [1000.0]
    async with hub(hub_engine, tmp_path) as (limited, http):
        limits = limited.sign_in_limiter.limits
        limited.sign_in_limiter = SignInLimiter(MemoryCounters(clock=lambda: now[0]), limits)
        # a right password clears the account's failures
        for _ in range(2):
            await attempt(http, "camille", WRONG)
        assert (await attempt(http, "camille", RIGHT)).status_code == 303
        for _ in range(3):
            assert (await attempt(http, "camille", WRONG)).status_code == 401
        blocked = await attempt(http, "camille", RIGHT)
        assert blocked.status_code == 429

        # when the window has passed
        now[0] += int(blocked.headers["retry-after"]) + 1

        # then the right password opens a session again
        assert (await attempt(http, "camille", RIGHT)).status_code == 303


async def test_a_client_address_is_limited_across_usernames(
    services: Services, world: World, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    await with_password(services, world, "camille", RIGHT)
    async with hub(hub_engine, tmp_path) as (limited, http):
        # given five wrong guesses at five accounts from one address (the address's limit)
        for name in ("a1", "a2", "a3", "a4", "a5"):
            assert (await attempt(http, name, WRONG)).status_code == 401

        # then that address is refused, for any account
        assert (await attempt(http, "camille", RIGHT)).status_code == 429
        # while another address is not
        async with browser(limited, address="127.0.0.2") as other:
            assert (await attempt(other, "camille", RIGHT)).status_code == 303


def redis_url() -> str:
    url = os.environ.get("HUB_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must start Redis (.ci/services) and set HUB_TEST_REDIS_URL")
        pytest.skip("HUB_TEST_REDIS_URL is not set (run .ci/services)")
    return url


async def test_two_replicas_share_the_counters_through_redis(
    services: Services, world: World, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    url = redis_url()
    prefix = f"entente-test-{secrets.token_hex(6)}:"
    await with_password(services, world, "camille", RIGHT)
    redis = aioredis.Redis.from_url(url)
    try:
        async with (
            hub(hub_engine, tmp_path / "a", redis_url=url, redis_prefix=prefix) as (_, one),
            hub(hub_engine, tmp_path / "b", redis_url=url, redis_prefix=prefix) as (_, two),
        ):
            # given two wrong passwords on one replica and one on the other
            assert (await attempt(one, "camille", WRONG)).status_code == 401
            assert (await attempt(two, "camille", WRONG)).status_code == 401
            assert (await attempt(one, "camille", WRONG)).status_code == 401

            # then the limit holds on both
            assert (await attempt(two, "camille", RIGHT)).status_code == 429
            assert (await attempt(one, "camille", RIGHT)).status_code == 429
        # and the counters are in Redis, with their window
        keys = sorted([k.decode() async for k in redis.scan_iter(match=f"{prefix}*")])
        assert [k.split(":")[2] for k in keys] == ["account", "address"]
        for key in keys:
            assert 0 < await redis.ttl(key) <= 600
    finally:
        async for key in redis.scan_iter(match=f"{prefix}*"):
            await redis.delete(key)
        await redis.aclose()


async def test_an_unreachable_redis_still_limits_in_memory(
    services: Services, world: World, hub_engine: AsyncEngine, tmp_path: Path
) -> None:
    await with_password(services, world, "camille", RIGHT)
    # nothing listens on port 9 of loopback: every Redis call fails at once
    async with hub(hub_engine, tmp_path, redis_url="redis://127.0.0.1:9/0") as (_, http):
        for _ in range(3):
            assert (await attempt(http, "camille", WRONG)).status_code == 401
        assert (await attempt(http, "camille", RIGHT)).status_code == 429


async def test_passwords_are_checked_off_the_event_loop(
    services: Services,
    world: World,
    hub_engine: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await with_password(services, world, "camille", RIGHT)
    checked_in: list[str] = []
    real = passwords._hasher

    class SpyingHasher:
        """The real hasher, noting which thread each check runs in."""

        def verify(self, stored: str | bytes, password: str | bytes) -> bool:
            checked_in.append(threading.current_thread().name)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", SpyingHasher())
    loop_thread = threading.current_thread().name
    async with hub(hub_engine, tmp_path, signin_account_limit=50, signin_address_limit=50) as (
        _,
        http,
    ):
        # when eight people sign in at once
        answers = await asyncio.gather(
            *(attempt(http, "camille", RIGHT if i % 2 else WRONG) for i in range(8))
        )

    # then each password was checked, right or wrong, and none on the event loop's thread
    assert sorted(a.status_code for a in answers) == [303] * 4 + [401] * 4
    assert len(checked_in) == 8
    assert loop_thread not in checked_in
    assert all(name.startswith("argon2") for name in checked_in)
