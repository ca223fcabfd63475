"""End-to-end fixtures: the fake Bot API, and Rumbo's Telegram client against it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.telegram import TelegramClient, build_client
from rumbo.parts import telegram_config
from rumbo.settings import Settings
from tests.e2e.support import telegram_settings
from tests.fakes import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(strict_chats=True) as fake:
        yield fake


@pytest.fixture
def tg_settings(settings: Settings, tg: FakeTelegram) -> Settings:
    return telegram_settings(settings, tg)


@pytest.fixture
async def telegram_client(tg_settings: Settings) -> AsyncIterator[TelegramClient]:
    async with build_client(telegram_config(tg_settings)) as client:
        yield client
