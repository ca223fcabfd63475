"""The outbox (idempotent, encrypted, cancelled when a case stops) and inbound
de-duplication by (channel, update id)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from plan_store.crypto import generate_key
from plan_store.database import create_engine
from plan_store.enums import Channel, OutboxStatus
from plan_store.models import Base, OutboxMessage, ProcessedUpdate
from plan_store.services import cases, outbox, updates
from plan_store.wakeup import NOTIFY, listen
from rumbo.container import Container, build_container
from rumbo.settings import DatabaseSettings, Settings
from tests.databases import postgres_schema_url
from tests.plan_store.builders import Team, a_case


async def remind(container: Container, case_id: int | None, key: str | None) -> int:
    async with container.uow() as uow:
        row = await outbox.enqueue(
            uow,
            channel=Channel.TELEGRAM,
            external_chat_id="1001",
            adolescent_id=case_id,
            payload={"text": "Mañana tienes examen a las 9", "buttons": []},
            dedupe_key=key,
        )
        await uow.commit()
        return row.id


async def outbox_rows(container: Container) -> list[tuple[int | None, OutboxStatus]]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.adolescent_id, row.status) for row in rows]


async def test_outbox_dedupe_key_makes_enqueue_idempotent(container: Container, team: Team) -> None:
    first = await remind(container, team.case.id, "reminder:appointment:7:24h")
    again = await remind(container, team.case.id, "reminder:appointment:7:24h")
    assert again == first
    assert len(await outbox_rows(container)) == 1

    await remind(container, team.case.id, None)
    await remind(container, team.case.id, None)
    assert len(await outbox_rows(container)) == 3


async def test_outbox_payloads_are_encrypted_at_rest(container: Container, team: Team) -> None:
    await remind(container, team.case.id, None)
    async with container.uow() as uow:
        query = text("SELECT payload_ciphertext FROM outbox")
        raw = bytes((await uow.session.execute(query)).one()[0])
        assert b"examen" not in raw
        (row,) = await uow.session.scalars(select(OutboxMessage))
        assert outbox.payload_of(uow, row)["text"] == "Mañana tienes examen a las 9"


async def test_closing_a_case_cancels_its_pending_messages_and_no_one_elses(
    container: Container, team: Team
) -> None:
    async with container.uow() as uow:
        other = await a_case(uow, team.home, team.operator, "CAS-002")
        await uow.commit()
    await remind(container, team.case.id, "a")
    await remind(container, other.id, "b")

    async with container.uow() as uow:
        await cases.close_case(uow, team.coordinator, team.case.id)
        await uow.commit()

    assert await outbox_rows(container) == [
        (team.case.id, OutboxStatus.CANCELLED),
        (other.id, OutboxStatus.PENDING),
    ]


async def test_first_seen_applies_an_update_once(container: Container) -> None:
    async with container.uow() as uow:
        assert await updates.first_seen(uow, Channel.TELEGRAM, "9001")
        await uow.commit()
    async with container.uow() as uow:
        assert not await updates.first_seen(uow, Channel.TELEGRAM, "9001")
        assert await updates.first_seen(uow, Channel.WHATSAPP, "9001")  # another channel
        await uow.commit()


async def test_updates_recorded_together_are_each_new_once(container: Container) -> None:
    """A burst's update ids are recorded in one statement: each is new the first
    time only, whether given twice in the burst or applied in an earlier one."""
    async with container.uow() as uow:
        new = await updates.first_seen_among(uow, Channel.TELEGRAM, ["1", "2", "2"])
        assert new == {"1", "2"}
        await uow.commit()
    async with container.uow() as uow:
        assert await updates.first_seen_among(uow, Channel.TELEGRAM, ["2", "3"]) == {"3"}
        assert await updates.first_seen_among(uow, Channel.WHATSAPP, ["2"]) == {"2"}
        assert not await updates.first_seen(uow, Channel.TELEGRAM, "3")
        await uow.commit()


async def test_an_update_whose_effects_rolled_back_is_applied_again(
    container: Container,
) -> None:
    """Seen-ness is stored in the transaction that applies the update: a crash before
    the commit leaves the update unseen, so the platform's retry applies it."""
    async with container.uow() as uow:
        assert await updates.first_seen(uow, Channel.TELEGRAM, "9002")
        # no commit: the effects failed
    async with container.uow() as uow:
        assert await updates.first_seen(uow, Channel.TELEGRAM, "9002")


