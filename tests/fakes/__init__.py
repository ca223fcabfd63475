"""Fakes of external platforms, served over HTTP on loopback for the tests."""

from tests.fakes.telegram_api import (
    DEFAULT_TOKEN,
    Call,
    ChatMessage,
    FakeTelegram,
    FaultKind,
    SentRecord,
    WebhookConfig,
    serve_loopback,
)

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "ChatMessage",
    "FakeTelegram",
    "FaultKind",
    "SentRecord",
    "WebhookConfig",
    "serve_loopback",
]
