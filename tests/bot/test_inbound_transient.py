"""An update the database turns away for a passing reason (another writer's lock, a
lost serialization race) is applied again whole, once; a failure that would repeat
(a missing table) gets the adolescent an apology instead of a retry.

The refusals are real ones, from a second connection to the same database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.inbound import TRANSIENT_ATTEMPTS, Inbound, receive
from dialogs.events import Event
from dialogs.screens import Reply, Screen
from plan_store.database import transient
from plan_store.enums import Channel
from plan_store.models import ProcessedUpdate
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container
from tests.e2e.support import outbox_rows

SEEN_BEFORE = "seen-before"
WHEN = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def impatient(container: Container) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database that never waits for a lock."""
    url = container.settings.database.url
    if container.engine.dialect.name == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 0})
    else:
        engine = container.engine
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(ProcessedUpdate).values(
                channel=Channel.TELEGRAM, update_id=SEEN_BEFORE, received_at=WHEN
            )
        )
    yield engine
    if engine is not container.engine:
        await engine.dispose()


async def refused(engine: AsyncEngine, *, lock_held_by: AsyncEngine | None = None) -> DBAPIError:
    """What the database answers a writer that comes at the wrong moment: while
    another transaction holds the write lock (SQLite: an update's own transaction, or
    one of ``lock_held_by``), or after another transaction changed the row it read
    (PostgreSQL, repeatable read)."""
    change = (
        update(ProcessedUpdate)
        .where(ProcessedUpdate.update_id == SEEN_BEFORE)
        .values(received_at=WHEN)
    )
    try:
        if engine.dialect.name == "sqlite":
            async with contextlib.AsyncExitStack() as stack:
                if lock_held_by is not None:
                    holder = await stack.enter_async_context(lock_held_by.begin())
                    await holder.execute(change)
                async with engine.begin() as connection:
                    await connection.execute(change)
        else:
            async with engine.connect() as reader:
                await reader.execution_options(isolation_level="REPEATABLE READ")
                async with reader.begin():
                    await reader.execute(select(func.count()).select_from(ProcessedUpdate))
                    async with engine.begin() as writer:
                        await writer.execute(change)
                    await reader.execute(change)
    except DBAPIError as error:
        return error
    raise AssertionError("the database let the write through")


def inbound(update_id: str) -> Inbound:
    return Inbound(Channel.TELEGRAM, update_id, "8080", Event.text("hola"))


async def test_an_update_turned_away_by_a_passing_refusal_is_applied_once_when_tried_again(
    container: Container, impatient: AsyncEngine
) -> None:
    calls: list[int] = []

    async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            raise await refused(impatient)
        return Reply(screens=[Screen("te leí")])

    reply = await receive(container.uow, inbound("u1"), handler)

    assert reply is not None and [s.text for s in reply.screens] == ["te leí"]
    assert len(calls) == 2
    assert [row["text"] for row in await outbox_rows(container.uow, Channel.TELEGRAM)] == ["te leí"]
    assert await receive(container.uow, inbound("u1"), handler) is None  # applied once


async def test_an_update_refused_every_time_is_left_for_the_platform_to_send_again(
    container: Container, impatient: AsyncEngine
) -> None:
    async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        raise await refused(impatient)

    with pytest.raises(DBAPIError):
        await receive(container.uow, inbound("u2"), handler)
    assert await outbox_rows(container.uow, Channel.TELEGRAM) == []  # no apology either

    async def answering(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        return Reply(screens=[Screen("ya estoy")])

    reply = await receive(container.uow, inbound("u2"), answering)  # the platform's retry
    assert reply is not None and [s.text for s in reply.screens] == ["ya estoy"]


async def test_a_failure_that_would_repeat_gets_an_apology_at_once(
    container: Container, impatient: AsyncEngine
) -> None:
    calls: list[int] = []

    async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        calls.append(1)
        await uow.session.execute(text("SELECT * FROM no_such_table"))
        return Reply(screens=[Screen("nunca")])

    reply = await receive(container.uow, inbound("u3"), handler)

    assert len(calls) == 1
    assert reply is not None and reply.screens[0].text.startswith("Perdón, algo falló")
    rows = await outbox_rows(container.uow, Channel.TELEGRAM)
    assert [row["text"] for row in rows] == [reply.screens[0].text]


async def test_only_passing_refusals_count_as_transient(
    container: Container, impatient: AsyncEngine
) -> None:
    assert transient(await refused(impatient, lock_held_by=container.engine))
    with pytest.raises(DBAPIError) as missing:
        async with container.engine.begin() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))
    assert not transient(missing.value)
    assert not transient(ValueError("not the database"))
    assert TRANSIENT_ATTEMPTS > 1
