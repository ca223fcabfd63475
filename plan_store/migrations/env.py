"""Alembic environment: async engines, or a connection handed in by the caller."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from plan_store.database import create_engine
from plan_store.models import Base

config = context.config
target_metadata = Base.metadata
DEFAULT_URL = "sqlite+aiosqlite:///var/rumbo.sqlite3"


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or DEFAULT_URL,
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("RUMBO_DATABASE_URL")
        or DEFAULT_URL
    )
    asyncio.run(_run_with_url(url))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
