"""Each turn finds its rows through indexes, whatever the number of cases: a query
that reads a whole table costs nothing in a test, and a millisecond an update over
thousands of cases. SQLite plans from the schema alone, so its plans show this with
the few rows of a test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from rumbo.container import Container
from tests.dialogs.chat import Chat

pytestmark = pytest.mark.parametrize("db_backend", ["sqlite"])

READS = ("SELECT", "WITH", "UPDATE", "DELETE")
"""The statements whose plans are read. A row inserted with VALUES reads nothing:
its plan shows only the foreign-key checks SQLite runs while a deferred violation is
pending, which never happens here."""


@contextlib.contextmanager
def statements(container: Container) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) sent one at a time while inside."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        executemany = rest[-1]
        if not executemany and statement.lstrip().upper().startswith(READS):
            sent.append((statement, parameters))

    engine = container.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def whole_table_reads(container: Container, sent: list[tuple[str, Any]]) -> list[str]:
    """Each step of the statements' plans that reads a whole table, with its statement."""
    found = []
    async with container.engine.connect() as connection:
        for statement, parameters in sent:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            found += [f"{step[-1]} <- {statement}" for step in plan if step[-1].startswith("SCAN ")]
    return found


async def test_a_text_and_the_goals_read_no_table_whole(container: Container, chat: Chat) -> None:
    with statements(container) as sent:
        await chat.send("hoy fui a la escuela")
        await chat.tap("🏠 Menú")
        await chat.tap("🎯 Mis metas")
    assert sent
    assert await whole_table_reads(container, sent) == []
