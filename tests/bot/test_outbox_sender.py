"""The outbox sender against the fake Bot API, through the project's Telegram client.

The clock is a FakeClock: a retry "later" happens when the test moves the clock. The
rate limits are lifted unless a test is about them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select, update

from bot.outbox.limits import ChannelLimits, RateLimits
from bot.outbox.sender import OutboxSender
from bot.telegram.client import TelegramClient
from dialogs.screens import Button
from plan_store.enums import Channel, FlagCategory, OutboxStatus, Severity
from plan_store.models import ChatLink, Flag, OutboxMessage
from plan_store.services import consent, linking
from rumbo.container import Container
from tests.bot.outbox_support import (
    a_home_in,
    a_linked_case,
    detached,
    outbox_rows,
    queue_deletion,
    queue_screen,
    sender,
    telegram_client,
    texts_to,
)
from tests.conftest import FakeClock
from tests.fakes import FakeTelegram


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def client(tg: FakeTelegram) -> AsyncIterator[TelegramClient]:
    async with telegram_client(tg, read_timeout=0.3) as built:
        yield built


async def statuses(container: Container) -> list[OutboxStatus]:
    return [row.status for row in await outbox_rows(container.uow)]


# ----------------------------------------------------------------- delivering


async def test_due_rows_are_delivered_with_their_buttons_and_recorded_as_sent(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(
            uow, "501", "📅 Mañana a las 10:00", buttons=((Button("✔️ Voy a ir", "appt:ok:1"),),)
        )
        await queue_screen(uow, "502", "Hola 👋")
        await uow.commit()

    claimed = await sender(container.uow, client).run_once(clock.now)

    assert claimed == 2
    (first,) = tg.sent_to(501)
    assert first.text == "📅 Mañana a las 10:00"
    assert first.buttons == [[("✔️ Voy a ir", "appt:ok:1")]]
    assert texts_to(tg, 502) == ["Hola 👋"]
    rows = await outbox_rows(container.uow)
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert rows[0].external_message_id == str(first.message_id)
    assert rows[0].sent_at == clock.now and rows[0].attempts == 1
    assert await sender(container.uow, client).run_once(clock.now) == 0  # nothing twice


async def test_a_sender_standing_by_still_sends_at_once_what_its_process_committed_alone(
    container: Container, client: TelegramClient, tg: FakeTelegram
) -> None:
    """While another process sends (standing by), a reply committed by its process's
    only unit of work open (one update, not a burst) goes from here at once; one
    committed while others were open (a burst) is left to the sending process."""
    standing = sender(container.uow, client)
    standing.standing_by = True
    unsubscribe = container.uow.wakeups.subscribe(standing.wake, [Channel.TELEGRAM])
    try:
        async with container.uow() as uow:
            await queue_screen(uow, "7301", "lone")
            await uow.commit()
        assert await standing.run_once() == 1

        async with container.uow(), container.uow() as uow:
            await queue_screen(uow, "7302", "beside another")
            await uow.commit()
        async with container.uow() as uow:
            uow.burst = True  # as a transaction of several updates marks itself
            await queue_screen(uow, "7303", "in a burst")
            await uow.commit()
        assert await standing.run_once() == 0
    finally:
        unsubscribe()

    assert texts_to(tg, "7301") == ["lone"]
    assert texts_to(tg, "7302") == texts_to(tg, "7303") == []


@contextlib.asynccontextmanager
async def standing_by_and_claiming_at_commit(
    container: Container, client: TelegramClient
) -> AsyncIterator[OutboxSender]:
    """A running sender standing by (another process sends) that claims at commit,
    as ``rumbo serve`` wires it, polling only once a minute; stopped (its outcomes
    recorded) on the way out."""
    running = sender(container.uow, client, poll_interval=60.0)
    running.standing_by = True
    unsubscribe = container.uow.wakeups.subscribe(
        running.wake, [Channel.TELEGRAM], claim_at_commit=running.claim_at_commit
    )
    stop = asyncio.Event()
    task = asyncio.create_task(running.run_forever(stop))
    try:
        await asyncio.sleep(0.2)  # its first look, which finds nothing
        yield running
    finally:
        stop.set()
        await task
        unsubscribe()


async def test_a_lone_commit_lets_its_process_sender_claim_its_rows_in_that_same_transaction(
    container: Container, client: TelegramClient, tg: FakeTelegram
) -> None:
    """The reply to a lone update needs no claiming transaction of its own: the
    running sender claims it as the update's transaction commits, so by the time its
    call reaches the platform no other transaction has committed, even while another
    process sends (standing by)."""
    commits: list[object] = []
    sqlalchemy_event.listen(container.engine.sync_engine, "commit", commits.append)
    tg.hold("sendMessage")
    async with standing_by_and_claiming_at_commit(container, client):
        async with container.uow() as uow:
            await queue_screen(uow, "7311", "hola")
            await uow.commit()
        committed = len(commits)
        await tg.wait_until(lambda: bool(tg.held), what="the reply's call")
        assert len(commits) == committed
        tg.release()
        await tg.wait_for_sent(1, chat_id=7311)
    assert texts_to(tg, "7311") == ["hola"]
    (row,) = await outbox_rows(container.uow)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)


async def test_a_lone_reply_of_two_screens_goes_out_whole_from_a_sender_standing_by(
    container: Container, client: TelegramClient, tg: FakeTelegram
) -> None:
    """The second screen waits behind the first; once the first is sent, the sender
    that took it at commit takes the second too, rather than leaving it to the
    process that sends (here none: only a poll a minute away)."""
    async with standing_by_and_claiming_at_commit(container, client):
        async with container.uow() as uow:
            await queue_screen(uow, "7321", "primera")
            await queue_screen(uow, "7321", "segunda")
            await uow.commit()
        await tg.wait_for_sent(2, chat_id=7321)
    assert texts_to(tg, "7321") == ["primera", "segunda"]


async def test_rows_not_yet_due_wait_for_their_time(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        row = await queue_screen(uow, "503", "Más tarde")
        row.not_before = clock.now + timedelta(minutes=5)
        await uow.commit()
    outbox = sender(container.uow, client)

    assert await outbox.run_once(clock.now) == 0
    clock.advance(minutes=5)
    assert await outbox.run_once(clock.now) == 1
    assert texts_to(tg, 503) == ["Más tarde"]


async def test_a_chats_rows_go_out_in_id_order_one_at_a_time_and_paced(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        for n in range(4):
            await queue_screen(uow, "504", f"pantalla {n}")
            await queue_screen(uow, "505", f"screen {n}")
        await uow.commit()
    limits = RateLimits().replace(Channel.TELEGRAM, ChannelLimits(None, chat_interval=0.05))
    outbox = sender(container.uow, client, limits=limits)

    rounds = [await outbox.run_once(clock.now) for _ in range(5)]

    assert rounds == [2, 2, 2, 2, 0]  # only a chat's oldest unsent row is ever claimed
    assert texts_to(tg, 504) == [f"pantalla {n}" for n in range(4)]
    assert texts_to(tg, 505) == [f"screen {n}" for n in range(4)]
    for chat in (504, 505):
        gap = tg.min_send_gap(chat)
        assert gap is not None and gap >= 0.05


async def test_the_bot_wide_rate_is_kept(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        for chat in range(20):
            await queue_screen(uow, str(600 + chat), "hola")
        await uow.commit()
    limits = RateLimits().replace(Channel.TELEGRAM, ChannelLimits(per_second=100.0))

    await sender(container.uow, client, limits=limits).run_once(clock.now)

    times = sorted(record.at for record in tg.sent)
    assert len(times) == 20
    assert times[-1] - times[0] >= 19 / 100 * 0.97
    # The even spacing, and the catching up after a late event loop, are in
    # test_outbox_pace.py, on a clock that only the test moves.


async def test_deletions_go_through_the_same_path(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(uow, "506", "uno")
        await queue_screen(uow, "506", "dos")
        await uow.commit()
    outbox = sender(container.uow, client)
    await outbox.run_once(clock.now)
    await outbox.run_once(clock.now)
    sent_ids = [r.external_message_id or "" for r in await outbox_rows(container.uow)]
    async with container.uow() as uow:
        await queue_deletion(uow, "506", sent_ids)
        await uow.commit()

    await outbox.run_once(clock.now)

    assert tg.messages_for(506) == []
    assert (await outbox_rows(container.uow))[-1].status is OutboxStatus.SENT


# ----------------------------------------------------------------- the platform says no


async def test_a_429_pushes_the_row_by_retry_after_and_it_goes_once(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(uow, "701", "primero")
        await queue_screen(uow, "701", "segundo")
        await uow.commit()
    tg.fail_next("sendMessage", kind="retry_after", retry_after=7, chat_id=701)
    outbox = sender(container.uow, client)

    await outbox.run_once(clock.now)
    (row, _) = await outbox_rows(container.uow)
    assert row.status is OutboxStatus.PENDING
    assert row.not_before == clock.now + timedelta(seconds=7)
    assert "flood control" in (row.last_error or "").lower()
    assert await outbox.run_once(clock.now + timedelta(seconds=6)) == 0  # "segundo" waits too

    clock.advance(seconds=7)
    await outbox.run_once(clock.now)
    await outbox.run_once(clock.now)

    assert texts_to(tg, 701) == ["primero", "segundo"]
    assert await statuses(container) == [OutboxStatus.SENT, OutboxStatus.SENT]


async def test_server_errors_back_off_exponentially_and_lose_nothing(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(uow, "702", "hola")
        await uow.commit()
    tg.fail_next("sendMessage", times=3, kind="server_error")
    outbox = sender(container.uow, client, backoff_base=5.0)

    waits = []
    for _ in range(3):
        await outbox.run_once(clock.now)
        (row,) = await outbox_rows(container.uow)
        waits.append((row.not_before - clock.now).total_seconds())
        clock.now = row.not_before
    await outbox.run_once(clock.now)

    assert waits == [5.0, 10.0, 20.0]
    assert texts_to(tg, 702) == ["hola"]
    assert len(tg.calls_to("sendMessage")) == 4
    assert await statuses(container) == [OutboxStatus.SENT]


async def test_a_time_out_is_retried_and_the_message_arrives_once(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(uow, "703", "hola")
        await uow.commit()
    tg.fail_next("sendMessage", kind="timeout", delay=1.0)  # held past the 0.3 s read timeout
    outbox = sender(container.uow, client)

    await outbox.run_once(clock.now)
    assert texts_to(tg, 703) == []
    clock.advance(seconds=5)
    await outbox.run_once(clock.now)

    assert texts_to(tg, 703) == ["hola"]
    assert await statuses(container) == [OutboxStatus.SENT]


async def test_after_the_last_attempt_the_row_fails_and_staff_get_a_flag(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        linked = await a_linked_case(uow, home, "704")
        await queue_screen(uow, "704", "hola", adolescent_id=linked.case.id)
        await uow.commit()
    tg.fail_next("sendMessage", times=10, kind="server_error")
    outbox = sender(container.uow, client, max_attempts=3)

    for _ in range(4):
        await outbox.run_once(clock.now)
        clock.advance(hours=1)

    (row,) = await outbox_rows(container.uow)
    assert row.status is OutboxStatus.FAILED and row.attempts == 3
    assert len(tg.calls_to("sendMessage")) == 3
    (flag,) = await detached(container.uow, select(Flag))
    assert flag.category is FlagCategory.DELIVERY_FAILED
    assert flag.adolescent_id == linked.case.id and flag.severity is Severity.HIGH


async def test_a_refused_message_fails_at_once_without_retrying(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        linked = await a_linked_case(uow, home, "705")
        await queue_screen(uow, "705", "x" * 5000, adolescent_id=linked.case.id)
        await queue_screen(uow, "705", " ", adolescent_id=linked.case.id)  # empty: refused
        await queue_screen(uow, "705", "después", adolescent_id=linked.case.id)
        await uow.commit()
    outbox = sender(container.uow, client)

    for _ in range(4):
        await outbox.run_once(clock.now)

    assert [row.status for row in await outbox_rows(container.uow)] == [
        OutboxStatus.SENT,  # split in two messages by the client
        OutboxStatus.FAILED,
        OutboxStatus.SENT,
    ]
    assert texts_to(tg, 705)[-1] == "después"
    categories = [f.category for f in await detached(container.uow, select(Flag))]
    assert categories == [FlagCategory.DELIVERY_FAILED]


@pytest.mark.parametrize("how", ["blocked", "chat_not_found"])
async def test_a_gone_chat_is_unlinked_flagged_and_its_queue_cancelled(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock, how: str
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        linked = await a_linked_case(uow, home, "706")
        for text in ("uno", "dos", "tres"):
            await queue_screen(uow, "706", text, adolescent_id=linked.case.id)
        await queue_screen(uow, "707", "otro chat")
        await uow.commit()
    if how == "blocked":
        tg.block_chat(706)
    else:
        tg.fail_next("sendMessage", kind="chat_not_found", chat_id=706)
    outbox = sender(container.uow, client)

    await outbox.run_once(clock.now)
    await outbox.run_once(clock.now)

    assert await statuses(container) == [
        OutboxStatus.FAILED,
        OutboxStatus.CANCELLED,
        OutboxStatus.CANCELLED,
        OutboxStatus.SENT,
    ]
    assert len(tg.calls_to("sendMessage")) == 2
    (link,) = await detached(container.uow, select(ChatLink))
    (flag,) = await detached(container.uow, select(Flag))
    assert not link.active and link.unlink_reason == "chat_gone"
    assert flag.category is FlagCategory.CHAT_GONE and flag.adolescent_id == linked.case.id


# ----------------------------------------------------------------- what must not go


async def test_rows_for_a_case_go_only_to_a_chat_still_linked_to_it(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "708", alias="Lu")
        await queue_screen(uow, "708", "Tu cita con la psicóloga", adolescent_id=lu.case.id)
        # The phone changes hands: the chat is linked to another case before delivery.
        other = await a_linked_case(uow, home, "709", alias="Beto", linked=False)
        code = await linking.issue_code(uow, other.operator, other.case.id)
        await linking.redeem_code(uow, Channel.TELEGRAM, "708", code)
        await uow.commit()

    await sender(container.uow, client).run_once(clock.now)

    assert tg.sent == []
    (row,) = await outbox_rows(container.uow)
    assert row.status is OutboxStatus.CANCELLED
    assert row.last_error == "the chat is no longer linked to the case"


async def test_withdrawal_and_expiry_cancel_what_is_waiting(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "710")
        await queue_screen(uow, "710", "recordatorio", adolescent_id=lu.case.id)
        late = await queue_screen(uow, "711", "ya no sirve")
        late.expires_at = clock.now - timedelta(minutes=1)
        await consent.withdraw(uow, lu.case, channel=Channel.TELEGRAM)
        await uow.commit()

    await sender(container.uow, client).run_once(clock.now)

    assert tg.sent == []
    assert await statuses(container) == [OutboxStatus.CANCELLED, OutboxStatus.CANCELLED]


# ----------------------------------------------------------------- quiet hours


async def test_quiet_hours_hold_what_can_wait_and_let_replies_through(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)  # 22:30 in Mexico City
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "801")
        await queue_screen(uow, "801", "recordatorio", adolescent_id=lu.case.id, urgent=False)
        await queue_screen(uow, "801", "respuesta", adolescent_id=lu.case.id, urgent=True)
        await uow.commit()
    outbox = sender(container.uow, client)

    await outbox.run_once(clock.now)
    await outbox.run_once(clock.now)

    assert texts_to(tg, 801) == ["respuesta"]
    reminder = (await outbox_rows(container.uow))[0]
    assert reminder.status is OutboxStatus.PENDING and reminder.attempts == 0
    assert reminder.not_before == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 08:00 local

    clock.now = datetime(2026, 3, 3, 13, 59, tzinfo=UTC)
    assert await outbox.run_once(clock.now) == 0
    clock.now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    await outbox.run_once(clock.now)
    assert texts_to(tg, 801) == ["respuesta", "recordatorio"]


async def test_the_night_ends_at_local_eight_on_the_night_the_clocks_change(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    # New York springs forward on Sunday 8 March 2026 at 02:00.
    clock.now = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)  # Saturday 22:00 EST
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/New_York", quiet_start=time(22), quiet_end=time(7))
        lu = await a_linked_case(uow, home, "802")
        await queue_screen(uow, "802", "buenos días", adolescent_id=lu.case.id, urgent=False)
        await uow.commit()

    await sender(container.uow, client).run_once(clock.now)

    (row,) = await outbox_rows(container.uow)
    assert row.not_before == datetime(2026, 3, 8, 11, 0, tzinfo=UTC)  # 07:00 EDT, not EST


async def test_rows_without_a_case_are_never_held(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    async with container.uow() as uow:
        await queue_screen(uow, "803", "¿En qué idioma quieres hablar?", urgent=False)
        await uow.commit()
    await sender(container.uow, client).run_once(clock.now)
    assert texts_to(tg, 803) == ["¿En qué idioma quieres hablar?"]


# ----------------------------------------------------------------- crashes and leases


async def test_rows_left_sending_by_a_dead_sender_go_out_once_after_the_lease(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        for chat in ("901", "902"):
            await queue_screen(uow, chat, f"para {chat}")
        await uow.commit()
        # What a sender that claimed the rows and died before calling leaves behind:
        await uow.session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.SENDING,
                lease_until=clock.now + timedelta(seconds=120),
                claim_token="dead",
                attempts=1,
            )
        )
        await uow.commit()
    outbox = sender(container.uow, client)

    assert await outbox.run_once(clock.now + timedelta(seconds=119)) == 0
    assert await outbox.run_once(clock.now + timedelta(seconds=120)) == 2

    assert texts_to(tg, 901) == ["para 901"] and texts_to(tg, 902) == ["para 902"]
    rows = await outbox_rows(container.uow)
    assert [(r.status, r.attempts) for r in rows] == [(OutboxStatus.SENT, 2)] * 2


async def test_a_sender_whose_lease_lapsed_cannot_overwrite_the_newer_claim(
    container: Container,
    tg: FakeTelegram,
    client: TelegramClient,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The documented window: a call that outlives its lease may be sent twice; the
    stale sender then cannot record over the claim that replaced its own."""
    async with container.uow() as uow:
        await queue_screen(uow, "903", "hola")
        await uow.commit()
    tg.fail_next("sendMessage", kind="timeout_after_delivery", delay=0.5, chat_id=903)
    async with telegram_client(tg, read_timeout=2.0) as slow_client:
        stalled = asyncio.create_task(sender(container.uow, slow_client).run_once(clock.now))
        await tg.wait_for_calls("sendMessage", 1)
        clock.advance(seconds=121)  # the first claim's lease lapses meanwhile
        await sender(container.uow, client).run_once(clock.now)
        with caplog.at_level(logging.WARNING, logger="bot.outbox.sender"):
            await stalled

    _duplicate, second = tg.sent_to(903)
    (row,) = await outbox_rows(container.uow)
    assert row.status is OutboxStatus.SENT
    assert row.external_message_id == str(second.message_id)  # the newer claim's record
    assert "may get it twice" in caplog.text


