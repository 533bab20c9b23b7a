"""Test databases: SQLite always; PostgreSQL when HUB_TEST_DATABASE_URL is set.

Each session gets databases of its own (a temporary SQLite file, a fresh PostgreSQL database
dropped at the end), migrated once with the real Alembic migrations. Each test then starts
from empty tables. With HUB_REQUIRE_POSTGRES=1 (as in CI) a missing URL fails the run
instead of quietly testing SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.db.models import Base

POSTGRES_URL = os.environ.get("HUB_TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("HUB_REQUIRE_POSTGRES") == "1"


def database_kinds() -> list[str]:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError(
            "HUB_REQUIRE_POSTGRES=1 but HUB_TEST_DATABASE_URL is not set: "
            "the PostgreSQL tests would be skipped"
        )
    return ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def asyncpg_url(url: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


async def _on_server(statement: str) -> None:
    """Run one statement on the test server's maintenance database."""
    assert POSTGRES_URL is not None
    server = make_url(asyncpg_url(POSTGRES_URL))
    connection = await asyncpg.connect(
        host=server.host,
        port=server.port,
        user=server.username,
        password=server.password,
        database=server.database,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_postgres_database() -> tuple[str, str]:
    """A fresh database on the test server: (its SQLAlchemy URL, its name)."""
    assert POSTGRES_URL is not None
    name = f"entente_test_{uuid.uuid4().hex[:10]}"
    await _on_server(f'CREATE DATABASE "{name}"')
    server = make_url(asyncpg_url(POSTGRES_URL))
    return server.set(database=name).render_as_string(hide_password=False), name


async def drop_postgres_database(name: str) -> None:
    await _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def migrated_engine(kind: str, tmp: Path) -> AsyncIterator[AsyncEngine]:
    name = None
    if kind == "postgresql":
        url, name = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'hub.sqlite3'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        if name is not None:
            await drop_postgres_database(name)


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(text(f'DELETE FROM "{table.name}"'))
