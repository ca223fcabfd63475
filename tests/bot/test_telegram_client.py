"""TelegramClient against the fake Bot API: rendering, voice prompts, deletions, and
how the platform's errors reach the outbox sender."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.outbox.channel import ChatGone, PermanentFailure, RetryLater
from bot.telegram import build_client
from bot.telegram.client import TelegramClient, deletion_ids, split_text
from dialogs.screens import Button, Screen
from plan_store.enums import OutboxKind
from rumbo.parts import telegram_config
from rumbo.settings import Settings
from tests.e2e.support import telegram_settings
from tests.fakes import FakeTelegram
from tests.voice_samples import ogg_opus

CHAT = 5151


@pytest.fixture
async def client(tg: FakeTelegram, settings: Settings) -> AsyncIterator[TelegramClient]:
    async with build_client(telegram_config(telegram_settings(settings, tg))) as built:
        yield built


def consent_screen() -> Screen:
    return Screen(
        "Antes de seguir: lo que escribas aquí lo leen tu operadora y el equipo de tu casa.",
        (
            (Button("✅ Acepto", "consent:yes"), Button("ℹ️ Más detalles", "consent:more")),
            (Button("🙋 Hablar con una persona", "human"),),
        ),
        voice_key="consent.summary",
    )


async def test_a_screen_is_one_message_with_its_buttons_as_inline_keyboard_rows(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    message_id = await client.deliver(OutboxKind.SCREEN, str(CHAT), consent_screen().to_payload())

    (sent,) = tg.sent_to(CHAT)
    assert sent.method == "sendMessage"
    assert message_id == str(sent.message_id)
    assert sent.text == consent_screen().text
    assert sent.buttons == [
        [("✅ Acepto", "consent:yes"), ("ℹ️ Más detalles", "consent:more")],
        [("🙋 Hablar con una persona", "human")],
    ]
    assert "parse_mode" not in sent.params  # plain text: nothing in it is read as markup


async def test_markup_in_a_screen_reaches_the_chat_as_plain_text(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    text = "<b>hola</b> & <script>alert(1)</script> *no* _markdown_"
    await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen(text).to_payload())
    (message,) = tg.messages_for(CHAT)
    assert message.text == text and message.buttons == []


async def test_a_recorded_voice_prompt_follows_the_text_and_is_uploaded_once(
    tg: FakeTelegram, settings: Settings
) -> None:
    recording = ogg_opus("consent-summary-es")
    asked: list[tuple[str, str]] = []

    async def prompts(key: str, language: str) -> bytes | None:
        asked.append((key, language))
        return recording if key == "consent.summary" else None

    bot = build_client(telegram_config(telegram_settings(settings, tg))).bot
    async with TelegramClient(bot, voice_prompts=prompts) as client:
        first = await client.deliver(OutboxKind.SCREEN, str(CHAT), consent_screen().to_payload())
        await client.deliver(OutboxKind.SCREEN, str(CHAT + 1), consent_screen().to_payload())
        await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen("Sin audio").to_payload())

    assert [(r.method, r.chat_id) for r in tg.sent] == [
        ("sendMessage", CHAT),
        ("sendVoice", CHAT),
        ("sendMessage", CHAT + 1),
        ("sendVoice", CHAT + 1),
        ("sendMessage", CHAT),
    ]
    assert first == f"{tg.sent[0].message_id},{tg.sent[1].message_id}"
    assert tg.sent[1].voice == tg.sent[3].voice == recording
    # The second time the recording is sent by the file id Telegram gave it.
    second_voice = tg.calls_to("sendVoice")[1].params["voice"]
    assert isinstance(second_voice, str) and second_voice.startswith("AwAC")
    assert asked[0] == ("consent.summary", "es")


async def test_the_voice_prompt_is_looked_up_in_the_screens_language_and_a_failure_only_loses_it(
    tg: FakeTelegram, settings: Settings
) -> None:
    asked: list[tuple[str, str]] = []

    async def broken(key: str, language: str) -> bytes | None:
        asked.append((key, language))
        raise RuntimeError("the database is away")

    screen = Screen("Ch'a'ab'ej", voice_key="menu", language="kek")
    bot = build_client(telegram_config(telegram_settings(settings, tg))).bot
    async with TelegramClient(bot, voice_prompts=broken) as client:
        sent = await client.deliver(OutboxKind.SCREEN, str(CHAT), screen.to_payload())
    assert asked == [("menu", "kek")]
    assert [r.method for r in tg.sent] == ["sendMessage"] and sent == str(tg.sent[0].message_id)


async def test_without_a_recording_a_voice_key_is_skipped(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    await client.deliver(OutboxKind.SCREEN, str(CHAT), consent_screen().to_payload())
    assert [r.method for r in tg.sent] == ["sendMessage"]


async def test_a_long_text_is_split_and_the_buttons_stay_on_the_last_part(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    text = "\n".join(
        f"• Meta {n}: terminar el módulo {n} de la secundaria abierta" for n in range(200)
    )
    screen = Screen(text, ((Button("⬅️ Volver", "menu"),),))
    ids = await client.deliver(OutboxKind.SCREEN, str(CHAT), screen.to_payload())

    sent = tg.sent_to(CHAT)
    assert len(sent) == 3 and ids == ",".join(str(r.message_id) for r in sent)
    assert [r.buttons for r in sent] == [[], [], [[("⬅️ Volver", "menu")]]]
    assert "\n".join(r.text or "" for r in sent) == text
    assert all(len(part) <= 4096 for part in split_text(text))


async def test_clearing_the_chat_deletes_the_bots_messages_and_the_ones_between(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    tg.user_sends_text(CHAT, "/start")
    first = await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen("Hola 👋").to_payload())
    tg.user_sends_text(CHAT, "me siento mal")
    second = await client.deliver(OutboxKind.SCREEN, str(CHAT), consent_screen().to_payload())
    tg.user_sends_text(CHAT, "borrar")

    payload = {"message_ids": [first, second]}
    assert await client.deliver(OutboxKind.DELETE, str(CHAT), payload) is None
    # The adolescent's messages between the bot's go too; the one after stays.
    assert [m.text for m in tg.messages_for(CHAT, include_user=True)] == ["borrar"]
    # Deleting again (a retried row) is fine: they are gone already.
    assert await client.deliver(OutboxKind.DELETE, str(CHAT), payload) is None


def test_deletion_ids_cover_the_span_and_keep_far_apart_ids_apart() -> None:
    assert deletion_ids(["4", "6,7", "x", 9]) == [3, 4, 5, 6, 7, 8, 9]
    assert deletion_ids(["2", "5000"]) == [2, 5000]
    assert deletion_ids([]) == []


async def test_a_429_asks_to_retry_after_the_platforms_wait(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    tg.fail_next("sendMessage", kind="retry_after", retry_after=3)
    with pytest.raises(RetryLater) as caught:
        await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen("hola").to_payload())
    assert caught.value.after == 3
    assert tg.sent == []


@pytest.mark.parametrize("fault", ["server_error", "timeout"])
async def test_server_errors_and_time_outs_ask_to_retry(
    tg: FakeTelegram, settings: Settings, fault: str
) -> None:
    quick = Bot(
        tg.token,
        base_url=tg.base_url,
        request=HTTPXRequest(read_timeout=0.2, connect_timeout=1),
    )
    tg.fail_next("sendMessage", kind=fault, delay=2)  # type: ignore[arg-type]
    async with TelegramClient(quick) as client:
        with pytest.raises(RetryLater) as caught:
            await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen("hola").to_payload())
    assert caught.value.after is None


@pytest.mark.parametrize("fault", ["blocked", "chat_not_found"])
async def test_a_blocked_bot_or_a_missing_chat_means_the_chat_is_gone(
    tg: FakeTelegram, client: TelegramClient, fault: str
) -> None:
    tg.fail_next("sendMessage", kind=fault)  # type: ignore[arg-type]
    with pytest.raises(ChatGone):
        await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen("hola").to_payload())


async def test_a_refused_message_is_a_permanent_failure(
    tg: FakeTelegram, client: TelegramClient
) -> None:
    with pytest.raises(PermanentFailure, match=r"(?i)button"):
        # A button without a label is refused by Telegram.
        await client.deliver(
            OutboxKind.SCREEN, str(CHAT), {"text": "hola", "buttons": [[["", "x"]]]}
        )
    with pytest.raises(PermanentFailure, match="empty"):
        await client.deliver(OutboxKind.SCREEN, str(CHAT), Screen("   ").to_payload())
    with pytest.raises(PermanentFailure, match="chat id"):
        await client.deliver(OutboxKind.SCREEN, "web-chat", Screen("hola").to_payload())
    assert tg.sent == []
