"""End-to-end fixtures: the fake Bot API, and Rumbo's Telegram side running against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.telegram import TelegramClient, TelegramPoller, build_bot, build_client
from bot.telegram.polling import Backoff
from rumbo.container import Container
from rumbo.settings import Settings
from tests.e2e.support import telegram_settings
from tests.fakes import FakeTelegram


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on int time periods unless told to use timedelta already.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(strict_chats=True) as fake:
        yield fake


@pytest.fixture
def tg_settings(settings: Settings, tg: FakeTelegram) -> Settings:
    return telegram_settings(settings, tg)


@pytest.fixture
async def telegram_client(tg_settings: Settings) -> AsyncIterator[TelegramClient]:
    async with build_client(tg_settings) as client:
        yield client


@contextlib.asynccontextmanager
async def running_poller(settings: Settings, container: Container) -> AsyncIterator[TelegramPoller]:
    """Rumbo's polling loop as ``rumbo serve`` runs it, as a task; cancelled on exit."""
    poller = TelegramPoller(
        build_bot(settings),
        container.uow,
        poll_seconds=5,
        backoff=lambda: Backoff(first=0.01, most=0.1),
    )
    task = asyncio.create_task(poller.run())
    try:
        yield poller
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
