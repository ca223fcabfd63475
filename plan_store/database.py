"""Engines and session factories. Nothing here runs on import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from plan_store import sqlite_driver


def create_engine(url: str, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout,
    and aiosqlite one trip to its thread per statement (``sqlite_driver``).

    Statement parameters are left out of errors and logs (``hide_parameters``): they
    hold chat ids, usernames and phone hashes, which a logged traceback must not."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", sqlite_driver.dbapi())
        # The connection is opened on aiosqlite's thread, and used from the event
        # loop's too, one at a time (``sqlite_driver``). The busy timeout covers the
        # pragmas below; statements then wait for the lock in ``sqlite_driver``.
        connect_args = {"timeout": 30, "check_same_thread": False}
        engine = create_async_engine(url, echo=echo, connect_args=connect_args, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if isinstance(engine.sync_engine.dialect.dbapi, sqlite_driver.OneTripDBAPI):
                cursor.execute("PRAGMA busy_timeout=0")
            cursor.close()

        return engine
    # ``?search_path=name`` keeps an installation in its own PostgreSQL schema.
    search_path = parsed.query.get("search_path")
    if isinstance(search_path, str):
        parsed = parsed.difference_update_query(["search_path"])
        kwargs.setdefault("connect_args", {})["server_settings"] = {"search_path": search_path}
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    return create_async_engine(parsed, echo=echo, pool_pre_ping=True, **kwargs)


POOL_SIZE = 16
"""PostgreSQL connections a process keeps open: the polling loop's transactions side
by side, the outbox sender's, the alerts', and a webhook's requests in flight.
SQLAlchemy's default (5) closed every connection beyond it as it came back, so a
burst kept opening PostgreSQL connections (a server process each). With
``POOL_OVERFLOW``, a process opens at most 24: three processes stay under
PostgreSQL's default ``max_connections`` of 100."""
POOL_OVERFLOW = 8


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


SQLITE_BUSY, SQLITE_LOCKED = 5, 6
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization failure and deadlock: the transaction lost a race."""


def transient(error: BaseException) -> bool:
    """Whether ``error`` is the database turning a transaction away for a passing
    reason (another writer holds the lock, a lost serialization race or deadlock, the
    connection dropped), so that the same transaction tried again may succeed.

    A missing table, a broken constraint or bad SQL is not: trying again repeats it."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    code = getattr(original, "sqlite_errorcode", None)
    # Extended result codes (SQLITE_BUSY_SNAPSHOT, ...) keep the primary code in the low byte.
    return isinstance(code, int) and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
