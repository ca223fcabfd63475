"""Telegram's command menu: published at start, and every command in it works."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.telegram import TelegramWebhook, build_bot
from dialogs.commands import COMMANDS
from rumbo.container import Container
from rumbo.parts import telegram_config
from tests.dialogs.builders import a_consented_chat, a_world
from tests.e2e.support import eventually, running_poller, telegram_settings
from tests.fakes import FakeTelegram


@pytest.fixture
async def tg() -> FakeTelegram:
    async with FakeTelegram() as fake:
        yield fake


async def test_polling_publishes_the_command_menu_in_spanish_and_in_english(
    tg: FakeTelegram, container: Container
) -> None:
    async with running_poller(telegram_settings(container.settings, tg), container):
        await eventually(lambda: ("default", "en") in tg.commands)

    spanish = dict(tg.commands[("default", "")])
    english = dict(tg.commands[("default", "en")])
    assert list(spanish) == list(english) == ["menu", "idioma", "privacidad", "ayuda"]
    assert spanish["menu"] == "Volver al menú"
    assert english["menu"] == "Back to the menu"


async def test_the_webhook_publishes_the_command_menu_too(
    tg: FakeTelegram, container: Container
) -> None:
    bot = build_bot(telegram_config(telegram_settings(container.settings, tg)))
    webhook = TelegramWebhook(
        bot, container.uow, url="https://rumbo.example.org/tg", secret="a-secret"
    )
    task = asyncio.create_task(webhook.run())
    await eventually(lambda: ("default", "") in tg.commands)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert [name for name, _ in tg.commands[("default", "")]] == [n for n, _ in COMMANDS]


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/menu", "¿Qué quieres hacer, Luna?"),
        ("/idioma", "¿En qué idioma quieres hablar?"),
        ("/privacidad", "⚙️ Tu privacidad"),
        ("/ayuda", "Así funciono:"),
    ],
)
async def test_each_command_in_the_menu_opens_what_it_says(
    container: Container, command: str, answer: str
) -> None:
    assert command.lstrip("/") in dict(COMMANDS)
    chat = await a_consented_chat(container, await a_world(container))

    await chat.send(command)

    assert chat.sees(answer), chat.text
