"""The bot's command list: the "Menu" button beside Telegram's text box.

The commands and their words live in ``dialogs.commands``; this module publishes
them. Telegram shows a description by the language of the adolescent's Telegram app,
which it names with two-letter codes only: Spanish is the default for everyone,
English for apps set to English. The Mayan languages have no such code, so their
speakers see Spanish here and their own language in the conversation.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from dialogs.commands import described_in

log = logging.getLogger(__name__)

APP_LANGUAGES: tuple[tuple[str | None, str], ...] = ((None, "es"), ("en", "en"))
"""(Telegram's ``language_code``, our catalog): None is everyone else."""


def commands_in(language: str) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in described_in(language)]


async def publish_commands(bot: Bot) -> bool:
    """Set the command list; a failure is logged and the bot goes on without it."""
    try:
        for app_language, catalog in APP_LANGUAGES:
            await bot.set_my_commands(commands_in(catalog), language_code=app_language)
    except TelegramError as error:
        log.warning("setMyCommands failed (%s); the command menu may be out of date", error)
        return False
    return True
