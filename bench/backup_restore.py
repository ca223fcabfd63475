"""Backup and restore of a large installation: how long ``rumbo backup`` and
``rumbo restore`` take, and how big the file is.

A fresh database is filled (bulk inserts: a fixture, not the services) with one
home, 1,000 cases and ``--messages`` encrypted messages; it is backed up (one
snapshot, encrypted, compressed), restored into an empty database of the same
kind, and the two are compared row count by row count. Runs on an SQLite file, and
on PostgreSQL when one is reachable.

    uv run python -m bench.backup_restore [--messages 100000]
        [--postgres URL | --no-postgres] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from bench._support import (
    command_line,
    database_options,
    fresh_directory,
    in_schemas,
    insert_rows,
    postgres_url,
    table_of,
)
from plan_store import migrate, transfer
from plan_store.backup import restore_backup, write_backup
from plan_store.crypto import Cipher, generate_key
from plan_store.database import create_engine
from plan_store.enums import CareSetting, Channel, MessageDirection, MessageKind, Phase
from plan_store.models import Adolescent, Home, Message
from plan_store.types import utcnow

CASES = 1_000
WORDS = [
    "hoy",
    "fui",
    "a",
    "la",
    "escuela",
    "y",
    "me",
    "fue",
    "bien",
    "mañana",
    "tengo",
    "examen",
    "de",
    "historia",
    "quiero",
    "ver",
    "a",
    "Laura",
]


async def fill(url: str, cipher: Cipher, messages: int) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        await insert_rows(
            engine,
            table_of(Home),
            [{"id": 1, "name": "Casa Ceiba", "kind": CareSetting.RESIDENTIAL_CENTRE}],
        )
        await insert_rows(
            engine,
            table_of(Adolescent),
            [
                {
                    "id": case,
                    "case_number": f"CAS-{case:05}",
                    "alias": f"A{case}",
                    "birth_date": date(2010, 1, 1) + timedelta(days=case),
                    "phase": Phase.INTEGRATION,
                    "care_setting": CareSetting.RESIDENTIAL_CENTRE,
                    "home_id": 1,
                }
                for case in range(1, CASES + 1)
            ],
        )
        rng = random.Random(19)
        now = utcnow()
        await insert_rows(
            engine,
            table_of(Message),
            [
                {
                    "adolescent_id": 1 + number % CASES,
                    "direction": MessageDirection.INBOUND,
                    "kind": MessageKind.TEXT,
                    "channel": Channel.TELEGRAM,
                    "body_ciphertext": cipher.encrypt(" ".join(rng.choices(WORDS, k=20))),
                    "created_at": now - timedelta(minutes=number),
                }
                for number in range(messages)
            ],
        )
    finally:
        await engine.dispose()


async def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await transfer.row_counts(connection)
    finally:
        await engine.dispose()


async def one_run(label: str, url_for: Callable[[str], str], messages: int, folder: Path) -> None:
    cipher = Cipher(generate_key())
    source, target = url_for("source"), url_for("target")
    await fill(source, cipher, messages)
    engine = create_engine(source)
    started = time.perf_counter()
    try:
        summary = await write_backup(engine, cipher, folder)
    finally:
        await engine.dispose()
    backed_up = time.perf_counter() - started
    engine = create_engine(target)
    started = time.perf_counter()
    try:
        await restore_backup(engine, cipher, summary.path)
    finally:
        await engine.dispose()
    restored = time.perf_counter() - started
    same = await counts(source) == await counts(target)
    size = summary.path.stat().st_size / 1_000_000
    print(
        f"{label:<10} {summary.rows:>9,} rows  backup {backed_up:6.1f} s "
        f"({summary.rows / backed_up:8,.0f} rows/s, {size:6.1f} MB)  "
        f"restore {restored:6.1f} s ({summary.rows / restored:8,.0f} rows/s)  "
        f"{'same rows' if same else 'ROW COUNTS DIFFER'}"
    )


async def run(args: argparse.Namespace) -> None:
    folder = fresh_directory("backup_restore_*")
    for old in folder.glob("backups-*"):
        shutil.rmtree(old)
    if not args.no_sqlite:

        def sqlite_url(run: str) -> str:
            return f"sqlite+aiosqlite:///{folder / f'backup_restore_{run}.sqlite3'}"

        await one_run("sqlite", sqlite_url, args.messages, folder / "backups-sqlite")
    if not args.no_postgres:
        url = await postgres_url(args.postgres)
        if url is not None:

            async def job(url_for: Callable[[str], str]) -> None:
                await one_run("postgresql", url_for, args.messages, folder / "backups-pg")

            await in_schemas(url, ["source", "target"], job)


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.backup_restore", __doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    database_options(parser)
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
