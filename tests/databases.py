"""Fresh databases for tests: an SQLite file per test, or a PostgreSQL schema per test.

PostgreSQL is the one at ``RUMBO_TEST_POSTGRES_URL`` (default: 127.0.0.1, database
``test``). When it cannot be reached, its tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import make_url, text

from plan_store.database import create_engine
from plan_store.models import Base

POSTGRES_URL = os.environ.get(
    "RUMBO_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


_probe: list[str | None] = []


async def postgres_unreachable_reason() -> str | None:
    """None when PostgreSQL answers; otherwise why not. Asked once per run."""
    if not _probe:
        dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
        try:
            connection = await asyncpg.connect(dsn, timeout=3)
            await connection.close()
            _probe.append(None)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            _probe.append(f"PostgreSQL not reachable at {POSTGRES_URL}: {error!r}")
    return _probe[0]


@asynccontextmanager
async def postgres_schema_url(schema: str | None = None) -> AsyncIterator[str]:
    """A URL whose connections see only a new, empty schema (named ``schema``, or a
    fresh name); dropped afterwards."""
    schema = schema or f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'rumbo.sqlite3'}"


async def sqlite_tables_template(path: Path) -> Path:
    """An SQLite file at ``path`` holding the models' tables and no rows, built by
    ``create_all`` through Rumbo's engine (WAL, as every database of Rumbo's), its
    log folded into the file so that the file alone is the whole database."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with engine.begin() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await engine.dispose()
    return path


def copy_sqlite_tables(template: Path, url: str) -> bool:
    """Put a copy of ``template`` where the SQLite ``url`` points, when nothing is
    there yet: the tables of ``create_all`` for a third of a millisecond instead of
    about 65 ms. False (nothing copied) when something is there already."""
    target = Path(str(make_url(url).database))
    if target.exists():
        return False
    shutil.copyfile(template, target)
    return True
