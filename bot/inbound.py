"""One inbound update, from any channel, applied exactly once.

In one transaction: the update id is recorded (a second delivery stops here), the
dialogs decide and change state, and the replies are written to the outbox. Only
after the commit may the transport acknowledge the update to the platform; the
outbox sender delivers the replies afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot import metrics, staff_chat
from dialogs import conversation, recovery
from dialogs.events import Event
from dialogs.notices import apology
from dialogs.screens import Reply
from plan_store.database import transient
from plan_store.enums import Channel
from plan_store.services import outbox, updates
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

TRANSIENT_ATTEMPTS = 3
"""Times one update's transaction is tried when the database refuses it for a passing
reason, before the transport is left to retry it later."""

Handler = Callable[[UnitOfWork, Channel, str, Event], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: Channel
    update_id: str
    chat_id: str
    event: Event


async def receive(
    uow_factory: UnitOfWorkFactory, inbound: Inbound, handler: Handler | None = None
) -> Reply | None:
    """Apply ``inbound`` once; None when it was applied before.

    If the dialogs fail unexpectedly, nothing they did is kept, and the update is
    applied again in a turn of ``dialogs.recovery``: what the adolescent sent is still
    kept and read for risk, and she is answered. Should that fail too, the update is
    recorded with only an apology: never silence, and never a retry without end. A
    staff member's own chat (``bot.staff_chat``) never reaches the dialogs, whatever
    the handler.
    """
    channel = inbound.channel.value
    for attempt in (handler, recovery.recover):
        try:
            [reply] = await _apply(uow_factory, [(inbound, attempt)], failed=attempt is not handler)
            return reply
        except Exception as error:
            if transient(error):
                # Tried again and again turned away by the database: nothing was kept
                # and the transport does not acknowledge the update, so it comes again.
                raise
            if attempt is handler:
                log.exception("the dialogs failed on a %s update; keeping what it sent", channel)
            else:
                log.exception("keeping what a %s update sent failed too; apologizing", channel)
    async with uow_factory.write_turn(), uow_factory() as uow:
        if not await updates.first_seen(uow, inbound.channel, inbound.update_id):
            metrics.INBOUND.labels(channel, "duplicate").inc()
            return None
        reply = Reply(screens=[apology()])
        await write_reply(uow, inbound, reply)
        await uow.commit()
        metrics.INBOUND.labels(channel, "failed").inc()
        return reply


async def receive_together(
    uow_factory: UnitOfWorkFactory, items: Sequence[tuple[Inbound, Handler | None]]
) -> list[Reply | None]:
    """Apply several updates, in order, in one transaction; each reply as ``receive``
    gives it.

    A burst pays one commit (and, on SQLite, one turn at the write lock) for the
    updates that arrived together instead of one each. If any of them fails, none is
    kept, and each is applied again on its own with ``receive``: a failure costs the
    others nothing but time, and the one that failed is still recorded and answered
    with an apology. Callers keep a chat's updates in one call, in order."""
    if len(items) > 1:
        try:
            return await _apply(uow_factory, items)
        except Exception as error:
            log.info(
                "%d updates applied one by one after a failure together: %s",
                len(items),
                type(error).__name__,
            )
    return [await receive(uow_factory, inbound, handler) for inbound, handler in items]