async def test_one_update_delivered_twice_at_once_is_applied_once(
    container: Container,
) -> None:
    async def deliver() -> str:
        try:
            async with container.uow() as uow:
                if not await updates.first_seen(uow, Channel.WHATSAPP, "wamid.ABC"):
                    return "skipped"
                await uow.commit()
                return "applied"
        except IntegrityError:
            return "refused"

    outcomes = await asyncio.gather(deliver(), deliver())

    assert outcomes.count("applied") == 1
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_process_hears_the_others_outbox_commits_but_not_its_own_again(
    container: Container, team: Team, db_backend: str
) -> None:
    """Its own senders were rung in process at commit; another process's were not."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no notifications: other processes find rows by polling")
    rings: asyncio.Queue[str] = asyncio.Queue()
    listening = asyncio.create_task(
        listen(
            container.engine,
            lambda: rings.put_nowait("rung"),
            own_origin=container.uow.wakeups.origin,
        )
    )
    try:
        # The first ring is for rows committed before it listened.
        assert await asyncio.wait_for(rings.get(), 5) == "rung"
        await remind(container, team.case.id, None)
        await asyncio.sleep(0.5)
        assert rings.empty()

        async with container.engine.begin() as connection:  # another process's commit
            await connection.execute(NOTIFY, {"origin": "another process"})
        assert await asyncio.wait_for(rings.get(), 5) == "rung"
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


async def test_a_lone_commit_whose_process_sends_it_does_not_wake_the_others(
    container: Container, team: Team, db_backend: str
) -> None:
    """A commit made while its process had nothing else open is sent by that process's
    own sender at once: the other processes are not told of it. One made beside
    another unit of work (a burst) is theirs to send, and they are told; so is one
    whose channel no sender of its process sends (a WhatsApp process queuing a
    Telegram message)."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no notifications: other processes find rows by polling")
    rings: asyncio.Queue[str] = asyncio.Queue()
    listening = asyncio.create_task(
        listen(container.engine, lambda: rings.put_nowait("rung"))  # another process
    )
    whatsapp_only = container.uow.wakeups.subscribe(lambda alone: None, [Channel.WHATSAPP])
    try:
        assert await asyncio.wait_for(rings.get(), 5) == "rung"  # rows from before it listened
        await remind(container, team.case.id, None)  # Telegram: not this process's to send
        assert await asyncio.wait_for(rings.get(), 5) == "rung"

        telegram = container.uow.wakeups.subscribe(lambda alone: None, [Channel.TELEGRAM])
        try:
            await remind(container, team.case.id, None)
            await asyncio.sleep(0.5)
            assert rings.empty()

            async with container.uow():
                await remind(container, team.case.id, None)
            assert await asyncio.wait_for(rings.get(), 5) == "rung"
        finally:
            telegram()
    finally:
        whatsapp_only()
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


async def test_an_installation_in_another_schema_of_the_database_does_not_wake_this_one(
    container: Container, db_backend: str
) -> None:
    """PostgreSQL's notification channels are database-wide; each installation rings
    and hears only its own schema's."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no notifications: other processes find rows by polling")
    rings: asyncio.Queue[str] = asyncio.Queue()
    listening = asyncio.create_task(listen(container.engine, lambda: rings.put_nowait("rung")))
    try:
        assert await asyncio.wait_for(rings.get(), 5) == "rung"  # rows from before it listened
        async with postgres_schema_url() as other_url:
            other = build_container(
                Settings(
                    database=DatabaseSettings(url=other_url),
                    data_key=generate_key(),
                    secret_key="o" * 40,
                    _env_file=None,
                ),
            )
            try:
                async with other.engine.begin() as connection:
                    await connection.run_sync(Base.metadata.create_all)
                await remind(other, None, None)  # the other installation queues a message
            finally:
                await other.aclose()
        async with container.engine.begin() as connection:  # then another process of this one
            await connection.execute(NOTIFY, {"origin": "another process"})

        # Notifications arrive in the order of their commits: had the other
        # installation's been heard, its ring would be waiting behind this one.
        assert await asyncio.wait_for(rings.get(), 5) == "rung"
        assert rings.empty()
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


@pytest.mark.parametrize("length", [20, 63])
async def test_the_outbox_channel_works_whatever_the_schema_is_called(
    db_backend: str, length: int
) -> None:
    """A schema name that needs quoting, short or of 63 bytes, the longest PostgreSQL
    takes (a channel name may be no longer)."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no notifications: other processes find rows by polling")
    schema = f"casa-{uuid.uuid4().hex}".ljust(length, "n")[:length]
    async with postgres_schema_url(schema) as url:
        engine = create_engine(url)
        rings: asyncio.Queue[str] = asyncio.Queue()
        listening = asyncio.create_task(listen(engine, lambda: rings.put_nowait("rung")))
        try:
            assert await asyncio.wait_for(rings.get(), 5) == "rung"
            async with engine.begin() as connection:
                await connection.execute(NOTIFY, {"origin": "another process"})
            assert await asyncio.wait_for(rings.get(), 5) == "rung"
        finally:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
            await engine.dispose()


async def test_another_process_s_commits_close_together_wake_the_sender_once(
    container: Container, db_backend: str
) -> None:
    """A burst of commits elsewhere costs this process one claim, not one per commit."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no notifications: other processes find rows by polling")
    rings: asyncio.Queue[str] = asyncio.Queue()
    listening = asyncio.create_task(
        listen(container.engine, lambda: rings.put_nowait("rung"), settle=0.3)
    )
    try:
        assert await asyncio.wait_for(rings.get(), 5) == "rung"  # rows from before it listened
        for _ in range(5):
            async with container.engine.begin() as connection:
                await connection.execute(NOTIFY, {"origin": "another process"})
        assert await asyncio.wait_for(rings.get(), 5) == "rung"
        await asyncio.sleep(0.6)
        assert rings.empty()
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
