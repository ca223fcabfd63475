"""Fakes of external platforms, served over HTTP on loopback for the tests."""

from tests.fakes.telegram_api import (
    CLIENT_CLOSED,
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
    "CLIENT_CLOSED",
    "DEFAULT_TOKEN",
    "Call",
    "ChatMessage",
    "FakeTelegram",
    "FaultKind",
    "SentRecord",
    "WebhookConfig",
    "serve_loopback",
]
