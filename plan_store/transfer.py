"""Rows of a whole installation, table by table: read in one snapshot, written back
into an empty database. ``rumbo backup``, ``rumbo restore`` and ``rumbo db copy`` are
built on it, so they work the same on SQLite and PostgreSQL and between the two.

Every table of the models is included, in foreign-key order: cases, plans, messages
and voice notes, the staff's uploaded voice prompts, risk terms and consent texts,
the audit log, the outbox. Values keep their ciphertext: nothing is decrypted.
"""

from __future__ import annotations

import base64
import contextlib
import enum
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Enum,
    LargeBinary,
    Table,
    TableClause,
    Time,
    column,
    func,
    insert,
    inspect,
    select,
    text,
    type_coerce,
)
from sqlalchemy import table as table_clause
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from plan_store.crypto import stored_type
from plan_store.models import Base
from plan_store.types import UTCDateTime

BATCH = 1000

Row = dict[str, Any]


def tables() -> list[Table]:
    """The installation's tables, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def table_named(name: str) -> Table:
    return Base.metadata.tables[name]


@contextlib.asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose reads all see the database as of one moment, while other
    processes go on writing: a read-only REPEATABLE READ transaction on PostgreSQL,
    an explicit read transaction on SQLite (WAL keeps its snapshot)."""
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("BEGIN")
        else:
            connection = await connection.execution_options(isolation_level="REPEATABLE READ")
            await connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            yield connection
        finally:
            await connection.rollback()


async def read_rows(
    connection: AsyncConnection, *, batch: int = BATCH
) -> AsyncIterator[tuple[Table, list[Row]]]:
    """Every row of every table, in batches, in primary-key order."""
    for each in tables():
        order = list(each.primary_key.columns)
        stored = [type_coerce(c, stored_type(c.type)).label(c.name) for c in each.columns]
        result = await connection.stream(select(*stored).order_by(*order))
        async for partition in result.mappings().partitions(batch):
            yield each, [dict(row) for row in partition]


def _as_stored(each: Table) -> TableClause:
    """The table with its encrypted columns typed as stored: rows go in as they came
    out, ciphertext untouched (no key needed, nothing encrypted twice)."""
    return table_clause(each.name, *(column(c.name, stored_type(c.type)) for c in each.columns))


async def row_counts(connection: AsyncConnection) -> dict[str, int]:
    """Rows per table, for the tables that exist."""
    present = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    counts: dict[str, int] = {}
    for table in tables():
        if table.name in present:
            count = await connection.scalar(select(func.count()).select_from(table))
            counts[table.name] = int(count or 0)
    return counts


async def not_empty(connection: AsyncConnection) -> list[str]:
    """The tables that hold rows already (an installation to restore into has none)."""
    return [name for name, count in (await row_counts(connection)).items() if count]


async def write_rows(connection: AsyncConnection, into: Table, rows: list[Row]) -> None:
    if rows:
        await connection.execute(insert(_as_stored(into)), rows)


async def reset_sequences(connection: AsyncConnection) -> None:
    """After rows came in with their ids, PostgreSQL's sequences must continue after
    the highest id, or the next insert collides. SQLite needs nothing."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
            continue
        column = key[0].name
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608
                f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) '
                f'FROM "{table.name}"'
            ),
            {"table": table.name, "column": column},
        )


async def copy(source: AsyncEngine, target: AsyncEngine) -> dict[str, int]:
    """Every row of ``source`` (one snapshot) into ``target``, in one transaction.
    Both must be at the same schema revision and ``target`` empty (checked by the
    caller). Returns rows per table."""
    counts = {table.name: 0 for table in tables()}
    async with snapshot(source) as reading, target.begin() as writing:
        async for table, rows in read_rows(reading):
            await write_rows(writing, table, rows)
            counts[table.name] += len(rows)
        await reset_sequences(writing)
    return counts


# ---------------------------------------------------------------- rows as plain JSON


def encode_value(value: Any) -> Any:
    """A column value as JSON (bytes in base64, times in ISO 8601, enums by value)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def decoder(column: Column[Any]) -> Callable[[Any], Any]:
    """The inverse of ``encode_value`` for one column."""
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):
        return _none_or(datetime.fromisoformat)
    if isinstance(kind, Date):
        return _none_or(date.fromisoformat)
    if isinstance(kind, Time):
        return _none_or(time.fromisoformat)
    if isinstance(kind, LargeBinary):
        return _none_or(base64.b64decode)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return _none_or(kind.enum_class)
    return lambda value: value


def _none_or(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)
