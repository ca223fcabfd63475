"""The fake Telegram Bot API, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from tests.fakes import CLIENT_CLOSED, FakeTelegram, serve_loopback

TOKEN = "123456:ABC-fake"
CHAT = 4242


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on every int time period (RetryAfter.retry_after, Voice.duration)
    # unless it is told to use datetime.timedelta already.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.file_url) as client:
        yield client


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


# ----------------------------------------------------------------- server


async def test_the_server_starts_and_stops_in_well_under_a_second() -> None:
    started = time.perf_counter()
    async with FakeTelegram(token=TOKEN) as fake:
        ready = time.perf_counter()
        async with httpx.AsyncClient() as client:
            response = await client.post(fake.method_url("getMe"))
        assert response.json()["result"]["is_bot"] is True
        stopping = time.perf_counter()
    assert ready - started < 1
    assert time.perf_counter() - stopping < 1


async def test_ptb_reaches_the_fake_through_base_url_with_the_token_appended(
    tg: FakeTelegram, bot: Bot
) -> None:
    assert tg.base_url == f"{tg.api_url}/bot"
    assert bot.base_url == f"{tg.api_url}/bot{TOKEN}"
    me = await bot.get_me()
    assert me.is_bot and me.username == "rumbo_test_bot" and me.id == 123456


async def test_a_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{tg.api_url}/bot999:WRONG/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_an_unknown_method_is_not_found(tg: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(tg.method_url("sendTelepathy"), json={"chat_id": 1})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_method_names_are_case_insensitive_and_json_or_query_bodies_work(
    tg: FakeTelegram,
) -> None:
    async with httpx.AsyncClient() as client:
        as_json = await client.post(tg.method_url("SENDMESSAGE"), json={"chat_id": 7, "text": "a"})
        as_query = await client.get(
            tg.method_url("sendMessage"), params={"chat_id": 7, "text": "b"}
        )
    assert as_json.json()["result"]["message_id"] == 1
    assert as_query.json()["result"]["message_id"] == 2
    assert [record.text for record in tg.sent_to(7)] == ["a", "b"]


# ----------------------------------------------------------------- sending


async def test_sent_messages_come_back_as_messages_with_ids_increasing_per_chat(
    tg: FakeTelegram, bot: Bot
) -> None:
    first = await bot.send_message(CHAT, "Hola", reply_markup=keyboard([("Sí", "consent:yes")]))
    second = await bot.send_message(CHAT, "¿Qué tal?")
    elsewhere = await bot.send_message(CHAT + 1, "Hola")

    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.text == "Hola" and first.from_user is not None and first.from_user.is_bot
    assert first.reply_markup == keyboard([("Sí", "consent:yes")])
    assert abs(first.date.timestamp() - time.time()) < 5
    record = tg.sent[0]
    assert (record.method, record.chat_id, record.message_id) == ("sendMessage", CHAT, 1)
    assert record.buttons == [[("Sí", "consent:yes")]]


async def test_user_messages_share_the_chats_message_ids(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_text(CHAT, "hola")
    sent = await bot.send_message(CHAT, "Hola, ¿cómo te llamas?")
    assert sent.message_id == 2
    assert [m.from_bot for m in tg.messages_for(CHAT, include_user=True)] == [False, True]


async def test_html_text_is_recorded_as_the_user_sees_it(tg: FakeTelegram, bot: Bot) -> None:
    message = await bot.send_message(CHAT, "<b>Ana</b> &amp; Luis", parse_mode="HTML")
    assert message.text == "Ana & Luis"
    assert tg.sent[0].text == "Ana & Luis"
    assert tg.sent[0].params["text"] == "<b>Ana</b> &amp; Luis"


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("", None, "message text is empty"),
        ("   \n ", None, "message text is empty"),
        ("x" * 4097, None, "message is too long"),
        ("<b>Ana</i>", "HTML", "can't parse entities"),
        ("1 < 2", "HTML", "can't parse entities"),
        ("Tom & Jerry", "HTML", "can't parse entities"),
        ("<br>", "HTML", "can't parse entities"),
        ("Fin.", "MarkdownV2", "can't parse entities"),
    ],
)
async def test_text_the_real_api_refuses_is_refused(
    tg: FakeTelegram, bot: Bot, text: str, parse_mode: str | None, description: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){description}"):
        await bot.send_message(CHAT, text, parse_mode=parse_mode)
    assert tg.sent == []
    assert tg.calls[-1].status == 400


async def test_exactly_4096_characters_fit_even_when_they_are_emoji(bot: Bot) -> None:
    assert (await bot.send_message(CHAT, "x" * 4096)).text == "x" * 4096
    assert (await bot.send_message(CHAT, "😀" * 4096)).text == "😀" * 4096
    escaped = "<b>" + "&lt;" * 4096 + "</b>"
    assert len((await bot.send_message(CHAT, escaped, parse_mode="HTML")).text or "") == 4096


async def test_callback_data_over_64_bytes_is_refused(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard([("a", "é" * 32)]))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "too much", reply_markup=keyboard([("a", "é" * 32 + "x")]))
    assert len(tg.sent) == 1


async def test_a_chat_action_is_recorded_but_not_sent(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_chat_action(CHAT, "typing")
    assert tg.chat_actions == [(CHAT, "typing")]
    assert tg.sent == []


# ----------------------------------------------------------------- updates


async def test_get_updates_returns_queued_updates_until_an_offset_confirms_them(
    tg: FakeTelegram, bot: Bot
) -> None:
    first = tg.user_sends_text(CHAT, "hola")
    second = tg.user_sends_text(CHAT, "¿hay alguien?")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    assert await bot.get_updates() == ()
    assert updates[0].message is not None and updates[0].message.text == "hola"


async def test_a_long_poll_answers_as_soon_as_the_user_writes(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_for_calls("getUpdates", 1)
    started = time.perf_counter()
    update_id = tg.user_sends_text(CHAT, "hola")
    updates = await poll
    assert [u.update_id for u in updates] == [update_id]
    assert time.perf_counter() - started < 1


async def test_a_long_poll_without_updates_answers_empty_after_its_timeout(
    tg: FakeTelegram,
) -> None:
    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        response = await client.post(tg.method_url("getUpdates"), json={"timeout": 0.2})
    assert response.json() == {"ok": True, "result": []}
    assert 0.15 < time.perf_counter() - started < 2


async def test_a_newer_long_poll_terminates_the_older_one(tg: FakeTelegram, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_for_calls("getUpdates", 1)
    async with httpx.AsyncClient() as second_instance:
        newer = await second_instance.post(tg.method_url("getUpdates"))
    assert newer.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await older


async def test_a_start_command_carries_its_bot_command_entity(tg: FakeTelegram, bot: Bot) -> None:
    tg.user_sends_command(CHAT, "/start CODE-1234")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.text == "/start CODE-1234"
    assert update.message.parse_entities([MessageEntity.BOT_COMMAND]) == {
        MessageEntity(type=MessageEntity.BOT_COMMAND, offset=0, length=6): "/start"
    }


async def test_a_redelivered_update_arrives_again_with_the_same_id(
    tg: FakeTelegram, bot: Bot
) -> None:
    update_id = tg.user_sends_text(CHAT, "hola")
    (first,) = await bot.get_updates()
    assert await bot.get_updates(offset=update_id + 1) == ()

    tg.redeliver(update_id)
    (again,) = await bot.get_updates(offset=update_id + 1)
    assert again.update_id == update_id and again == first
    assert await bot.get_updates(offset=update_id + 1) == ()


async def test_a_tap_on_a_shown_button_becomes_a_callback_query(tg: FakeTelegram, bot: Bot) -> None:
    shown = await bot.send_message(
        CHAT, "¿Aceptas?", reply_markup=keyboard([("Sí", "yes"), ("No", "no")])
    )
    tg.user_taps(CHAT, "no")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "no"
    assert query.message is not None and query.message.message_id == shown.message_id
    assert query.from_user.id == CHAT
    assert tg.unanswered_callbacks() == [query.id]

    assert await query.answer("Anotado")
    assert tg.callback_answers[query.id]["text"] == "Anotado"
    assert tg.unanswered_callbacks() == []
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()


async def test_tapping_a_button_that_is_not_on_screen_is_impossible(
    tg: FakeTelegram, bot: Bot
) -> None:
    shown = await bot.send_message(CHAT, "¿Aceptas?", reply_markup=keyboard([("Sí", "yes")]))
    with pytest.raises(LookupError, match="no button 'maybe'"):
        tg.user_taps(CHAT, "maybe")
    await bot.edit_message_reply_markup(CHAT, shown.message_id, reply_markup=None)
    with pytest.raises(LookupError):
        tg.user_taps(CHAT, "yes")


async def test_a_voice_note_from_the_user_can_be_fetched_and_downloaded(
    tg: FakeTelegram, bot: Bot
) -> None:
    audio = b"OggS\x00\x02fake-opus-payload"
    tg.user_sends_voice(CHAT, audio, duration=3)
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.voice is not None
    voice = update.message.voice
    assert voice.duration == dtm.timedelta(seconds=3) and voice.mime_type == "audio/ogg"

    file = await bot.get_file(voice.file_id)
    assert file.file_path is not None and file.file_path.startswith(tg.file_url)
    assert bytes(await file.download_as_bytearray()) == audio


async def test_an_enqueued_raw_update_is_delivered_as_given(tg: FakeTelegram, bot: Bot) -> None:
    raw = {
        "message": {
            "message_id": 99,
            "date": 1_700_000_000,
            "chat": {"id": CHAT, "type": "private", "first_name": "Ana"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
            "text": "hola",
        }
    }
    update_id = tg.enqueue(raw)
    (update,) = await bot.get_updates()
    assert update.update_id == update_id
    assert update.message is not None and update.message.from_user is not None
    assert update.message.from_user.first_name == "Ana"


# ----------------------------------------------------------------- editing and deleting


async def test_an_edit_changes_the_message_and_removes_the_keyboard_unless_resent(
    tg: FakeTelegram, bot: Bot
) -> None:
    shown = await bot.send_message(CHAT, "¿Aceptas?", reply_markup=keyboard([("Sí", "yes")]))
    await bot.edit_message_text("Gracias", CHAT, shown.message_id)

    (message,) = tg.messages_for(CHAT)
    assert (message.text, message.buttons) == ("Gracias", [])
    assert [r.method for r in tg.sent] == ["sendMessage", "editMessageText"]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Gracias", CHAT, shown.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Gracias", CHAT, 77)


async def test_a_markup_edit_replaces_only_the_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    shown = await bot.send_message(CHAT, "Metas", reply_markup=keyboard([("Ver", "goals")]))
    await bot.edit_message_reply_markup(
        CHAT, shown.message_id, reply_markup=keyboard([("Listo", "done")])
    )
    (message,) = tg.messages_for(CHAT)
    assert (message.text, message.buttons) == ("Metas", [[("Listo", "done")]])
    assert tg.sent[-1].method == "editMessageReplyMarkup" and tg.sent[-1].text is None


async def test_deleted_messages_leave_the_chat_and_cannot_be_deleted_twice(
    tg: FakeTelegram, bot: Bot
) -> None:
    kept = await bot.send_message(CHAT, "uno")
    gone = await bot.send_message(CHAT, "dos")
    assert await bot.delete_message(CHAT, gone.message_id)
    assert tg.deleted == [(CHAT, gone.message_id)]
    assert [m.message_id for m in tg.messages_for(CHAT)] == [kept.message_id]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, gone.message_id)
    assert await bot.delete_messages(CHAT, [kept.message_id, gone.message_id])
    assert tg.messages_for(CHAT) == []
    assert tg.deleted == [(CHAT, gone.message_id), (CHAT, kept.message_id)]


# ----------------------------------------------------------------- voice


async def test_an_uploaded_voice_note_is_recorded_and_can_be_resent_by_file_id(
    tg: FakeTelegram, bot: Bot
) -> None:
    audio = b"OggS-consent-explained"
    uploaded = await bot.send_voice(CHAT, audio, duration=12, caption="Consentimiento")
    assert uploaded.voice is not None and uploaded.caption == "Consentimiento"
    again = await bot.send_voice(CHAT + 1, uploaded.voice.file_id)
    assert again.voice is not None and again.voice.file_id == uploaded.voice.file_id

    assert [(r.method, r.chat_id, r.voice) for r in tg.sent] == [
        ("sendVoice", CHAT, audio),
        ("sendVoice", CHAT + 1, audio),
    ]
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_voice(CHAT, "no-such-file-id")


# ----------------------------------------------------------------- waiting


async def test_wait_for_sent_returns_once_enough_messages_were_sent(
    tg: FakeTelegram, bot: Bot
) -> None:
    async def send_later() -> None:
        for text in ("uno", "dos"):
            await bot.send_message(CHAT, text)

    task = asyncio.create_task(send_later())
    records = await tg.wait_for_sent(2, timeout=5)
    await task
    assert [r.text for r in records] == ["uno", "dos"]


async def test_wait_for_sent_fails_with_what_was_sent_when_too_little_arrives(
    tg: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(CHAT, "solo uno")
    with pytest.raises(AssertionError, match=r"expected 2 sent, got 1 .*solo uno"):
        await tg.wait_for_sent(2, timeout=0.05)


# ----------------------------------------------------------------- faults


async def test_a_429_surfaces_as_retry_after_and_the_next_call_succeeds(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.fail_next("sendMessage", kind="retry_after", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hola")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    assert tg.sent == []
    await bot.send_message(CHAT, "hola")
    assert [c.status for c in tg.calls_to("sendMessage")] == [429, 200]


async def test_a_fault_repeats_the_given_number_of_times(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", times=2, kind="server_error")
    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
            await bot.send_message(CHAT, "hola")
    await bot.send_message(CHAT, "hola")
    assert len(tg.sent) == 1


async def test_a_fault_can_target_one_chat(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", kind="blocked", chat_id=CHAT)
    await bot.send_message(CHAT + 1, "para otra persona")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "hola")


async def test_a_blocked_chat_and_a_missing_chat_surface_as_ptb_errors(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.fail_next("sendMessage", kind="blocked")
    with pytest.raises(Forbidden, match=r"(?i)Forbidden: bot was blocked by the user"):
        await bot.send_message(CHAT, "hola")
    tg.fail_next("sendMessage", kind="chat_not_found")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(CHAT, "hola")
    tg.block_chat(CHAT)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "hola")
    tg.unblock_chat(CHAT)
    await bot.send_message(CHAT, "hola")
    assert len(tg.sent) == 1


async def test_a_timeout_delivers_nothing(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", kind="timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "hola", read_timeout=0.1)
    assert tg.sent == []
    assert tg.calls_to("sendMessage")[0].status is None


async def test_a_timeout_after_delivery_leaves_the_message_sent(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", kind="timeout_after_delivery", delay=2)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "hola", read_timeout=0.1)
    assert [r.text for r in tg.sent] == ["hola"]


async def test_held_calls_wait_undelivered_until_released(tg: FakeTelegram, bot: Bot) -> None:
    tg.hold("sendMessage", after=1)
    await bot.send_message(CHAT, "first")  # let through
    second = asyncio.create_task(bot.send_message(CHAT, "second"))
    await tg.wait_until(lambda: len(tg.held) == 1, what="one held call")
    assert [r.text for r in tg.sent] == ["first"]
    assert tg.held[0].status is None

    tg.release()
    assert (await second).text == "second"
    assert [r.text for r in tg.sent] == ["first", "second"]
    assert tg.held == []
    await bot.send_message(CHAT, "third")  # no longer held
    assert len(tg.sent) == 3


async def test_a_held_call_whose_client_goes_away_is_dropped_undelivered(
    tg: FakeTelegram,
) -> None:
    tg.hold("sendMessage")
    async with httpx.AsyncClient() as client:
        call = asyncio.create_task(
            client.post(tg.method_url("sendMessage"), json={"chat_id": CHAT, "text": "hola"})
        )
        await tg.wait_until(lambda: len(tg.held) == 1, what="one held call")
        call.cancel()  # httpx closes the connection
        with pytest.raises(asyncio.CancelledError):
            await call
    await tg.wait_until(lambda: len(tg.dropped("sendMessage")) == 1, what="the call dropped")

    tg.release()
    assert tg.held == []
    assert tg.sent == []
    assert tg.calls_to("sendMessage")[0].status == CLIENT_CLOSED


async def test_unknown_faults_and_methods_are_refused_at_once(tg: FakeTelegram) -> None:
    with pytest.raises(ValueError, match="unknown method"):
        tg.fail_next("sendTelepathy", kind="server_error")
    with pytest.raises(ValueError, match="unknown fault kind"):
        tg.fail_next("sendMessage", kind="gremlins")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown method"):
        tg.hold("sendTelepathy")


# ----------------------------------------------------------------- rate limits


async def test_send_times_show_the_gap_between_messages_to_one_chat(
    tg: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(CHAT, "uno")
    await bot.send_message(CHAT + 1, "otro chat")
    await bot.send_message(CHAT, "dos")
    assert len(tg.send_times(CHAT)) == 2
    gap = tg.min_send_gap(CHAT)
    assert gap is not None and 0 <= gap < 1
    assert tg.min_send_gap(CHAT + 1) is None


async def test_enforced_limits_refuse_a_second_message_to_a_chat_within_a_second() -> None:
    async with (
        FakeTelegram(token=TOKEN, enforce_limits=True) as fake,
        Bot(TOKEN, base_url=fake.base_url) as client,
    ):
        await client.send_message(CHAT, "uno")
        await client.send_message(CHAT + 1, "otro chat")
        with pytest.raises(RetryAfter) as caught:
            await client.send_message(CHAT, "dos")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert len(fake.sent) == 2


async def test_enforced_limits_refuse_more_than_the_global_rate_across_chats() -> None:
    # 30 a second by default, like Telegram; a lower rate keeps the test far from a timing race.
    async with (
        FakeTelegram(token=TOKEN, enforce_limits=True, global_per_second=3) as fake,
        Bot(TOKEN, base_url=fake.base_url) as client,
    ):
        for chat in range(1, 4):
            await client.send_message(chat, "hola")
        with pytest.raises(RetryAfter):
            await client.send_message(4, "hola")
    assert FakeTelegram().global_per_second == 30


async def test_strict_chats_refuse_a_chat_that_never_wrote() -> None:
    async with (
        FakeTelegram(token=TOKEN, strict_chats=True) as fake,
        Bot(TOKEN, base_url=fake.base_url) as client,
    ):
        with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
            await client.send_message(CHAT, "hola")
        fake.user_sends_text(CHAT, "hola")
        await client.send_message(CHAT, "hola")


# ----------------------------------------------------------------- webhook and commands


async def test_an_active_webhook_excludes_get_updates(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://example.org/telegram")
    assert await bot.set_webhook("https://example.org/telegram", secret_token="s3cr3t_-x")
    assert tg.webhook is not None and tg.webhook.secret_token == "s3cr3t_-x"
    assert (await bot.get_webhook_info()).url == "https://example.org/telegram"
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_post_update_to_delivers_an_update_like_telegram_does(tg: FakeTelegram) -> None:
    received: list[tuple[str | None, bytes]] = []

    async def webhook(request: Request) -> Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, await request.body()))
        return Response(status_code=200)

    app = Starlette(routes=[Route("/telegram", webhook, methods=["POST"])])
    update_id = tg.user_sends_text(CHAT, "¿Puedo hablar con alguien? 🙏")
    async with serve_loopback(app) as url:
        response = await tg.post_update_to(f"{url}/telegram", update_id, "s3cr3t")
    assert response.status_code == 200
    ((secret, body),) = received
    assert secret == "s3cr3t"
    assert "🙏".encode() in body
    assert httpx.Response(200, content=body).json() == tg.updates[update_id]


async def test_bot_commands_are_validated_and_kept(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Empezar"), BotCommand("ayuda", "Ayuda")])
    assert tg.commands[("default", "")] == [("start", "Empezar"), ("ayuda", "Ayuda")]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "ayuda"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start-Now", "x")])
