"""What the Telegram channel needs to know, given by whoever starts it."""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC_API = "https://api.telegram.org"


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str | None
    api_url: str = PUBLIC_API
    """The Bot API's base; tests point it at a local fake."""
    webhook_url: str | None = None
    """Where Telegram posts updates; None: long polling."""
    webhook_secret: str | None = None
