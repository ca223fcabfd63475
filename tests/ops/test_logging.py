"""Log lines as JSON with ``RUMBO_LOG_FORMAT=json``, with nothing personal in them even
when the dialogs fail; errors are counted for ``/metrics``."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import text
from starlette.applications import Starlette

from bot.telegram import TelegramWebhook, build_bot
from rumbo.container import Container
from rumbo.observe import configure_logging
from rumbo.parts import telegram_config
from tests.configured import configured
from tests.e2e.support import telegram_settings
from tests.fakes import FakeTelegram, serve_loopback

CHAT = 7_450_123_987
WORDS = "me llamo Lucía y me quiero ir de la casa"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """``configure_logging`` replaces the root logger's handlers: put them back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def _errors() -> float:
    return sum(
        sample.value
        for family in REGISTRY.collect()
        if family.name == "rumbo_errors"
        for sample in family.samples
        if sample.name == "rumbo_errors_total"
    )


async def test_a_failure_in_the_dialogs_is_logged_as_json_without_the_chat_or_its_words(
    container: Container,
    tg: FakeTelegram,
    root_logging: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = configured(
        telegram_settings(container.settings, tg, webhook_secret=SecretStr("s3cret")),
        log_format="json",
    )
    configure_logging(settings)
    errors_before = _errors()
    async with container.engine.begin() as connection:  # the dialogs will fail
        await connection.execute(text("DROP TABLE chat_sessions"))
    webhook = TelegramWebhook(
        build_bot(telegram_config(settings)),
        container.uow,
        url="https://rumbo.example.org/tg",
        secret="s3cret",
    )
    async with serve_loopback(Starlette(routes=webhook.routes)) as base:
        update = tg.user_sends_text(CHAT, WORDS)
        answer = await tg.post_update_to(f"{base}{webhook.path}", update, "s3cret")
    assert answer.is_success  # the adolescent got an apology instead

    logged = capsys.readouterr().err
    lines = [json.loads(line) for line in logged.splitlines()]
    failures = [line for line in lines if line["level"] == "error"]
    assert failures
    assert failures[0]["logger"] == "bot.inbound"
    assert failures[0]["message"].startswith("the dialogs failed on a telegram update")
    # The turn that keeps what it can needs the missing table too: it fails as well.
    assert failures[1]["message"].startswith("keeping what a telegram update sent failed too")
    assert "chat_sessions" in failures[0]["traceback"]  # the missing table, on either database
    assert str(CHAT) not in logged
    assert "Lucía" not in logged and "quiero ir" not in logged
    assert _errors() >= errors_before + 1


def test_text_is_the_default_format(root_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    from rumbo.settings import Settings

    configure_logging(Settings(_env_file=None))  # type: ignore[call-arg]
    logging.getLogger("rumbo.test").warning("plain %s", "line")
    line = capsys.readouterr().err.strip()
    assert line.endswith("WARNING rumbo.test: plain line")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
