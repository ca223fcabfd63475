"""The migrations build exactly the schema the models describe, and undo it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from plan_store import migrate
from plan_store.crypto import Cipher, bound_cipher, generate_key
from plan_store.database import create_engine, create_session_factory
from plan_store.enums import Channel, MessageDirection
from plan_store.models import Adolescent, Base, ChatSession, Message
from plan_store.services import messages
from plan_store.unit_of_work import UnitOfWorkFactory
from tests.builders import a_case, a_home
from tests.conftest import FakeClock


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh, empty database (not built by ``create_all``)."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def schema_differences(engine: AsyncEngine, metadata: MetaData = Base.metadata) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


def with_an_extra_column() -> MetaData:
    """The models' metadata with one column more, as a model change would add."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["homes"].append_column(Column("phone", Integer, nullable=True))
    return metadata


async def test_upgrade_head_on_an_empty_database_yields_the_models_schema(
    engine: AsyncEngine,
) -> None:
    assert await table_names(engine) == set()

    await migrate.upgrade(engine)

    assert await table_names(engine) == set(Base.metadata.tables) | {"alembic_version"}
    assert await schema_differences(engine) == []
    # The comparison does see a drift between the models and the database.
    drift = await schema_differences(engine, with_an_extra_column())
    assert [(d[0], d[3].name) for d in drift] == [("add_column", "phone")]


async def test_downgrade_to_base_and_upgrade_again_round_trips(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)

    await migrate.downgrade(engine, "base")
    assert await table_names(engine) == {"alembic_version"}

    await migrate.upgrade(engine)
    assert await schema_differences(engine) == []


async def test_a_whatsapp_chat_of_before_the_upgrade_is_found_by_its_number_after_it(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = "5215512345678"
    key = generate_key()
    monkeypatch.setenv("RUMBO_DATA_KEY", key)
    await migrate.upgrade(engine, "0010_family_legal")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO chat_sessions (channel, external_id, state, data,"
                " failed_code_attempts, updated_at)"
                " VALUES ('whatsapp', :phone, 'start', '{}', 0, :now)"
            ),
            {"phone": phone, "now": datetime(2026, 3, 2, 16, 0, tzinfo=UTC)},
        )

    await migrate.upgrade(engine)

    async with engine.connect() as connection:
        stored = await connection.scalar(text("SELECT external_id FROM chat_sessions"))
    assert phone not in str(stored)
    with bound_cipher(Cipher(key)):
        async with AsyncSession(engine) as session:
            found = await session.scalar(
                select(ChatSession).where(ChatSession.external_id == phone)
            )
    assert found is not None and found.external_id == phone

    await migrate.downgrade(engine, "0010_family_legal")
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT external_id FROM chat_sessions")) == phone


async def test_after_the_migrations_each_case_keeps_the_time_of_her_latest_message(
    engine: AsyncEngine,
) -> None:
    """Kept by the database as messages are stored, whoever stores them: a later
    migration that rebuilt the messages table without it would fail here."""
    await migrate.upgrade(engine)
    clock = FakeClock(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    uow_factory = UnitOfWorkFactory(create_session_factory(engine), Cipher(generate_key()), clock)
    async with uow_factory() as uow:
        case = await a_case(uow, await a_home(uow), None)
        await uow.commit()
        case_id = case.id

    async def last_inbound() -> datetime | None:
        async with uow_factory() as uow:
            return await uow.session.scalar(
                select(Adolescent.last_inbound_at).where(Adolescent.id == case_id)
            )

    assert await last_inbound() is None
    async with uow_factory() as uow:
        await messages.record_inbound(uow, case_id, channel=Channel.TELEGRAM, body="hola")
        await uow.commit()
    assert await last_inbound() == clock.now

    async with uow_factory() as uow:  # a reply, and a message of hers stored late
        for direction, minutes in (
            (MessageDirection.STAFF_REPLY, 5),
            (MessageDirection.INBOUND, -5),
        ):
            uow.session.add(
                Message(
                    adolescent_id=case_id,
                    direction=direction,
                    channel=Channel.TELEGRAM,
                    body_ciphertext=uow.cipher.encrypt("..."),
                    created_at=clock.now + timedelta(minutes=minutes),
                )
            )
        await uow.commit()
    assert await last_inbound() == clock.now

    clock.advance(days=3)
    async with uow_factory() as uow:
        await messages.record_inbound(uow, case_id, channel=Channel.TELEGRAM, body="sigo aquí")
        await uow.commit()
    assert await last_inbound() == clock.now
