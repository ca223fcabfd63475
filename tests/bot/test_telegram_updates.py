"""From real Telegram updates (built by the fake Bot API, parsed by PTB) to events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, Update

from bot.inbound import receive
from bot.telegram import build_bot
from bot.telegram.updates import Incoming, callback_query_id, to_incoming
from dialogs.events import Event, EventKind
from plan_store.enums import Channel
from rumbo.container import Container
from rumbo.parts import telegram_config
from rumbo.settings import Settings
from tests.e2e.support import STICKER, outbox_rows, telegram_settings
from tests.fakes import FakeTelegram

CHAT = 7070


@pytest.fixture
async def bot(tg: FakeTelegram, settings: Settings) -> AsyncIterator[Bot]:
    async with build_bot(telegram_config(telegram_settings(settings, tg))) as built:
        yield built


async def next_update(bot: Bot) -> Update:
    (update,) = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=update.update_id + 1, timeout=0)  # confirm it
    return update


async def incoming(bot: Bot, **options: Any) -> Incoming | None:
    return await to_incoming(await next_update(bot), bot, **options)


def message(text: str | None = None, *, chat: dict[str, Any] | None = None, **content: Any) -> Any:
    body: dict[str, Any] = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": chat or {"id": CHAT, "type": "private", "first_name": "Lu"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Lu"},
        **content,
    }
    if text is not None:
        body["text"] = text
    return body


@pytest.mark.parametrize(
    ("typed", "event"),
    [
        ("/start", Event.start("")),
        ("/start K7P2QX9M", Event.start("K7P2QX9M")),
        ("/start@rumbo_test_bot K7P2QX9M", Event.start("K7P2QX9M")),
        ("hola, ¿cómo estás? 🙂", Event.text("hola, ¿cómo estás? 🙂")),
        ("/ayuda", Event.text("/ayuda")),
        ("/startle", Event.text("/startle")),
    ],
)
async def test_typed_text_and_start_commands(
    tg: FakeTelegram, bot: Bot, typed: str, event: Event
) -> None:
    update_id = tg.user_sends_text(CHAT, typed)
    found = await incoming(bot)
    assert found is not None and found.handler is None and found.callback_query_id is None
    assert found.inbound.channel is Channel.TELEGRAM
    assert found.inbound.update_id == str(update_id)
    assert found.inbound.chat_id == str(CHAT)
    assert found.inbound.event == event


async def test_control_characters_are_dropped_from_text(tg: FakeTelegram, bot: Bot) -> None:
    tg.enqueue({"message": message("hola\x00 mundo\x07\nadiós")})
    found = await incoming(bot)
    assert found is not None and found.inbound.event == Event.text("hola mundo\nadiós")


async def test_a_tapped_button_is_a_choice_with_its_query_to_answer(
    tg: FakeTelegram, bot: Bot
) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Acepto", callback_data="c:yes")]])
    await bot.send_message(CHAT, "¿Aceptas?", reply_markup=markup)
    tg.user_taps(CHAT, "c:yes")
    update = await next_update(bot)
    found = await to_incoming(update, bot)
    assert found is not None and found.inbound.event == Event.choice("c:yes")
    assert found.callback_query_id == callback_query_id(update) == tg.unanswered_callbacks()[0]


@pytest.mark.parametrize(
    "data",
    ["x" * 65, "ñ" * 40, "a" * 10_000, None],
    ids=["65-bytes", "multibyte-over-64", "huge", "no-data"],
)
async def test_a_forged_or_oversized_callback_is_an_empty_choice_and_never_raises(
    tg: FakeTelegram, bot: Bot, data: str | None
) -> None:
    query: dict[str, Any] = {
        "id": "99",
        "from": {"id": CHAT, "is_bot": False, "first_name": "Lu"},
        "message": message("¿Aceptas?"),
        "chat_instance": "1",
    }
    if data is not None:
        query["data"] = data
    tg.enqueue({"callback_query": query})
    found = await incoming(bot)
    assert found is not None and found.inbound.event == Event.choice("")
    assert found.callback_query_id == "99"


async def test_a_voice_note_is_downloaded(tg: FakeTelegram, bot: Bot) -> None:
    audio = b"OggS\x00\x02 me da miedo volver"
    tg.user_sends_voice(CHAT, audio, duration=4)
    found = await incoming(bot)
    assert found is not None and found.handler is None
    assert found.inbound.event == Event.voice_note(audio)


async def test_a_voice_note_over_the_cap_is_not_downloaded(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_voice(CHAT, b"OggS" + b"\x00" * 100, duration=300)
    found = await incoming(bot, max_voice_bytes=50)
    assert found is not None and found.handler is not None
    assert found.inbound.event.kind is EventKind.TEXT and found.inbound.event.data == ""
    assert tg.calls_to("getFile") == []


@pytest.mark.parametrize(
    "update",
    [
        {"message": message("hola", chat={"id": -100, "type": "group", "title": "Casa"})},
        {"message": message("hola", chat={"id": -1001, "type": "supergroup", "title": "C"})},
        {"message": message(None, new_chat_title="x")},  # a service message
        {"message": message(None, message_auto_delete_time={"message_auto_delete_time": 86400})},
        {"channel_post": message("hola", chat={"id": -1002, "type": "channel", "title": "C"})},
        {
            "callback_query": {
                "id": "5",
                "from": {"id": CHAT, "is_bot": False, "first_name": "Lu"},
                "inline_message_id": "abc",
                "chat_instance": "1",
                "data": "c:yes",
            }
        },
    ],
    ids=["group", "supergroup", "service", "auto-delete-timer", "channel", "inline-message"],
)
async def test_what_is_not_a_private_conversation_is_ignored(
    tg: FakeTelegram, bot: Bot, update: dict[str, Any]
) -> None:
    tg.enqueue(update)
    assert await incoming(bot) is None


@pytest.mark.parametrize(
    ("update", "says"),
    [
        (
            {"message": message(None, sticker=STICKER)},
            "Solo puedo leer texto, botones y notas de voz",
        ),
        (
            {"message": message(None, location={"latitude": 19.4, "longitude": -99.1})},
            "Solo puedo leer texto, botones y notas de voz",
        ),
        (
            {"edited_message": message("me quiero ir de aquí", edit_date=1_700_000_100)},
            "no puedo leer cambios",
        ),
    ],
    ids=["sticker", "location", "edited"],
)
async def test_what_the_conversation_cannot_read_gets_a_short_answer(
    tg: FakeTelegram, bot: Bot, container: Container, update: dict[str, Any], says: str
) -> None:
    tg.enqueue(update)
    found = await incoming(bot)
    assert found is not None and found.handler is not None

    reply = await receive(container.uow, found.inbound, found.handler)
    assert reply is not None and reply.adolescent_id is None
    (row,) = await outbox_rows(container.uow, Channel.TELEGRAM)
    assert row["chat"] == str(CHAT) and says in row["text"]
    # A second delivery of the same update is not answered twice.
    assert await receive(container.uow, found.inbound, found.handler) is None
