"""Fresh databases for tests: an SQLite file per test, or a PostgreSQL schema per test.

PostgreSQL is the one at ``RUMBO_TEST_POSTGRES_URL`` (default: 127.0.0.1, database
``test``). When it cannot be reached, its tests are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import text

from plan_store.database import create_engine

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
