"""The servers `.ci/services` starts are there and answer as the tests expect."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.support.database import REQUIRE_POSTGRES
from tests.support.services import parse_exports


def test_the_script_output_is_read_as_variables() -> None:
    out = "noise\nexport HUB_TEST_DATABASE_URL='postgresql://a:b@127.0.0.1:5432/c'\n"
    assert parse_exports(out) == {"HUB_TEST_DATABASE_URL": "postgresql://a:b@127.0.0.1:5432/c"}
    assert parse_exports("export PATH='/bin'") == {}


def _redis_url() -> str:
    url = os.environ.get("HUB_TEST_REDIS_URL")
    if not url:
        if REQUIRE_POSTGRES:
            pytest.fail("CI must start Redis (.ci/services) and set HUB_TEST_REDIS_URL")
        pytest.skip("HUB_TEST_REDIS_URL is not set (run .ci/services)")
    return url


def test_redis_answers_ping_on_loopback() -> None:
    parts = urlsplit(_redis_url())
    assert parts.hostname == "127.0.0.1"
    with socket.create_connection((parts.hostname, parts.port or 6379), timeout=5) as conn:
        conn.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert conn.recv(64) == b"+PONG\r\n"


async def test_postgres_takes_the_test_role_with_its_password() -> None:
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if not url:
        if REQUIRE_POSTGRES:
            pytest.fail("CI must set HUB_TEST_DATABASE_URL")
        pytest.skip("HUB_TEST_DATABASE_URL is not set (run .ci/services)")
    connection = await asyncpg.connect(url)
    try:
        assert await connection.fetchval("SELECT 1") == 1
        assert await connection.fetchval(
            "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
    finally:
        await connection.close()