async def test_a_sender_cancelled_mid_batch_and_restarted_sends_each_message_once(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    chats = [str(1000 + n) for n in range(30)]
    async with container.uow() as uow:
        for chat in chats:
            await queue_screen(uow, chat, f"para {chat}")
        await uow.commit()
    # One call is held by the platform after delivering, as a slow answer would be.
    tg.fail_next("sendMessage", kind="timeout_after_delivery", delay=0.2, chat_id=1003)
    limits = RateLimits().replace(Channel.TELEGRAM, ChannelLimits(per_second=100.0))
    first = sender(container.uow, client, limits=limits)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run_forever(stop))
    await tg.wait_for_calls("sendMessage", 10)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    delivered_before_restart = len(tg.sent)
    assert 10 <= delivered_before_restart < 30
    rows = await outbox_rows(container.uow)
    assert all(r.status in (OutboxStatus.SENT, OutboxStatus.PENDING) for r in rows)
    assert sum(r.status is OutboxStatus.SENT for r in rows) == delivered_before_restart

    restarted = sender(container.uow, client, limits=limits)
    while await restarted.run_once(clock.now):
        pass

    for chat in chats:
        assert texts_to(tg, chat) == [f"para {chat}"]
    assert await statuses(container) == [OutboxStatus.SENT] * 30


