"""The Telegram channel, with python-telegram-bot.

Inbound: long polling by default (``polling``), or a webhook served by Rumbo's own
web app when ``RUMBO_TELEGRAM_WEBHOOK_URL`` is set (``webhook``). Either way an update
is acknowledged to Telegram only after it is stored with its effects.
Outbound: ``TelegramClient`` delivers outbox rows for the outbox sender (``client``).

``build_transport`` and ``build_client`` are what ``rumbo.parts`` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute

from bot.telegram.api import build_bot
from bot.telegram.client import TelegramClient
from bot.telegram.config import TelegramConfig
from bot.telegram.polling import TelegramPoller
from bot.telegram.webhook import SECRET_PATTERN, TelegramWebhook
from plan_store.services.voice_prompts import VoiceLookup
from plan_store.unit_of_work import UnitOfWorkFactory

Task = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class TelegramTransport:
    """What the inbound side adds to the process: a webhook route or a polling task."""

    mode: str
    routes: list[BaseRoute] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    note: str = ""


class TelegramConfigError(ValueError):
    """The Telegram settings cannot work together (told at start, one line)."""


def build_client(
    config: TelegramConfig, *, voice_prompts: VoiceLookup | None = None
) -> TelegramClient:
    """The outbox sender's client for Telegram (its own Bot and connections).

    ``voice_prompts`` finds the recordings sent beside screens; by default only the
    files in the locale folders (``rumbo.parts`` passes the database-aware lookup)."""
    if voice_prompts is None:
        return TelegramClient(build_bot(config))
    return TelegramClient(build_bot(config), voice_prompts=voice_prompts)


def build_transport(config: TelegramConfig, uow_factory: UnitOfWorkFactory) -> TelegramTransport:
    """Polling, or the webhook when ``webhook_url`` is set."""
    bot = build_bot(config)
    url = config.webhook_url
    if url is None:
        poller = TelegramPoller(bot, uow_factory)
        return TelegramTransport("polling", tasks=[poller.run], note="polling getUpdates")
    secret = config.webhook_secret
    if secret is None or not SECRET_PATTERN.fullmatch(secret):
        raise TelegramConfigError(
            "RUMBO_TELEGRAM_WEBHOOK_SECRET: set 1-256 characters of A-Z a-z 0-9 _ - "
            "to use RUMBO_TELEGRAM_WEBHOOK_URL"
        )
    webhook = TelegramWebhook(bot, uow_factory, url=url, secret=secret)
    return TelegramTransport(
        "webhook",
        routes=webhook.routes,
        tasks=[webhook.run],
        note=f"webhook {url} (served at {webhook.path})",
    )


__all__ = [
    "TelegramClient",
    "TelegramConfig",
    "TelegramConfigError",
    "TelegramPoller",
    "TelegramTransport",
    "TelegramWebhook",
    "build_bot",
    "build_client",
    "build_transport",
]
