"""What the benchmarks share: their command line's database options, where their
databases live (SQLite files under ``var/bench``, PostgreSQL schemas of their own)
and bulk inserts of fixture rows (which bypass the services), among them a home of
linked, consenting cases."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from plan_store.database import create_engine
from plan_store.enums import (
    CareSetting,
    CaseStatus,
    Channel,
    ConsentDecision,
    ConsentPurpose,
    Phase,
)
from plan_store.models import Adolescent, Base, ChatLink, Consent, Home

DIRECTORY = Path("var/bench")
CHUNK = 5_000


def command_line(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line; its own options first, then ``database_options``."""
    return argparse.ArgumentParser(
        prog=prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def database_options(parser: argparse.ArgumentParser) -> None:
    """Which databases to run on: SQLite, and PostgreSQL when one is reachable."""
    parser.add_argument("--postgres", help="a postgresql+asyncpg:// URL (default: the test one)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")


def free_ports(count: int) -> list[int]:
    """``count`` loopback ports free right now, so that two runs on one machine do not
    take each other's (one could still take one between this and its use)."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return [each.getsockname()[1] for each in sockets]


def fresh_directory(stale: str) -> Path:
    """``var/bench``, made if missing, without the files matching the glob ``stale``
    that an earlier run left."""
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    for path in DIRECTORY.glob(stale):
        path.unlink()
    return DIRECTORY


async def postgres_url(wanted: str | None) -> str | None:
    """The PostgreSQL to run on: ``wanted``, else ``RUMBO_BENCH_POSTGRES_URL``, else the
    tests' one. None, saying why, when it does not answer."""
    import asyncpg  # type: ignore[import-untyped]

    from tests.databases import POSTGRES_URL

    url = wanted or os.environ.get("RUMBO_BENCH_POSTGRES_URL") or POSTGRES_URL
    try:
        connection = await asyncpg.connect(
            url.replace("postgresql+asyncpg://", "postgresql://"), timeout=3
        )
        await connection.close()
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        print(f"\nPostgreSQL not reachable at {url}: {error!r}; skipped.")
        return None
    return url


async def in_schemas(
    url: str, runs: Sequence[str], job: Callable[[Callable[[str], str]], Awaitable[None]]
) -> None:
    """Run ``job`` with a new schema of that database for each of ``runs``, all dropped
    afterwards; ``job`` is given ``url_for(run)``, the URL that sees that run's schema."""
    names = {run: f"bench_{run}_{uuid.uuid4().hex[:8]}" for run in runs}
    admin = create_engine(url)
    async with admin.begin() as connection:
        for schema in names.values():
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        await job(lambda run: f"{url}{separator}search_path={names[run]}")
    finally:
        async with admin.begin() as connection:
            for schema in names.values():
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def vacuum_analyse(engine: AsyncEngine) -> None:
    """On PostgreSQL, vacuum and analyse the installation's tables (those of its
    schema), as autovacuum does in time on a server with its defaults. Without it a
    bench's freshly filled tables have no statistics, and the planner guesses: a
    server that runs with autovacuum off (as this machine's may) never gathers any."""
    if engine.dialect.name != "postgresql":
        return
    # Table names come from our own metadata, never from input.
    statement = "VACUUM ANALYZE " + ", ".join(f'"{name}"' for name in Base.metadata.tables)
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(statement))


def table_of(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def insert_rows(engine: AsyncEngine, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-insert ``rows`` into ``table``, in one transaction."""
    async with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            await connection.execute(insert(table), list(rows[start : start + CHUNK]))


async def consenting_cases(
    engine: AsyncEngine,
    now: datetime,
    ids: Sequence[int],
    *,
    number: str,
    born: date,
    chat_of: Callable[[int], int],
) -> None:
    """The schema, one home with no quiet hours (a bench must not wait for the night to
    end), and in it a case for each of ``ids``: numbered ``number`` with the id, born
    on ``born``, consenting to messages, linked to Telegram chat ``chat_of(id)``."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    no_quiet = wall_time(0, 0)
    home = {
        "id": 1,
        "name": "Casa de prueba",
        "kind": CareSetting.RESIDENTIAL_CENTRE,
        "timezone": "America/Mexico_City",
        "evaluation_cadence_days": 14,
        "retention_days": 0,
        "quiet_start": no_quiet,
        "quiet_end": no_quiet,
        "emergency_numbers": {},
        "created_at": now,
    }
    await insert_rows(engine, table_of(Home), [home])
    cases = [
        {
            "id": n,
            "case_number": f"{number}-{n:06d}",
            "alias": f"Ado{n}",
            "birth_date": born,
            "language": "es",
            "phase": Phase.INTEGRATION,
            "care_setting": CareSetting.RESIDENTIAL_CENTRE,
            "status": CaseStatus.IN_CARE,
            "home_id": 1,
            "next_evaluation_on": now.date() + timedelta(days=14),
            "created_at": now,
        }
        for n in ids
    ]
    await insert_rows(engine, table_of(Adolescent), cases)
    links = [
        {
            "adolescent_id": n,
            "channel": Channel.TELEGRAM,
            "external_id": str(chat_of(n)),
            "active": True,
            "linked_at": now,
        }
        for n in ids
    ]
    await insert_rows(engine, table_of(ChatLink), links)
    consents = [
        {
            "adolescent_id": n,
            "purpose": ConsentPurpose.MESSAGING,
            "text_version": 1,
            "language": "es",
            "decision": ConsentDecision.GIVEN,
            "decided_at": now,
        }
        for n in ids
    ]
    await insert_rows(engine, table_of(Consent), consents)
