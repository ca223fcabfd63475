"""The python-telegram-bot ``Bot``, built from the channel's ``TelegramConfig``.

Requests go to ``{RUMBO_TELEGRAM_API_URL}/bot{token}/{method}`` and files come from
``{RUMBO_TELEGRAM_API_URL}/file/bot{token}/{path}``, as on ``https://api.telegram.org``.
"""

from __future__ import annotations

import datetime as dtm
import warnings

import httpx
from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.telegram import connections
from bot.telegram.config import TelegramConfig

LONG_POLL_SECONDS = 30.0
"""How long one getUpdates call waits for news on the server side."""


def build_bot(config: TelegramConfig) -> Bot:
    """A Bot for ``config``; use it as ``async with bot:`` (or initialize/shutdown)."""
    if config.token is None:
        raise ValueError("RUMBO_TELEGRAM_TOKEN is not set")
    root = config.api_url.rstrip("/")
    pool_size = 32
    return Bot(
        config.token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        # Several chats are served at once by the outbox sender; the pool must not be
        # the bottleneck, and a request waiting for a connection is not a failure.
        request=HTTPXRequest(
            connection_pool_size=pool_size,
            connect_timeout=5.0,
            read_timeout=10.0,
            write_timeout=10.0,
            pool_timeout=10.0,
            media_write_timeout=30.0,
            httpx_kwargs={
                "transport": connections.transport(httpx.Limits(max_connections=pool_size))
            },
        ),
        # getUpdates adds its long-poll ``timeout`` to this read timeout.
        get_updates_request=HTTPXRequest(
            connection_pool_size=1, connect_timeout=5.0, read_timeout=10.0, pool_timeout=10.0
        ),
    )


def seconds(value: int | float | dtm.timedelta | None) -> float:
    """A PTB time period (an int before ``PTB_TIMEDELTA``, a timedelta after) in seconds."""
    if value is None:
        return 0.0
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def retry_after_seconds(error: RetryAfter) -> float:
    """``error.retry_after`` without PTB's deprecation warning about its type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return seconds(error.retry_after)
