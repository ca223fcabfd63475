"""Telegram inbound: an update is acknowledged only after it is stored with its effects.

Polling acknowledges by asking for the next offset; the webhook by answering 200.
Updates here are stickers: the transport answers them itself ("I can only read
text, buttons and voice notes"), so these tests need no particular dialog.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from starlette.applications import Starlette
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError

from bot.inbound import Handler
from bot.telegram import TelegramPoller, TelegramWebhook, build_bot
from bot.telegram.polling import Sleep
from plan_store.enums import Channel
from plan_store.models import ProcessedUpdate
from rumbo import parts
from rumbo.container import Container
from rumbo.parts import telegram_config
from rumbo.settings import Settings, SettingsError
from tests.e2e.support import (
    STICKER,
    eventually,
    outbox_rows,
    processed_count,
    running_poller,
    telegram_settings,
)
from tests.fakes import FakeTelegram, serve_loopback

CHAT = 3131
SECRET = "s3cr3t-Webhook_token"
WEBHOOK_URL = "https://rumbo.example.org/telegram/webhook"


def sticker(chat: int = CHAT, chat_type: str = "private") -> dict[str, Any]:
    return {
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": chat_type, "first_name": "Lu", "title": "t"},
            "from": {"id": abs(chat), "is_bot": False, "first_name": "Lu"},
            "sticker": STICKER,
        }
    }


async def break_the_database(container: Container) -> None:
    """The next commit of an update fails: its table is gone."""
    async with container.engine.begin() as connection:
        await connection.execute(text("DROP TABLE processed_updates"))


async def mend_the_database(container: Container) -> None:
    async with container.engine.begin() as connection:
        await connection.run_sync(ProcessedUpdate.__table__.create)  # type: ignore[attr-defined]


async def updates_and_replies(container: Container) -> tuple[int, int]:
    """How many Telegram updates were stored, and how many replies were queued."""
    stored = await processed_count(container.uow, Channel.TELEGRAM)
    return stored, len(await outbox_rows(container.uow, Channel.TELEGRAM))


async def polled_until(
    container: Container, tg: FakeTelegram, handler: Handler, *, handled: int, within: float
) -> TelegramPoller:
    """Polls with ``handler`` in place of the dialogs until ``handled`` updates are."""
    async with build_bot(telegram_config(telegram_settings(container.settings, tg))) as bot:
        poller = TelegramPoller(bot, container.uow, poll_seconds=1, handler=handler)
        task = asyncio.create_task(poller.run())
        try:
            await eventually(lambda: poller.handled == handled, within=within)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return poller


def polling(
    container: Container, tg: FakeTelegram, sleep: Sleep = asyncio.sleep
) -> contextlib.AbstractAsyncContextManager[TelegramPoller]:
    """The polling loop on a short long-poll, retrying a failed store almost at once."""
    return running_poller(
        telegram_settings(container.settings, tg),
        container,
        poll_seconds=1,
        longest_backoff=0.05,
        sleep=sleep,
    )


# ----------------------------------------------------------------- polling


async def test_polling_confirms_an_update_only_after_it_is_stored(
    tg: FakeTelegram, container: Container
) -> None:
    mend, mended = asyncio.Event(), asyncio.Event()

    async def wait_then_mend(seconds: float) -> None:
        """The poller's wait between tries. The database is mended there once asked,
        so that no try is caught half before and half after (its apology included)."""
        await asyncio.sleep(seconds)
        if mend.is_set() and not mended.is_set():
            await mend_the_database(container)
            mended.set()

    await break_the_database(container)
    update_id = tg.enqueue(sticker())
    async with polling(container, tg, sleep=wait_then_mend) as poller:
        await tg.wait_for_calls("getUpdates", 1)
        await asyncio.sleep(0.3)  # the poller keeps trying to store it
        assert poller.offset is None
        assert len(tg.calls_to("getUpdates")) == 1  # it did not ask for more meanwhile
        assert tg.pending_update_count == 1

        mend.set()
        await eventually(lambda: poller.offset == update_id + 1)
        assert await processed_count(container.uow, Channel.TELEGRAM) == 1
        # The next getUpdates carries the higher offset: now Telegram forgets it.
        await eventually(lambda: tg.pending_update_count == 0)
    (row,) = await outbox_rows(container.uow, Channel.TELEGRAM)
    assert "Solo puedo leer texto" in row["text"]


async def test_a_poller_killed_before_it_could_store_an_update_leaves_it_to_the_next(
    tg: FakeTelegram, container: Container
) -> None:
    await break_the_database(container)
    update_id = tg.enqueue(sticker())
    async with polling(container, tg):
        await tg.wait_for_calls("getUpdates", 1)
        await asyncio.sleep(0.1)  # trying to store it, and failing
    await mend_the_database(container)
    assert tg.pending_update_count == 1  # never confirmed

    async with polling(container, tg) as poller:
        await eventually(lambda: poller.offset == update_id + 1)
        await eventually(lambda: tg.pending_update_count == 0)
    assert await updates_and_replies(container) == (1, 1)  # applied once


async def test_polling_applies_a_redelivered_update_once(
    tg: FakeTelegram, container: Container
) -> None:
    update_id = tg.enqueue(sticker())
    async with polling(container, tg) as poller:
        await eventually(lambda: poller.offset == update_id + 1)
        tg.redeliver(update_id)
        await eventually(lambda: poller.handled == 2)
    assert await updates_and_replies(container) == (1, 1)  # applied once


async def test_polling_removes_a_webhook_left_from_before_and_ignores_groups(
    tg: FakeTelegram, container: Container
) -> None:
    async with build_bot(telegram_config(telegram_settings(container.settings, tg))) as bot:
        await bot.set_webhook(WEBHOOK_URL, secret_token=SECRET)
    group_update = tg.enqueue(sticker(chat=-100, chat_type="group"))
    async with polling(container, tg) as poller:
        await eventually(lambda: poller.offset == group_update + 1)
    assert tg.webhook is None
    assert await processed_count(container.uow, Channel.TELEGRAM) == 0
    assert tg.sent == []


async def test_a_poller_stopped_while_it_starts_closes_its_connections(
    tg: FakeTelegram, container: Container
) -> None:
    tg.fail_next("deleteWebhook", times=100, kind="server_error")
    async with polling(container, tg) as poller:
        await tg.wait_for_calls("deleteWebhook", 2)  # still starting: it waits and tries again
    # Stopped before its first getUpdates, the bot is shut down all the same: its
    # connections are closed (none is left to the garbage collector), and it sends no more.
    assert tg.calls_to("getUpdates") == []
    with pytest.raises(NetworkError, match="not initialized"):
        await poller.bot.get_me()


# ----------------------------------------------------------------- webhook


@contextlib.asynccontextmanager
async def webhook_server(
    container: Container, tg: FakeTelegram, handler: Handler | None = None
) -> AsyncIterator[str]:
    settings = telegram_settings(container.settings, tg)
    async with build_bot(telegram_config(settings)) as bot:
        webhook = TelegramWebhook(
            bot, container.uow, url=WEBHOOK_URL, secret=SECRET, handler=handler
        )
        async with serve_loopback(Starlette(routes=webhook.routes)) as base:
            yield f"{base}{webhook.path}"


@pytest.mark.parametrize(
    "given",
    [None, b"", b"wrong", SECRET[:-1].encode(), SECRET.encode() + b"x", "ñ".encode()],
    ids=["missing", "empty", "wrong", "shorter", "longer", "not-ascii"],
)
async def test_a_webhook_call_without_the_right_secret_is_refused_and_nothing_stored(
    tg: FakeTelegram, container: Container, given: bytes | None
) -> None:
    update_id = tg.enqueue(sticker())
    headers = {"Content-Type": "application/json"}
    async with webhook_server(container, tg) as url, httpx.AsyncClient() as client:
        if given is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = given  # type: ignore[assignment]
        body = json.dumps(tg.updates[update_id]).encode()
        assert (await client.post(url, content=body, headers=headers)).status_code == 403
        garbage = await client.post(url, content=b"not json", headers=headers)
        assert garbage.status_code == 403
    assert await updates_and_replies(container) == (0, 0)


async def test_a_webhook_update_is_stored_before_200_and_applied_once(
    tg: FakeTelegram, container: Container
) -> None:
    update_id = tg.enqueue(sticker())
    async with webhook_server(container, tg) as url:
        first = await tg.post_update_to(url, update_id, SECRET)
        assert first.status_code == 200
        assert await processed_count(container.uow, Channel.TELEGRAM) == 1
        again = await tg.post_update_to(url, update_id, SECRET)
        assert again.status_code == 200
    assert await updates_and_replies(container) == (1, 1)  # applied once


async def test_webhook_posts_in_flight_at_once_share_transactions_and_each_waits_for_its_own(
    tg: FakeTelegram, container: Container
) -> None:
    """Thirty chats post two updates each, the chats at once and each chat's one after
    the other (as Telegram does): every post is answered 200 once its update is
    stored, in far fewer transactions than updates, each chat's replies in its order,
    and the one update the dialogs fail on is stored and answered with an apology."""
    from sqlalchemy import event

    from dialogs.events import Event
    from dialogs.notices import apology
    from dialogs.screens import Reply, Screen
    from plan_store.unit_of_work import UnitOfWork

    async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        if event.data == "7-b":
            raise RuntimeError("a bug in one turn")
        return Reply(screens=[Screen(event.data)])

    chats = range(1, 31)
    posted = {chat: [tg.user_sends_text(chat, f"{chat}-{x}") for x in "ab"] for chat in chats}
    commits = 0

    def count(_connection: object) -> None:
        nonlocal commits
        commits += 1

    async def one_chat(url: str, update_ids: list[int]) -> list[int]:
        return [(await tg.post_update_to(url, u, SECRET)).status_code for u in update_ids]

    event.listen(container.engine.sync_engine, "commit", count)
    try:
        async with webhook_server(container, tg, handler) as url:
            answers = await asyncio.gather(*(one_chat(url, ids) for ids in posted.values()))
    finally:
        event.remove(container.engine.sync_engine, "commit", count)

    assert answers == [[200, 200]] * 30
    assert commits < 45  # a transaction per update would be 60
    rows = await outbox_rows(container.uow, Channel.TELEGRAM)
    by_chat = {chat: [r["text"] for r in rows if r["chat"] == str(chat)] for chat in chats}
    sorry = apology().text
    assert by_chat == {chat: [f"{chat}-a", sorry if chat == 7 else f"{chat}-b"] for chat in chats}
    assert await processed_count(container.uow, Channel.TELEGRAM) == 60


async def test_a_webhook_update_that_was_not_committed_answers_500_so_telegram_resends(
    tg: FakeTelegram, container: Container
) -> None:
    update_id = tg.enqueue(sticker())
    async with webhook_server(container, tg) as url:
        await break_the_database(container)
        failed = await tg.post_update_to(url, update_id, SECRET)
        assert failed.status_code == 500
        await mend_the_database(container)
        assert await updates_and_replies(container) == (0, 0)

        resent = await tg.post_update_to(url, update_id, SECRET)
        assert resent.status_code == 200
    assert await updates_and_replies(container) == (1, 1)  # applied once


async def test_a_webhook_ignores_groups_and_refuses_what_is_not_an_update(
    tg: FakeTelegram, container: Container
) -> None:
    group_update = tg.enqueue(sticker(chat=-100, chat_type="group"))
    async with webhook_server(container, tg) as url:
        assert (await tg.post_update_to(url, group_update, SECRET)).status_code == 200
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with httpx.AsyncClient() as client:
            for body in (b"not json", b"[1, 2]", b'{"message": {}}'):
                response = await client.post(url, content=body, headers=headers)
                assert response.status_code == 400, body
            huge = await client.post(url, content=b" " * (1024 * 1024 + 1), headers=headers)
            assert huge.status_code == 413
    assert await processed_count(container.uow, Channel.TELEGRAM) == 0


async def test_the_webhook_is_registered_with_its_secret_at_start(
    tg: FakeTelegram, container: Container
) -> None:
    bot = build_bot(telegram_config(telegram_settings(container.settings, tg)))
    webhook = TelegramWebhook(bot, container.uow, url=WEBHOOK_URL, secret=SECRET)
    task = asyncio.create_task(webhook.run())
    await eventually(lambda: tg.webhook is not None)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert tg.webhook is not None
    assert (tg.webhook.url, tg.webhook.secret_token) == (WEBHOOK_URL, SECRET)
    assert tg.webhook.allowed_updates == ["message", "edited_message", "callback_query"]


# ----------------------------------------------------------------- the part


async def test_the_telegram_part_polls_by_default_and_serves_the_webhook_when_set(
    tg: FakeTelegram, container: Container, settings: Settings
) -> None:
    off = parts.telegram(container)
    assert (off.routes, off.tasks) == ([], []) and "off" in off.note

    container.settings = telegram_settings(settings, tg)
    polling_part = parts.telegram(container)
    assert polling_part.routes == [] and len(polling_part.tasks) == 1

    container.settings = telegram_settings(settings, tg, webhook_url=WEBHOOK_URL)
    with pytest.raises(SettingsError, match="RUMBO_TELEGRAM_WEBHOOK_SECRET"):
        parts.telegram(container)

    container.settings = telegram_settings(
        settings,
        tg,
        webhook_url=WEBHOOK_URL,
        webhook_secret=SecretStr(SECRET),
    )
    webhook_part = parts.telegram(container)
    assert [getattr(route, "path", None) for route in webhook_part.routes] == ["/telegram/webhook"]
    client = parts.telegram_client(container)
    assert client is not None and client.channel is Channel.TELEGRAM
    await client.aclose()


async def test_a_tap_through_the_webhook_is_answered_only_once_it_is_stored(
    tg: FakeTelegram, container: Container
) -> None:
    async with build_bot(telegram_config(telegram_settings(container.settings, tg))) as bot:
        await bot.send_message(
            CHAT,
            "¿En qué idioma quieres hablar?",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Español", callback_data="lang:es")]]
            ),
        )
    update_id = tg.user_taps(CHAT, "lang:es")
    async with webhook_server(container, tg) as url:
        await break_the_database(container)
        assert (await tg.post_update_to(url, update_id, SECRET)).status_code == 500
        assert len(tg.unanswered_callbacks()) == 1  # the button keeps spinning: not stored
        await mend_the_database(container)
        assert (await tg.post_update_to(url, update_id, SECRET)).status_code == 200
    assert tg.unanswered_callbacks() == []
    assert await processed_count(container.uow, Channel.TELEGRAM) == 1
    (reply,) = await outbox_rows(container.uow, Channel.TELEGRAM)
    assert reply["chat"] == str(CHAT) and reply["buttons"]  # the dialogs answered the tap


@pytest.mark.parametrize("db_backend", ["postgresql"])
async def test_polling_answers_other_chats_while_one_waits_and_keeps_each_chat_in_order(
    tg: FakeTelegram, container: Container
) -> None:
    """One batch, two chats: the second chat's update is applied while the first
    chat's first update is still in its transaction, and the first chat's second
    update only after its first. (On SQLite, with one writer, the transactions take
    turns; the order within a chat holds there the same way.)"""
    from dialogs.events import Event
    from dialogs.screens import Reply, Screen
    from plan_store.unit_of_work import UnitOfWork

    applied: list[str] = []
    other_chat_done = asyncio.Event()

    async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        if event.data == "a1":
            await asyncio.wait_for(other_chat_done.wait(), timeout=10)
        applied.append(event.data)
        if event.data == "b1":
            other_chat_done.set()
        return Reply(screens=[Screen(event.data)])

    last = [tg.user_sends_text(chat, text) for chat, text in ((41, "a1"), (41, "a2"), (42, "b1"))]
    poller = await polled_until(container, tg, handler, handled=3, within=20)

    assert applied == ["b1", "a1", "a2"]
    assert poller.offset == max(last) + 1
    # Each chat's replies queued in its own order. Across chats the rows are queued as
    # the transactions commit: b1's and a1's may take either order.
    rows = await outbox_rows(container.uow, Channel.TELEGRAM)
    by_chat = {chat: [r["text"] for r in rows if r["chat"] == chat] for chat in ("41", "42")}
    assert by_chat == {"41": ["a1", "a2"], "42": ["b1"]}


async def test_a_burst_shares_transactions_and_one_failing_update_costs_the_others_nothing(
    tg: FakeTelegram, container: Container
) -> None:
    """Forty chats write twice in one batch: the updates are stored in far fewer
    transactions than updates, every chat is answered in its order, and the one update
    the dialogs fail on is still stored and answered with an apology, once."""
    from sqlalchemy import event

    from dialogs.events import Event
    from dialogs.notices import apology
    from dialogs.screens import Reply, Screen
    from plan_store.unit_of_work import UnitOfWork

    async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        if event.data == "7-b":
            raise RuntimeError("a bug in one turn")
        return Reply(screens=[Screen(event.data)])

    chats = range(1, 41)
    for text_of in ("{}-a", "{}-b"):
        for chat in chats:
            tg.user_sends_text(chat, text_of.format(chat))
    commits = 0

    def count(_connection: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(container.engine.sync_engine, "commit", count)
    try:
        await polled_until(container, tg, handler, handled=80, within=30)
    finally:
        event.remove(container.engine.sync_engine, "commit", count)

    assert commits < 30  # 80 updates from 40 chats: a transaction per chat would be 40
    rows = await outbox_rows(container.uow, Channel.TELEGRAM)
    by_chat = {chat: [r["text"] for r in rows if r["chat"] == str(chat)] for chat in chats}
    sorry = apology().text
    assert by_chat == {chat: [f"{chat}-a", sorry if chat == 7 else f"{chat}-b"] for chat in chats}
    assert await processed_count(container.uow, Channel.TELEGRAM) == 80


async def test_a_staff_member_who_links_her_chat_within_a_burst_is_answered_as_staff_from_then_on(
    tg: FakeTelegram, container: Container
) -> None:
    """A burst's staff chats are looked up once for all its updates; a chat linked by
    a staff code in the burst leaves the dialogs at that very update, and a chat whose
    code does not work stays in them."""
    from dialogs.events import Event
    from dialogs.screens import Reply, Screen
    from plan_store.services import staff_chats
    from plan_store.unit_of_work import UnitOfWork
    from tests.plan_store.builders import a_team

    async def dialogs(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        return Reply(screens=[Screen(f"dialogs: {event.data}")])

    async with container.uow() as uow:
        team = await a_team(uow)
        code = await staff_chats.issue_code(uow, team.operator)
        await uow.commit()
    tg.user_sends_text(51, "antes")
    tg.user_sends_text(51, f"/start staff-{code}")
    tg.user_sends_text(51, "hola")
    tg.user_sends_text(52, "/start staff-ZZZZ2222")
    tg.user_sends_text(52, "hola")
    for chat in range(60, 70):
        tg.user_sends_text(chat, "otra")

    await polled_until(container, tg, dialogs, handled=15, within=20)

    rows = await outbox_rows(container.uow, Channel.TELEGRAM)
    texts = {chat: [r["text"] for r in rows if r["chat"] == chat] for chat in ("51", "52")}
    assert texts["51"][0] == "dialogs: antes"
    assert texts["51"][1].startswith("Listo,")
    assert texts["51"][2].startswith("Este chat recibe las alertas")
    assert texts["52"][0].startswith("Ese código no sirve")
    assert texts["52"][1] == "dialogs: hola"