class SharedCommits:
    """Updates that arrive side by side (webhook requests in flight at once), applied
    in shared transactions as a polled burst is (``receive_together``).

    While one transaction runs, the updates that arrive wait, and go together in the
    next one, up to ``most``, in the order they came (so a chat's stay in order). Each
    caller gets its own update's reply once its transaction has committed: a webhook
    still answers 200 only for what is stored. A lone update goes at once. Should the
    shared transaction fail for a reason the database gives (``transient``), every
    caller of it hears so, and the platform sends those updates again: the ones that
    were stored meanwhile are then no-ops."""

    def __init__(self, uow_factory: UnitOfWorkFactory, *, most: int = 16) -> None:
        self._uow_factory = uow_factory
        self._most = most
        self._waiting: list[tuple[Inbound, Handler | None, asyncio.Future[Reply | None]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def receive(self, inbound: Inbound, handler: Handler | None = None) -> Reply | None:
        """``receive``, in a transaction shared with the updates arriving meanwhile."""
        future: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((inbound, handler, future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self._most]
                del self._waiting[: self._most]
                await self._apply(group)
        finally:
            self._draining = None

    async def _apply(
        self, group: Sequence[tuple[Inbound, Handler | None, asyncio.Future[Reply | None]]]
    ) -> None:
        try:
            replies = await receive_together(
                self._uow_factory, [(inbound, handler) for inbound, handler, _ in group]
            )
        except Exception as error:
            for *_, future in group:
                if not future.done():
                    future.set_exception(error)
            return
        for (*_, future), reply in zip(group, replies, strict=True):
            if not future.done():  # its caller may have gone (a request cancelled)
                future.set_result(reply)


async def _apply(
    uow_factory: UnitOfWorkFactory,
    items: Sequence[tuple[Inbound, Handler | None]],
    *,
    failed: bool = False,
) -> list[Reply | None]:
    """The updates' whole transaction, tried again while the database turns it away
    for a passing reason (``transient``): a rolled-back attempt kept nothing.
    ``failed``: the turns are the recovery of ones the dialogs failed on."""
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            async with uow_factory.write_turn(), uow_factory() as uow:
                uow.burst = len(items) > 1
                replies = await _turns(uow, items)
                await uow.commit()
        except Exception as error:
            if attempt >= TRANSIENT_ATTEMPTS or not transient(error):
                raise
            await asyncio.sleep(0.02 * 2 ** (attempt - 1))
            continue
        for (inbound, _handler), reply in zip(items, replies, strict=True):
            outcome = "duplicate" if reply is None else "failed" if failed else "applied"
            metrics.INBOUND.labels(inbound.channel.value, outcome).inc()
        return replies
    raise AssertionError("unreachable")


async def _turns(
    uow: UnitOfWork, items: Sequence[tuple[Inbound, Handler | None]]
) -> list[Reply | None]:
    """The updates' turns within ``uow``, in order; None (and nothing done) for one
    applied before. Their ids are recorded, and their staff chats looked up, in one
    statement for all of them: a burst pays those once, not once an update."""
    firsts = await _first_seen(uow, [inbound for inbound, _handler in items])
    staff = await staff_chat.StaffChats.among(
        uow,
        [
            (inbound.channel, inbound.chat_id)
            for (inbound, _handler), first in zip(items, firsts, strict=True)
            if first
        ],
    )
    return [
        await _turn(uow, inbound, handler, staff) if first else None
        for (inbound, handler), first in zip(items, firsts, strict=True)
    ]


async def _first_seen(uow: UnitOfWork, inbounds: Sequence[Inbound]) -> list[bool]:
    """Record the updates in this transaction, as its first write; for each, whether
    it is new (an update given twice is new the first time only)."""
    new: set[tuple[Channel, str]] = set()
    for channel in dict.fromkeys(inbound.channel for inbound in inbounds):
        ids = [inbound.update_id for inbound in inbounds if inbound.channel is channel]
        new.update((channel, id_) for id_ in await updates.first_seen_among(uow, channel, ids))
    firsts = []
    for inbound in inbounds:
        key = (inbound.channel, inbound.update_id)
        firsts.append(key in new)
        new.discard(key)
    return firsts


async def _turn(
    uow: UnitOfWork, inbound: Inbound, handler: Handler | None, staff: staff_chat.StaffChats
) -> Reply:
    """One new update within ``uow``: answered, and its reply queued."""
    if await staff.staff_of(uow, inbound.channel, inbound.chat_id, inbound.event):
        reply = await staff_chat.handle(uow, inbound.channel, inbound.chat_id, inbound.event)
    else:
        reply = await (handler or conversation.handle)(
            uow, inbound.channel, inbound.chat_id, inbound.event
        )
    await write_reply(uow, inbound, reply)
    return reply


async def write_reply(uow: UnitOfWork, inbound: Inbound, reply: Reply) -> None:
    """Queue the reply's screens (and, for "clear chat", the deletions) in order.

    The screens go in one statement without looking their keys up first: they are
    keyed by this update, which this very transaction has just recorded as new."""
    key = f"reply:{inbound.channel.value}:{inbound.update_id}"
    if reply.clear_chat:
        await outbox.queue_clear_chat(uow, inbound.channel, inbound.chat_id, f"{key}:clear")
    await outbox.enqueue_many(
        uow,
        [
            outbox.Outgoing(
                channel=inbound.channel,
                external_chat_id=inbound.chat_id,
                adolescent_id=reply.adolescent_id,
                payload=screen.to_payload(),
                dedupe_key=f"{key}:{index}",
                urgent=True,  # an answer to the adolescent is never held for quiet hours
            )
            for index, screen in enumerate(reply.screens)
        ],
    )
