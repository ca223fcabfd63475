"""Running the Alembic migrations from code (``rumbo db upgrade``, tests, ``/readyz``).

``upgrade`` is safe to run on every start of every process: the processes of one
installation take a lock first (a PostgreSQL advisory lock held for the migrating
transaction; on SQLite an exclusive lock on a file beside the database), so two of
them never migrate at once, and the second finds the schema at head and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import os
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATION_LOCK_KEY = 0x52554D42_00000001
"""The PostgreSQL advisory lock that ``upgrade`` holds ("RUMB" and 1)."""


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "plan_store:migrations")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) this code knows."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revision(s) the database is at; empty for a database never migrated."""
    async with engine.connect() as connection:
        heads = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_heads()
        )
    return frozenset(heads)


async def at_head(engine: AsyncEngine) -> bool:
    return await current_revisions(engine) == head_revisions()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(
            lambda sync: command.upgrade(alembic_config(connection=sync), revision)
        )


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with _sqlite_file_lock(engine), engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(alembic_config(connection=sync), revision)
        )


@contextlib.asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """On SQLite, an exclusive ``flock`` on ``<database>.migrate-lock``: SQLite runs
    most DDL outside a transaction, so only a lock around the whole run keeps two
    processes from migrating at once. Nothing for PostgreSQL or in-memory SQLite."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.migrate-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def known_revisions() -> frozenset[str]:
    """Every revision this code can migrate to or from."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(revision.revision for revision in script.walk_revisions())
