"""The async engine and session factory, tuned per database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    # No pre-ping: it cost a round trip on every request. A connection the server dropped
    # fails the one request that meets it, and SQLAlchemy then discards the whole pool
    # (every connection opened before a restart is gone with it); recycling bounds their age.
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_recycle=1800)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets the demo read while it writes; foreign keys are off by default in SQLite.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    dialect = engine.sync_engine.dialect
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        # sqlite3 opens a transaction only before a write, and its rollback() does nothing
        # outside one: after a request that only read there is nothing to undo, and asking
        # aiosqlite's thread anyway was a round trip to it on every request (README "Scale")
        if _in_transaction(dbapi_connection):
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether the driver's connection is inside a transaction (True when it cannot tell)."""
    try:
        return bool(dbapi_connection.driver_connection.in_transaction)
    except Exception:  # closed, or not aiosqlite's: roll back as before
        return True


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
