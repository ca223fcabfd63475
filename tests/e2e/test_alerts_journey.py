"""A call for help reaches the person on duty, and the adolescent hears it: end to end.

Telegram: the real python-telegram-bot client against the fake Bot API, Rumbo's
polling loop, the real outbox sender and the alert dispatcher. Email: aiosmtplib to
a real SMTP server on loopback. WhatsApp: Rumbo's webhook and the fake Cloud API.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select

from bot.telegram import TelegramClient
from plan_store.enums import AlertChannel, DeliveryStatus
from plan_store.models import Alert, AlertDelivery, AuditEntry
from rumbo.container import Container
from rumbo.settings import Settings
from staff_console.app import create_app
from tests.conftest import FakeClock
from tests.console.conftest import Authenticator, Browser
from tests.e2e.alerts_support import (
    CONSOLE,
    a_team_on_duty,
    dispatcher,
    staff_code,
    with_alert_channels,
)
from tests.e2e.support import Phone, drain, running_poller
from tests.e2e.whatsapp_support import whatsapp_bridge
from tests.fakes import FakeTelegram
from tests.fakes.smtp import smtp_server

CHAT = 880_101
STAFF_CHAT = 990_101


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_alert_channels(settings)


async def test_a_risk_message_on_telegram_reaches_laura_on_duty_and_her_look_reaches_back(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    clock: FakeClock,
    telegram_client: TelegramClient,
) -> None:
    team = await a_team_on_duty(container.uow, alias="Xiomara")
    async with smtp_server() as mailbox, running_poller(tg_settings, container) as poller:
        laura_phone = Phone(tg, STAFF_CHAT, container.uow, telegram_client, poller)
        (linked,) = await laura_phone.send(await staff_code(container.uow, team.laura))
        assert "aquí te llegarán las alertas" in (linked.text or "")

        phone = Phone(tg, CHAT, container.uow, telegram_client, poller)
        await phone.send(f"/start {team.code}")
        await phone.tap("✅ Acepto")
        (safety,) = await phone.send("ya no aguanto, me quiero morir")
        # She is told who is told, because Laura really is.
        assert "Le estoy avisando ahora a Laura." in (safety.text or "")
        assert "911" in (safety.text or "")

        clock.advance(seconds=20)
        alerts = dispatcher(container.uow, telegram=telegram_client, mailbox=mailbox)
        assert await alerts.run_once() == 2  # Telegram and email

        (alert,) = tg.messages_for(STAFF_CHAT)[1:]
        assert "caso CAS-001" in (alert.text or "") and "Riesgo de autolesión" in (alert.text or "")
        assert f"{CONSOLE}/alerts/" in (alert.text or "")
        (mail,) = mailbox.to("laura@casa.test")
        assert mail["Subject"] == "🔴 Alerta urgente: caso CAS-001, Riesgo de autolesión"
        assert "Esperando desde hace 0 minutos." in mail.get_content()

        clock.advance(minutes=2)
        (thanks,) = await laura_phone.tap("👀 Lo veo")
        assert "Le avisamos que ya lo viste" in (thanks.text or "")
        assert await alerts.run_once() == 0
        await drain(container.uow, telegram_client)
        assert "Laura ya vio tu mensaje." in (phone.screen().text or "")

        # Nothing more: the alert is not escalated, nobody else is told.
        clock.advance(minutes=30)
        assert await alerts.run_once() == 0
        assert mailbox.to("beto@casa.test") == [] and mailbox.to("marta@casa.test") == []

    async with container.uow() as uow:
        (stored,) = await uow.session.scalars(select(Alert))
        assert stored.acknowledged_by_id == team.laura.id
        assert (stored.acknowledged_at - stored.created_at).total_seconds() == 140
        sent = await uow.session.scalars(
            select(AlertDelivery).where(AlertDelivery.channel != AlertChannel.CONSOLE)
        )
        assert {(d.channel, d.status) for d in sent} == {
            (AlertChannel.TELEGRAM, DeliveryStatus.SENT),
            (AlertChannel.EMAIL, DeliveryStatus.SENT),
        }
        acknowledged = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "alert.acknowledge")
        )
        assert acknowledged is not None and acknowledged.details["via"] == "telegram"
    assert tg.unanswered_callbacks() == []


async def test_a_risk_message_on_whatsapp_reaches_laura_on_duty_and_her_look_reaches_back(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    clock: FakeClock,
    telegram_client: TelegramClient,
) -> None:
    team = await a_team_on_duty(container.uow, alias="Xiomara")
    async with (
        smtp_server() as mailbox,
        running_poller(tg_settings, container) as poller,
        whatsapp_bridge(container) as bridge,
    ):
        laura_phone = Phone(tg, STAFF_CHAT, container.uow, telegram_client, poller)
        await laura_phone.send(await staff_code(container.uow, team.laura))

        phone = bridge.phone()
        await phone.send("Hola")
        await phone.tap("Español")
        await phone.send(team.code)
        await phone.tap("✅ Acepto")
        (safety,) = await phone.send("ya no aguanto, me quiero morir")
        assert "Le estoy avisando ahora a Laura." in safety.text

        alerts = dispatcher(container.uow, telegram=telegram_client, mailbox=mailbox)
        assert await alerts.run_once() == 2
        (alert,) = tg.messages_for(STAFF_CHAT)[1:]
        assert "caso CAS-001" in (alert.text or "")
        assert len(mailbox.to("laura@casa.test")) == 1

        await laura_phone.tap("👀 Lo veo")
        await alerts.run_once()
        (seen,) = await bridge.deliver()
        assert "Laura ya vio tu mensaje." in seen.text


WORDS = ("Xiomara", "cuarto azul", "aguanto", "morir", "pasó en")


def carries_nothing_of_hers(text: str) -> bool:
    found = [word for word in WORDS if word.casefold() in text.casefold()]
    assert not found, f"{found} in: {text}"
    return True


async def test_no_alert_carries_the_adolescents_words_or_alias(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    clock: FakeClock,
    telegram_client: TelegramClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    team = await a_team_on_duty(container.uow, alias="Xiomara")
    app = create_app(container.uow, secret_key="k" * 40)
    async with (
        smtp_server() as mailbox,
        running_poller(tg_settings, container) as poller,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c.test") as web,
    ):
        await Phone(tg, STAFF_CHAT, container.uow, telegram_client, poller).send(
            await staff_code(container.uow, team.laura)
        )
        phone = Phone(tg, CHAT, container.uow, telegram_client, poller)
        await phone.send(f"/start {team.code}")
        await phone.tap("✅ Acepto")
        # A risk in free text, then an urgent request with a message of her own.
        await phone.send("soy Xiomara del cuarto azul, ya no aguanto, me quiero morir")
        await phone.tap("🔴 Hablar con Laura ya")
        await phone.tap("🏠 Menú")
        await phone.tap("🙋 Hablar con Laura")
        await phone.tap("⚠️ Pasó algo")
        await phone.send("quiero hablar de lo que pasó en el cuarto azul")
        await phone.tap("🔴 Sí, es urgente")
        alerts = dispatcher(container.uow, telegram=telegram_client, mailbox=mailbox)
        await alerts.run_once()
        # The console's live banner, as Laura's open page asks for it.
        laura = Browser(web, Authenticator(clock))
        assert (await laura.login("laura")).status_code == 303
        live = await web.get("/alerts/live")

    told = tg.messages_for(STAFF_CHAT)[1:]
    assert told and len(mailbox.messages) >= 1
    assert live.status_code == 200 and live.json()["alerts"]
    for message in told:
        carries_nothing_of_hers(message.text or "")
        carries_nothing_of_hers(str(message.buttons))
    for mail in mailbox.messages:
        carries_nothing_of_hers(mail.as_string())
    carries_nothing_of_hers(live.text)
    for record in caplog.records:
        ours = record.name.startswith(("bot.alerts", "bot.staff_chat", "plan_store"))
        if ours or record.levelno >= logging.INFO:
            carries_nothing_of_hers(record.getMessage())
    # And the words were there to leak: kept (encrypted) for the people who act on them.
    async with container.uow() as uow:
        (alert,) = await uow.session.scalars(select(Alert))
        assert alert.category == "self_harm"
