"""The service log, with no secret in it.

``rumbo.observe.configure_logging`` sets up the root logger with every line going
through ``RedactingFormatter``, which replaces the configured
secrets (tokens, keys, the secret key, each data key) and whatever looks like one
(a Bot API path ``/bot<token>/``, an ``Authorization`` value, a long run of digits
such as a phone number, a ``code=`` or ``password=`` value, a cookie) with ``[…]``,
in the message and in any traceback. httpx and httpcore, which log every request's
URL (a Bot API URL carries the token), log only warnings (``QUIET``). uvicorn's own
loggers go through the same handler (``rumbo serve`` passes ``log_config=None``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

from rumbo.settings import Settings

HIDDEN = "[…]"
QUIET = ("httpx", "httpcore", "apscheduler", "hpack", "telegram.ext.ExtBot")
"""Loggers that write a line per request or per tick: warnings only."""

_PATTERNS = [
    re.compile(r"(?i)(?<=/bot)[0-9]+(?::|%3A)[A-Za-z0-9_-]+"),  # a Bot API path's token
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(?<=password=)[^\s&'\",;]+"),
    re.compile(r"(?i)(?<=code=)[^\s&'\",;]+"),
    re.compile(r"(?i)(?<=token=)[^\s&'\",;]+"),
    re.compile(r"(?i)(?<=secret=)[^\s&'\",;]+"),
    re.compile(r"(?i)(?<=rumbo_console=)[^\s;'\"]+"),
    re.compile(r"(?i)(?<=rumbo_webchat=)[^\s;'\"]+"),
    re.compile(r"(?<![\w.:/-])\+?[0-9]{10,15}(?![\w.])"),  # phone numbers (and long ids)
]


class RedactingFormatter(logging.Formatter):
    """Wraps a formatter (text or JSON) and hides secrets in the whole line it makes."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        # Longest first, so a secret containing another is hidden whole; as written
        # and as written in a URL.
        plain = {s for s in secrets if len(s) >= 6}
        every = plain | {quote(s, safe="") for s in plain}
        self.secrets = sorted(every, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    for pattern in _PATTERNS:
        text = pattern.sub(HIDDEN, text)
    return text


def configured_secrets(settings: Settings) -> list[str]:
    values: list[str] = []
    for secret in (
        settings.telegram.token,
        settings.telegram.webhook_secret,
        settings.whatsapp.token,
        settings.whatsapp.app_secret,
        settings.whatsapp.verify_token,
        settings.secret_key,
        settings.data_key,
    ):
        if secret is not None:
            value = secret.get_secret_value()
            values.append(value)
            values.extend(part.strip() for part in value.split(",") if part.strip())
    return values
