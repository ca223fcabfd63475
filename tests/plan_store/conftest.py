"""plan_store tests run on SQLite and on PostgreSQL, with a clock moved by hand.

SQLite gets a new file per test: a copy of one built with the tables once per run
(``sqlite_tables`` in ``tests/conftest.py``). PostgreSQL gets one schema for the whole
run, with the models' tables, emptied before each test: building the tables takes
about half a second on PostgreSQL, emptying them a few milliseconds. Tests that need a database
with no tables at all (the migrations) use ``database_url`` instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from plan_store.crypto import generate_key
from plan_store.database import create_engine
from plan_store.models import Base
from plan_store.services import staff
from rumbo.container import Container, build_container
from rumbo.settings import DatabaseSettings, Settings
from tests.conftest import FakeClock
from tests.databases import (
    POSTGRES_URL,
    copy_sqlite_tables,
    postgres_unreachable_reason,
    sqlite_url,
)
from tests.plan_store.builders import Team, a_team

hypothesis_settings.register_profile(
    "rumbo",
    # Each example builds a database: slow examples are expected, not a health problem.
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
hypothesis_settings.register_profile(
    "rumbo-thorough", parent=hypothesis_settings.get_profile("rumbo"), max_examples=300
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rumbo"))

PRODUCTION_HASHER = staff._hasher


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Every plan_store test runs on SQLite and on PostgreSQL."""
    return str(request.param)


async def _create_tables_schema(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            await connection.execute(text(f'SET LOCAL search_path TO "{schema}"'))
            await connection.run_sync(Base.metadata.create_all)
    finally:
        await admin.dispose()


async def _drop_schema(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def postgres_tables_url() -> Iterator[str]:
    """A URL on a PostgreSQL schema holding the models' tables, for the whole run."""
    reason = asyncio.run(postgres_unreachable_reason())
    if reason is not None:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(_create_tables_schema(schema))
    try:
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        asyncio.run(_drop_schema(schema))


async def empty_all_tables(engine: AsyncEngine) -> None:
    """Delete every row, children first (cheaper than TRUNCATE on small tables)."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest.fixture
def tables_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a test's tables live: a new SQLite file, or the shared PostgreSQL schema."""
    if db_backend == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_tables_url"))


@pytest.fixture
def settings(tables_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's tree
    return Settings(
        database=DatabaseSettings(url=tables_url),
        data_key=generate_key(),
        secret_key="s" * 40,
        _env_file=None,
    )


@pytest.fixture
async def container(
    settings: Settings, clock: FakeClock, db_backend: str, sqlite_tables: Path
) -> AsyncIterator[Container]:
    """A container on empty tables: a copy of the SQLite template (``sqlite_tables``),
    or the shared PostgreSQL schema emptied."""
    copied = db_backend == "sqlite" and copy_sqlite_tables(sqlite_tables, settings.database.url)
    container = build_container(settings, clock=clock)
    if db_backend != "sqlite":
        await empty_all_tables(container.engine)
    elif not copied:
        async with container.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    yield container
    await container.aclose()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny costs: the production costs take ~0.1 s per hash."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def production_password_hashing(
    fast_password_hashing: None, monkeypatch: pytest.MonkeyPatch
) -> PasswordHasher:
    """For the tests about passwords themselves: the hasher Rumbo ships with."""
    monkeypatch.setattr(staff, "_hasher", PRODUCTION_HASHER)
    return PRODUCTION_HASHER


@pytest.fixture
async def team(container: Container) -> Team:
    """``a_team``, committed: a home, its coordinator, two operators and a case."""
    async with container.uow() as uow:
        team = await a_team(uow)
        await uow.commit()
    return team
