"""Each turn finds its rows through indexes, whatever the number of cases: a query
that reads a whole table costs nothing in a test, and a millisecond an update over
thousands of cases. SQLite plans from the schema alone, so its plans show this with
the few rows of a test."""

from __future__ import annotations

import pytest

from rumbo.container import Container
from tests.dialogs.chat import Chat
from tests.statements import Sent, statements

pytestmark = pytest.mark.parametrize("db_backend", ["sqlite"])

READS = ("SELECT", "WITH", "UPDATE", "DELETE")
"""The statements whose plans are read. A row inserted with VALUES reads nothing:
its plan shows only the foreign-key checks SQLite runs while a deferred violation is
pending, which never happens here."""


async def whole_table_reads(container: Container, sent: list[Sent]) -> list[str]:
    """Each step of the reading statements' plans that reads a whole table, with its
    statement."""
    reads = [s for s in sent if not s.many and s.statement.lstrip().upper().startswith(READS)]
    found = []
    async with container.engine.connect() as connection:
        for statement, parameters, _many in reads:
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


async def test_leaving_rumbo_erases_her_words_reading_no_table_whole(
    container: Container, chat: Chat
) -> None:
    await chat.send("hoy fui a la escuela")
    await chat.send("me quiero morir")  # its words stay with its flag; the messages go
    await chat.tap("🏠 Menú")
    with statements(container) as sent:
        await chat.tap("⚙️ Privacidad")
        await chat.tap("🚪 Dejar Rumbo")
        await chat.tap("✅ Sí, dejar Rumbo")
    assert await whole_table_reads(container, sent) == []