async def test_run_forever_delivers_as_rows_arrive_and_stops_when_told(
    container: Container, tg: FakeTelegram, client: TelegramClient
) -> None:
    outbox = sender(container.uow, client, poll_interval=0.02)
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run_forever(stop))
    async with container.uow() as uow:
        for n in range(3):
            await queue_screen(uow, "1100", f"mensaje {n}")
        await uow.commit()
    outbox.wake()

    await tg.wait_for_sent(3, chat_id=1100)
    stop.set()
    await asyncio.wait_for(task, timeout=2)

    assert texts_to(tg, 1100) == ["mensaje 0", "mensaje 1", "mensaje 2"]


async def test_a_row_that_keeps_killing_its_sender_is_given_up(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(uow, "1200", "hola")
        await uow.commit()
        await uow.session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.SENDING, lease_until=clock.now, attempts=3
            )
        )
        await uow.commit()

    await sender(container.uow, client, max_attempts=3).run_once(clock.now)

    assert tg.sent == []
    (row,) = await outbox_rows(container.uow)
    assert row.status is OutboxStatus.FAILED


async def test_a_new_sender_instance_needs_no_memory_of_the_old_one(
    container: Container, tg: FakeTelegram, client: TelegramClient, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await queue_screen(uow, "1300", "hola")
        await uow.commit()
    await OutboxSender(container.uow, {}).run_once(clock.now)  # no client: leaves it alone
    assert await statuses(container) == [OutboxStatus.PENDING]
    await sender(container.uow, client).run_once(clock.now)
    assert texts_to(tg, 1300) == ["hola"]
