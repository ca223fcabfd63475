"""SQLite statements and the event loop: a statement that may wait for another
process's write lock waits on the driver's thread, so the process keeps answering
meanwhile; the statements of a transaction that already holds the lock run at once."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from plan_store import sqlite_driver
from plan_store.enums import Channel
from plan_store.models import ProcessedUpdate
from plan_store.services import updates
from rumbo.container import Container

pytestmark = pytest.mark.parametrize("db_backend", ["sqlite"])

HELD_FOR = 0.5


def another_process(container: Container) -> sqlite3.Connection:
    """A connection of its own to the same file, as another process would hold."""
    path = make_url(container.settings.database.url).database
    assert path is not None
    return sqlite3.connect(path, isolation_level=None)


async def ticks_while(job: asyncio.Task[object]) -> int:
    """How often a task of 10 ms steps got to run until ``job`` was done."""
    ticks = 0
    while not job.done():
        await asyncio.sleep(0.01)
        ticks += 1
    return ticks


async def test_a_write_waiting_for_another_process_leaves_the_process_answering(
    container: Container,
) -> None:
    other = another_process(container)
    other.execute("BEGIN IMMEDIATE")  # the other process holds the write lock
    asyncio.get_running_loop().call_later(HELD_FOR, other.execute, "COMMIT")

    async def write() -> bool:
        async with container.uow() as uow:
            first = await updates.first_seen(uow, Channel.TELEGRAM, "1")  # waits for the lock
            second = await updates.first_seen(uow, Channel.TELEGRAM, "2")
            await uow.commit()
        return first and second

    job = asyncio.create_task(write())
    ticks = await ticks_while(job)
    other.close()

    # The other process's COMMIT is a timer of this loop: the write got the lock only
    # because the loop ran on while it waited (stopped, it would have failed after
    # ``LOCK_PATIENCE``). The ticks say so at once, with room for a loaded machine.
    assert await job
    assert ticks >= 5
    async with container.uow() as uow:
        stored = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert stored == 2


async def test_a_write_gives_up_on_a_lock_held_past_its_patience_and_keeps_nothing(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "LOCK_PATIENCE", 0.2)
    other = another_process(container)
    other.execute("BEGIN IMMEDIATE")  # held until the write has given up
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with container.uow() as uow:
                await updates.first_seen(uow, Channel.TELEGRAM, "1")
    finally:
        other.execute("COMMIT")
        other.close()
    async with container.uow() as uow:
        assert await updates.first_seen(uow, Channel.TELEGRAM, "1")  # nothing was kept


async def test_a_writing_transaction_reads_its_own_writes_and_loses_them_on_rollback(
    container: Container,
) -> None:
    async with container.uow() as uow:
        assert await updates.first_seen(uow, Channel.TELEGRAM, "7")
        assert not await updates.first_seen(uow, Channel.TELEGRAM, "7")  # seen in this one
        # no commit: rolled back as the unit of work ends
    async with container.uow() as uow:
        assert await updates.first_seen(uow, Channel.TELEGRAM, "7")
        await uow.commit()
    async with container.uow() as uow:
        assert not await updates.first_seen(uow, Channel.TELEGRAM, "7")


async def test_a_connection_writes_again_after_its_first_write(container: Container) -> None:
    table = ProcessedUpdate.__table__
    async with container.engine.begin() as connection:
        for update_id in ("a", "b", "c"):
            await connection.execute(
                insert(table).values(channel=Channel.TELEGRAM, update_id=update_id)
            )
        assert await connection.scalar(select(func.count()).select_from(table)) == 3
