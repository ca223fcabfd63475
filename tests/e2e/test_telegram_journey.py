"""An adolescent's first conversation on Telegram, end to end.

The real python-telegram-bot client talks HTTP to the fake Bot API on loopback:
Rumbo's polling loop stores each update through the dialogs, and the real outbox
sender delivers the replies with ``TelegramClient``. What the adolescent did is then
read back from the database.
"""

from __future__ import annotations

import pytest

from bot.telegram import TelegramClient
from plan_store.enums import Channel
from rumbo.container import Container
from rumbo.settings import Settings
from tests.conftest import FakeClock, after_a_restart
from tests.e2e.support import (
    Phone,
    a_case_with_code,
    assert_the_journey_was_stored,
    outbox_rows,
    processed_count,
    running_poller,
)
from tests.fakes import FakeTelegram

CHAT = 880_001


async def test_an_adolescent_links_agrees_follows_the_plan_asks_for_help_and_is_kept_safe(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    telegram_client: TelegramClient,
) -> None:
    case = await a_case_with_code(container.uow, alias="Lu")
    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, telegram_client, poller)

        # The deep link from the QR code staff showed: /start CODE.
        (linked, *_) = await phone.send(f"/start {case.code}")
        assert "ya estamos conectados" in (linked.text or "")

        # Language: each named in itself.
        await phone.tap("🌐 Idioma")
        languages = phone.screen()
        assert [text for text, _ in languages.buttons[0]] == ["Español ✓", "English"]
        await phone.tap("Español")

        # Consent, in plain words; nothing of the plan before it.
        consent_screen = phone.screen()
        assert "Lo que escribas aquí lo leen tu operadora" in (consent_screen.text or "")
        assert "Terminar la secundaria" not in (consent_screen.text or "")
        (menu,) = await phone.tap("✅ Acepto")
        assert "¿Qué quieres hacer, Lu?" in (menu.text or "")

        # Goals: by programme, then one goal, then "I did it".
        await phone.tap("🎯 Mis metas")
        await phone.tap("📚 Educación")
        await phone.tap("Terminar la secundaria")
        assert "Inscribirme en el INEA" in (phone.screen().text or "")
        await phone.tap("✅ Ya lo hice")
        assert "Bien hecho" in (phone.screen().text or "")

        # The appointment: "I'll go".
        await phone.tap("🏠 Menú")
        await phone.tap("📅 Mis citas")
        await phone.tap("🏫 Inscripción al taller")
        assert "CECATI 42" in (phone.screen().text or "")
        await phone.tap("✔️ Voy a ir")

        # Ask for the reference operator: a reason, a message, not urgent.
        await phone.tap("🏠 Menú")
        await phone.tap("🙋 Hablar con Laura")
        await phone.tap("💬 Solo platicar")
        await phone.send("¿Me puedes llamar en la tarde?")
        assert "¿Es urgente?" in (phone.screen().text or "")
        await phone.tap("🟢 Puede esperar")
        assert "Le avisé a Laura" in (phone.screen().text or "")

        # Free text that says the adolescent is at risk: safety first.
        (safety,) = await phone.send("ya no aguanto, me quiero morir")
        assert "Ahora mismo no pude avisarle a nadie de tu equipo" in (safety.text or "")
        assert "911" in (safety.text or "") and "800 911 2000" in (safety.text or "")

    await assert_the_journey_was_stored(container.uow, case.case_id, Channel.TELEGRAM, str(CHAT))

    # Every tap was acknowledged (after it was stored), and every reply delivered.
    assert tg.unanswered_callbacks() == []
    rows = await outbox_rows(container.uow, Channel.TELEGRAM)
    assert rows and {row["status"].value for row in rows} == {"sent"}


@pytest.mark.parametrize("redelivered", [False, True], ids=["killed", "killed-before-ack"])
async def test_a_restarted_bot_continues_where_the_adolescent_was(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    clock: FakeClock,
    telegram_client: TelegramClient,
    redelivered: bool,
) -> None:
    case = await a_case_with_code(container.uow)
    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, telegram_client, poller)
        await phone.send(f"/start {case.code}")
        await phone.tap("✅ Acepto")
        last_update = max(tg.updates)
        # The adolescent taps while the process is down.
        _, data = phone.button("🎯 Mis metas")
    tapped = tg.user_taps(CHAT, data)
    if redelivered:
        # Killed after storing its last update but before Telegram heard of it.
        tg.redeliver(last_update)

    async with after_a_restart(container, tg_settings, clock) as fresh:
        async with running_poller(tg_settings, fresh) as poller:
            phone = Phone(tg, CHAT, fresh.uow, telegram_client, poller)
            phone.poller = poller
            await phone._act(tapped)
            assert "🎯 Tus metas" in (phone.screen().text or "")
            await phone.tap("📚 Educación")
            assert "Terminar la secundaria" in (phone.screen().text or "")
        processed = await processed_count(fresh.uow, Channel.TELEGRAM)
        rows = await outbox_rows(fresh.uow, Channel.TELEGRAM)
    assert processed == 4  # /start, consent, the goals, a programme: each once
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts)) == 4, texts  # one reply each, none twice
    assert tg.unanswered_callbacks() == []
