"""Shared fixtures: a fresh database and container for every test.

``db_backend`` is "sqlite" unless a test folder overrides it (or
``RUMBO_TEST_BACKEND=postgresql`` is set); ``tests/plan_store`` runs every test on
both SQLite and PostgreSQL.
"""

from __future__ import annotations

import os

# python-telegram-bot 22 warns on every integer time period it reads (retry_after,
# voice duration) unless told to use timedelta; with warnings as errors the warning
# would hide the real exception. ``rumbo`` sets the same at start.
os.environ["PTB_TIMEDELTA"] = "true"

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plan_store.crypto import generate_key
from plan_store.models import Base
from plan_store.services import translations
from rumbo.container import Container, build_container
from rumbo.settings import DatabaseSettings, Settings
from tests.databases import (
    copy_sqlite_tables,
    postgres_schema_url,
    postgres_unreachable_reason,
    sqlite_tables_template,
    sqlite_url,
)


@pytest.fixture(autouse=True)
def no_console_translations_left() -> Iterator[None]:
    """The console's translations are loaded per process: each test starts and ends
    with the catalogs alone, whatever database it used."""
    translations.forget()
    yield
    translations.forget()


class FakeClock:
    """A clock the test moves by hand; nothing sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))


@pytest.fixture
def db_backend() -> str:
    """SQLite unless a test folder says otherwise, or ``RUMBO_TEST_BACKEND=postgresql``
    runs the tests that take the default on PostgreSQL."""
    return os.environ.get("RUMBO_TEST_BACKEND", "sqlite")


@pytest.fixture
async def database_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if db_backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    reason = await postgres_unreachable_reason()
    if reason is not None:
        pytest.skip(reason)
    async with postgres_schema_url() as url:
        yield url


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's tree
    return Settings(
        database=DatabaseSettings(url=database_url),
        data_key=generate_key(),
        secret_key="s" * 40,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
def sqlite_tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the models' tables, built once per run; ``container``
    gives each test a copy of its own."""
    directory = tmp_path_factory.mktemp("sqlite-tables")
    return asyncio.run(sqlite_tables_template(directory / "rumbo.sqlite3"))


@pytest.fixture
async def container(
    settings: Settings, clock: FakeClock, db_backend: str, sqlite_tables: Path
) -> AsyncIterator[Container]:
    """A container on a fresh database with the models' tables."""
    copied = db_backend == "sqlite" and copy_sqlite_tables(sqlite_tables, settings.database.url)
    container = build_container(settings, clock=clock)
    if not copied:
        async with container.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    yield container
    await container.aclose()


@contextlib.asynccontextmanager
async def after_a_restart(
    container: Container, settings: Settings, clock: FakeClock
) -> AsyncIterator[Container]:
    """The process stops (``container`` is closed) and starts again on the same
    database with ``settings``: the new container, closed on leaving."""
    await container.aclose()
    restarted = build_container(settings, clock=clock)
    try:
        yield restarted
    finally:
        await restarted.aclose()


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
