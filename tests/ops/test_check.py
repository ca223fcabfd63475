"""``rumbo check``: one plain line per problem, against the live services (the
database, the fake Telegram Bot API, an HTTPS site standing for the proxy), and
exit code 0 only when nothing is wrong."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from plan_store import migrate
from plan_store.crypto import generate_key
from plan_store.database import create_engine
from plan_store.enums import Channel, Role
from plan_store.services import duty, keys, messages, staff_chats
from rumbo.checks import problems
from rumbo.cli import main
from rumbo.container import build_container
from rumbo.seed import DEMO_PASSWORD
from rumbo.settings import (
    ConsoleSettings,
    DatabaseSettings,
    Settings,
    SmtpSettings,
    TelegramSettings,
    WhatsAppSettings,
)
from tests.builders import a_case, a_home, a_staff_member, an_operator
from tests.configured import configured
from tests.fakes.smtp import Mailbox, smtp_server
from tests.fakes.telegram_api import FakeTelegram
from tests.ops.tls import https_site

OLD_KEY = generate_key()
NEW_KEY = generate_key()
WEBHOOK = "https://rumbo.example.org/telegram/webhook"
"""The public webhook address (Telegram takes only ports 80, 88, 443 and 8443)."""
NOT_FIRST = (
    "RUMBO_DATA_KEY: no stored value is under the first key: if the new key was just put "
    "first, run `rumbo keys rotate`; if you rotated already, put the key you rotated to first"
)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
async def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    async with https_site(tmp_path) as (url, certificate):
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        yield url


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def _a_message_under_the_key(settings: Settings, home_name: str = "Casa Ceiba") -> None:
    container = build_container(settings)
    try:
        async with container.uow() as uow:
            home = await a_home(uow, home_name)
            coordinator = await a_staff_member(uow, home, f"coord{home.id}", Role.COORDINATOR)
            operator = await an_operator(uow, home, f"op{home.id}")
            # On duty all week, reachable by email.
            await staff_chats.set_email(uow, operator, f"op{home.id}@casa.test")
            await duty.add_shift(
                uow,
                coordinator,
                home.id,
                staff_id=operator.id,
                weekdays=range(7),
                starts=time(0),
                ends=time(0),
            )
            case = await a_case(uow, home, operator, f"CAS-{home.id:03}")
            await messages.record_inbound(uow, case.id, channel=Channel.TELEGRAM, body="hola")
            await uow.commit()
    finally:
        await container.aclose()


async def _set_webhook(telegram: FakeTelegram, url: str) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(telegram.method_url("setWebhook"), json={"url": url})
        assert answer.json()["ok"] is True


@pytest.fixture
async def ready(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram: FakeTelegram,
    site: str,
    mailbox: Mailbox,
) -> Settings:
    """An installation with nothing wrong: keys, schema at head, a message stored,
    the webhook registered, WhatsApp complete, the web chat off, HTTPS answering."""
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        database=DatabaseSettings(url=database_url),
        data_key=OLD_KEY,
        secret_key="s" * 40,
        webchat=False,
        console=ConsoleSettings(url=site),
        telegram=TelegramSettings(
            token=telegram.token,
            api_url=telegram.api_url,
            webhook_url=WEBHOOK,
            webhook_secret="hook-secret",
        ),
        whatsapp=WhatsAppSettings(
            token="wa-token",
            app_secret="wa-app-secret",
            phone_number_id="1055",
            verify_token="wa-verify",
        ),
        smtp=SmtpSettings(host=mailbox.host, port=mailbox.port, security="none"),
        _env_file=None,  # type: ignore[call-arg]
    )
    await _migrate(database_url)
    await _a_message_under_the_key(settings)
    await _set_webhook(telegram, WEBHOOK)
    return settings


_with = configured


async def test_a_ready_installation_has_no_problem_and_the_command_exits_0(
    ready: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await problems(ready) == []

    for name, value in {
        "RUMBO_DATABASE_URL": ready.database.url,
        "RUMBO_DATA_KEY": OLD_KEY,
        "RUMBO_SECRET_KEY": "s" * 40,
        "RUMBO_WEBCHAT": "false",
        "RUMBO_CONSOLE_URL": str(ready.console.url),
        "RUMBO_SMTP_HOST": str(ready.smtp.host),
        "RUMBO_SMTP_PORT": str(ready.smtp.port),
        "RUMBO_SMTP_SECURITY": "none",
    }.items():
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(main, ["check"]) == 0
    assert capsys.readouterr().out.strip() == "Ready: no problems found."


async def test_each_problem_is_one_line_and_the_command_exits_1(
    ready: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUMBO_DATABASE_URL", ready.database.url)
    monkeypatch.setenv("RUMBO_DATA_KEY", OLD_KEY)
    monkeypatch.setenv("RUMBO_WEBCHAT", "true")

    assert await asyncio.to_thread(main, ["check"]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "Not ready: 5 problems."
    assert [line for line in lines if line.startswith("- ")] == [
        "- RUMBO_SECRET_KEY is not set: the console cannot sign sessions",
        "- the web chat is on (/chat/): anyone who opens it can type a linking code; "
        "set RUMBO_WEBCHAT=false unless staff train with it",
        "- on duty now in Casa Ceiba but reachable by no alert channel (no Telegram chat "
        "linked, no email): Op1",
        "- RUMBO_CONSOLE_URL is not set (the https:// address staff open)",
        "- RUMBO_SMTP_HOST is not set: alerts and digests go out by no email",
    ]


async def test_missing_keys_are_named(ready: Settings) -> None:
    found = await problems(_with(ready, secret_key=None, data_key=None))
    assert found == [
        "RUMBO_SECRET_KEY is not set: the console cannot sign sessions",
        "RUMBO_DATA_KEY is not set: nothing can be stored encrypted",
    ]


async def test_a_new_data_key_put_after_the_old_one_is_named(ready: Settings) -> None:
    # Rotated under NEW (first), then the list was written back in the wrong order.
    rotating = _with(ready, data_key=SecretStr(f"{NEW_KEY},{OLD_KEY}"))
    container = build_container(rotating)
    try:
        await keys.rotate_all(container.uow)
    finally:
        await container.aclose()

    assert await problems(_with(ready, data_key=SecretStr(f"{OLD_KEY},{NEW_KEY}"))) == [NOT_FIRST]
    assert await problems(rotating) == [
        "RUMBO_DATA_KEY still lists old keys after the rotation: keep only the first "
        "(and keep the old ones with the backups made under them)"
    ]
    assert await problems(_with(ready, data_key=SecretStr(NEW_KEY))) == []


async def test_a_rotation_not_run_and_a_lost_key_are_named(ready: Settings) -> None:
    rotating = _with(ready, data_key=SecretStr(f"{NEW_KEY},{OLD_KEY}"))
    assert await problems(rotating) == [NOT_FIRST]
    await _a_message_under_the_key(rotating, "Casa Nueva")  # written under NEW since
    assert await problems(rotating) == [
        "RUMBO_DATA_KEY: 1 encrypted values are still under an older key: run `rumbo keys rotate`"
    ]
    assert await problems(_with(ready, data_key=SecretStr(NEW_KEY))) == [
        "1 encrypted values open with no key of RUMBO_DATA_KEY: "
        "a key they were written under is missing"
    ]


async def test_a_webhook_not_registered_or_pointing_elsewhere_is_named(
    ready: Settings, telegram: FakeTelegram
) -> None:
    await _set_webhook(telegram, "https://old-server.example.org/telegram/webhook")
    assert await problems(ready) == [
        "the Telegram webhook points elsewhere: "
        f"https://old-server.example.org/telegram/webhook instead of {ready.telegram.webhook_url}"
    ]

    await _set_webhook(telegram, "")
    assert await problems(ready) == [
        "the Telegram webhook is not registered: start the part that serves it "
        "(`rumbo serve --only telegram`), which registers it"
    ]

    assert await problems(_with(ready, telegram={"token": SecretStr("999:WRONG")})) == [
        "Telegram refuses RUMBO_TELEGRAM_TOKEN (revoked or mistyped?)"
    ]


async def test_the_whatsapp_verify_token_unset_is_named(ready: Settings) -> None:
    assert await problems(_with(ready, whatsapp={"verify_token": None})) == [
        "RUMBO_WHATSAPP_VERIFY_TOKEN is not set: Meta cannot verify the webhook"
    ]
    assert await problems(_with(ready, whatsapp={"app_secret": None})) == [
        "WhatsApp is half configured: set RUMBO_WHATSAPP_APP_SECRET"
    ]


async def test_the_web_chat_on_is_named(ready: Settings) -> None:
    assert await problems(_with(ready, webchat=True)) == [
        "the web chat is on (/chat/): anyone who opens it can type a linking code; "
        "set RUMBO_WEBCHAT=false unless staff train with it"
    ]


async def test_accounts_with_the_demo_password_are_named(ready: Settings) -> None:
    container = build_container(ready)
    try:
        async with container.uow() as uow:
            await a_staff_member(uow, None, "admin", Role.ADMIN, password=DEMO_PASSWORD)
            await uow.commit()
    finally:
        await container.aclose()

    assert await problems(ready) == ["1 staff account(s) still have the demo password: admin"]


async def test_https_missing_or_not_trusted_is_named(
    ready: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = "http://rumbo.example.org"
    assert await problems(_with(ready, console={"url": plain})) == [
        f"HTTPS is missing: RUMBO_CONSOLE_URL is {plain}"
    ]
    assert await problems(_with(ready, console={"url": None})) == [
        "RUMBO_CONSOLE_URL is not set (the https:// address staff open)"
    ]
    monkeypatch.delenv("SSL_CERT_FILE")  # the site's certificate is no longer trusted
    assert await problems(ready) == [
        f"HTTPS is broken at {ready.console.url}: the certificate is not valid"
    ]


async def test_a_database_behind_the_code_or_down_is_named(ready: Settings, tmp_path: Path) -> None:
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert await problems(_with(ready, database={"url": fresh})) == [
        "the database schema is at no schema, this version needs "
        f"{', '.join(sorted(migrate.head_revisions()))}: run `rumbo db upgrade`"
    ]
    down = "postgresql+asyncpg://rumbo@127.0.0.1:9/rumbo"  # nothing listens on port 9
    [line] = await problems(_with(ready, database={"url": down}))
    assert line.startswith("the database does not answer: ")


async def test_nobody_on_duty_or_on_duty_but_unreachable_is_named(ready: Settings) -> None:
    container = build_container(ready)
    try:
        async with container.uow() as uow:
            home = await a_home(uow, "Casa Nido")
            await an_operator(uow, home, "paty")
            await uow.commit()
    finally:
        await container.aclose()
    assert await problems(ready) == ["nobody is on duty now in Casa Nido: fill in its duty roster"]

    # Without email, the operator on duty in Casa Ceiba has no way to be told.
    without_email = _with(ready, smtp={"host": None})
    assert await problems(without_email) == [
        "on duty now in Casa Ceiba but reachable by no alert channel (no Telegram chat "
        "linked, no email): Op1",
        "nobody is on duty now in Casa Nido: fill in its duty roster",
        "RUMBO_SMTP_HOST is not set: alerts and digests go out by no email",
    ]


async def test_an_smtp_server_that_does_not_answer_is_named(ready: Settings) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert await problems(_with(ready, smtp={"port": port})) == [
        f"the SMTP server 127.0.0.1:{port} is not reachable: SMTPConnectError"
    ]
