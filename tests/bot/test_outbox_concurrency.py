"""Several senders on one database, and the sender under load and faults.

Each test runs on SQLite and on PostgreSQL (skipped with the reason when no server
answers). The slow ones run with ``./dev test-slow``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from bot.outbox.limits import ChannelLimits, RateLimits
from bot.outbox.sender import OutboxSender
from plan_store.database import create_engine, create_session_factory
from plan_store.enums import Channel, OutboxStatus
from plan_store.types import utcnow
from plan_store.unit_of_work import Clock, UnitOfWorkFactory
from rumbo.container import Container
from tests.bot.outbox_support import outbox_rows, queue_screen, telegram_client, texts_to
from tests.fakes import FakeTelegram


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


class Process:
    """What one more sender process has of its own: an engine, a client."""

    def __init__(self, container: Container, stack: AsyncExitStack, clock: Clock) -> None:
        self.engine = create_engine(container.settings.database.url)
        stack.push_async_callback(self.engine.dispose)
        self.uow = UnitOfWorkFactory(
            create_session_factory(self.engine), container.uow.cipher, clock
        )


async def fill(container: Container, chats: list[str], per_chat: int) -> None:
    async with container.uow() as uow:
        for n in range(per_chat):
            for chat in chats:
                await queue_screen(uow, chat, f"{chat}:{n}")
        await uow.commit()


async def run_senders(senders: list[OutboxSender], tg: FakeTelegram, expected: int) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run_forever(stop)) for s in senders]
    try:
        await tg.wait_for_sent(expected, timeout=120, method="sendMessage")
        await asyncio.sleep(0.2)  # anything sent twice would show up by now
    finally:
        stop.set()
        await asyncio.gather(*tasks)


def assert_each_once_in_order(tg: FakeTelegram, chats: list[str], per_chat: int) -> None:
    for chat in chats:
        assert texts_to(tg, chat) == [f"{chat}:{n}" for n in range(per_chat)], chat


async def test_two_sender_processes_send_each_message_once_and_in_order(
    container: Container, tg: FakeTelegram
) -> None:
    chats = [str(2000 + n) for n in range(20)]
    await fill(container, chats, per_chat=4)
    async with AsyncExitStack() as stack:
        senders = []
        for _ in range(2):
            process = Process(container, stack, container.clock)
            client = await stack.enter_async_context(telegram_client(tg))
            senders.append(
                OutboxSender(
                    process.uow,
                    {Channel.TELEGRAM: client},
                    RateLimits.unlimited(),
                    batch_size=16,
                    max_in_flight=16,
                    poll_interval=0.02,
                )
            )
        await run_senders(senders, tg, expected=80)

    assert_each_once_in_order(tg, chats, per_chat=4)
    assert {r.status for r in await outbox_rows(container.uow)} == {OutboxStatus.SENT}


@pytest.mark.slow
async def test_under_the_real_limits_the_platform_never_refuses(container: Container) -> None:
    """30 messages a second for the bot, one a second per chat, as the fake enforces."""
    chats = [str(3000 + n) for n in range(60)]
    await fill(container, chats, per_chat=4)
    async with FakeTelegram(enforce_limits=True) as tg, telegram_client(tg) as client:
        outbox = OutboxSender(container.uow, {Channel.TELEGRAM: client}, RateLimits())
        await run_senders([outbox], tg, expected=240)

        assert [c for c in tg.calls_to("sendMessage") if c.status == 429] == []
        assert_each_once_in_order(tg, chats, per_chat=4)
        times = sorted(r.at for r in tg.sent)
        assert (len(times) - 1) / (times[-1] - times[0]) <= 30


@pytest.mark.slow
async def test_faults_everywhere_lose_nothing_and_duplicate_nothing(
    container: Container, tg: FakeTelegram
) -> None:
    """Two senders on a real clock while the platform answers 429s, 500s and holds
    calls past the client's time-out (without delivering them)."""
    chats = [str(4000 + n) for n in range(50)]
    per_chat = 6
    await fill(container, chats, per_chat)
    chance = random.Random(7)
    for chat in chats:
        kind = chance.choice(["retry_after", "server_error", "timeout", None])
        if kind is not None:
            tg.fail_next(
                "sendMessage",
                times=chance.randint(1, 3),
                kind=kind,  # type: ignore[arg-type]
                retry_after=0.2,
                delay=0.6,
                chat_id=int(chat),
            )
    real_clock: Clock = utcnow
    async with AsyncExitStack() as stack:
        senders = []
        for _ in range(2):
            process = Process(container, stack, real_clock)
            client = await stack.enter_async_context(telegram_client(tg, read_timeout=0.3))
            senders.append(
                OutboxSender(
                    process.uow,
                    {Channel.TELEGRAM: client},
                    RateLimits().replace(Channel.TELEGRAM, ChannelLimits(200.0, 0.01)),
                    backoff_base=0.1,
                    backoff_cap=0.5,
                    poll_interval=0.05,
                )
            )
        await run_senders(senders, tg, expected=len(chats) * per_chat)

    assert_each_once_in_order(tg, chats, per_chat)
    assert {r.status for r in await outbox_rows(container.uow)} == {OutboxStatus.SENT}
