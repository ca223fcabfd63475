"""Long polling with ``getUpdates``, acknowledging an update only after it is stored.

Telegram keeps an update until a later ``getUpdates`` passes an ``offset`` above its
id. The loop below raises the offset past an update only after ``receive`` has
committed it (the update id, the dialogs' changes and the replies in the outbox, in
one transaction). If the process dies in between, Telegram sends the update again
and the stored update id makes the second delivery a no-op.

PTB's own ``Updater`` is not used: it confirms a batch with the next ``getUpdates``
as soon as the batch is queued in memory, before any handler has run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut

from bot import metrics
from bot.inbound import Handler, receive, receive_together
from bot.telegram.api import LONG_POLL_SECONDS, retry_after_seconds
from bot.telegram.commands import publish_commands
from bot.telegram.updates import ALLOWED_UPDATES, callback_query_id, to_incoming
from plan_store.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

TOGETHER = 16
"""Updates of a batch stored in one transaction, at most: a burst pays one commit for
them, while the first of them waits for at most this many turns before its reply can
go."""
SIDE_BY_SIDE = 4
"""Transactions of a batch applied at the same time (on a database that takes several
writers). Enough to overlap the round trips to a database across a network; each
transaction more also costs a commit, a notification and the statements a batch pays
once. A batch of 100 split 16 ways instead (7 updates a transaction) cost 0.1 ms more
of this process's CPU and 0.15 ms more of PostgreSQL's per update of a burst
(``bench.replies``, two rounds each way)."""


class Backoff:
    """Waits that double from ``first`` up to ``most``; ``reset()`` after a success."""

    def __init__(self, first: float = 0.5, most: float = 30.0) -> None:
        self.first, self.most = first, most
        self._next = first

    def next(self) -> float:
        wait, self._next = self._next, min(self._next * 2, self.most)
        return wait

    def reset(self) -> None:
        self._next = self.first


class TelegramPoller:
    """Fetches updates, stores each one, and only then asks for the next ones."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        *,
        poll_seconds: float = LONG_POLL_SECONDS,
        handler: Handler | None = None,
        backoff: Callable[[], Backoff] = Backoff,
        sleep: Sleep = asyncio.sleep,
        concurrency: int = SIDE_BY_SIDE,
        together: int = TOGETHER,
    ) -> None:
        self.bot = bot
        self.uow_factory = uow_factory
        self.poll_seconds = poll_seconds
        self.handler = handler
        self._backoff = backoff
        self._sleep = sleep
        self.concurrency = concurrency
        """Transactions applied at the same time."""
        self.together = together
        """Updates stored in one transaction, at most (a chat's are never split)."""
        self.offset: int | None = None
        """The next update id to ask for: every id below it is stored. (While a batch
        is applied chat by chat side by side, it may run ahead of another chat's update
        still in its transaction; Telegram only hears of it with the next
        ``getUpdates``, asked once the whole batch is stored.)"""
        self.handled = 0
        """Updates handled since the start (stored, de-duplicated or ignored)."""

    async def run(self) -> None:
        """Poll until cancelled. Every failure is waited out and retried. The bot's
        connections are closed however it ends, also when cancelled while starting."""
        try:
            await self._start()
            fetching = self._backoff()
            while True:
                try:
                    updates = await self.fetch()
                except TelegramError as error:
                    await self._sleep(self._fetch_wait(error, fetching))
                    continue
                except Exception:
                    wait = fetching.next()
                    log.exception("getUpdates failed; trying again in %.1f s", wait)
                    await self._sleep(wait)
                    continue
                fetching.reset()
                await self.apply_batch(updates)
        finally:
            await self.bot.shutdown()

    async def _start(self) -> None:
        """Initialize the bot, make sure no webhook stands in the way of polling, and
        publish the command list."""
        waiting = self._backoff()
        while True:
            try:
                await self.bot.initialize()
                await self.bot.delete_webhook(drop_pending_updates=False)
                break
            except TelegramError as error:
                wait = waiting.next()
                log.warning("Telegram not reachable (%s); trying again in %.0f s", error, wait)
                await self._sleep(wait)
        await publish_commands(self.bot)

    async def fetch(self) -> tuple[Update, ...]:
        return await self.bot.get_updates(
            offset=self.offset,
            timeout=int(self.poll_seconds),
            allowed_updates=list(ALLOWED_UPDATES),
        )

    async def apply_batch(self, updates: Sequence[Update]) -> None:
        """Apply a batch: each chat's updates in order, the chats side by side in up to
        ``concurrency`` transactions at once. A batch bigger than that (a burst) shares
        transactions, up to ``together`` updates each; on a database with one writer,
        where transactions take turns anyway, they always do.

        The next ``getUpdates`` (which confirms the whole batch to Telegram) is asked
        only after every update of the batch is committed, so a crash meanwhile loses
        nothing: Telegram sends the batch again and the stored ids make the applied
        ones no-ops."""
        side_by_side = 1 if self.uow_factory.one_writer else self.concurrency
        size = min(self.together, -(-len(updates) // side_by_side))
        groups = _in_groups(updates, size)
        if len(groups) == 1:
            await self.apply_together(groups[0])
            return
        room = asyncio.Semaphore(self.concurrency)

        async def one_group(group: list[Update]) -> None:
            async with room:
                await self.apply_together(group)

        async with asyncio.TaskGroup() as tasks:
            for group in groups:
                tasks.create_task(one_group(group))

    async def apply_together(self, updates: Sequence[Update]) -> None:
        """Store ``updates`` in one transaction, then acknowledge them; when that
        fails, each one on its own (``apply``)."""
        if len(updates) == 1:
            await self.apply(updates[0])
            return
        try:
            incoming = [await to_incoming(update, self.bot) for update in updates]
            await receive_together(
                self.uow_factory,
                [(one.inbound, one.handler or self.handler) for one in incoming if one],
            )
        except Exception:
            log.info("%d Telegram updates to be stored one by one", len(updates), exc_info=True)
            for update in updates:
                await self.apply(update)
            return
        for update in updates:
            await self._stored(update)

    async def apply(self, update: Update) -> None:
        """Store ``update`` (retrying until the database takes it), then acknowledge."""
        waiting = self._backoff()
        while True:
            try:
                incoming = await to_incoming(update, self.bot)
                if incoming is not None:
                    handler = incoming.handler or self.handler
                    await receive(self.uow_factory, incoming.inbound, handler)
                break
            except Exception:
                wait = waiting.next()
                log.exception(
                    "Telegram update %s not stored; trying again in %.1f s", update.update_id, wait
                )
                await self._sleep(wait)
        await self._stored(update)

    async def _stored(self, update: Update) -> None:
        """``update`` is committed: the next getUpdates may confirm it."""
        self.offset = max(self.offset or 0, update.update_id + 1)
        self.handled += 1
        await answer_callback(self.bot, callback_query_id(update))

    def _fetch_wait(self, error: TelegramError, backoff: Backoff) -> float:
        if isinstance(error, RetryAfter):
            metrics.RATE_LIMITED.labels("telegram").inc()
            return retry_after_seconds(error)
        wait = backoff.next()
        if isinstance(error, TimedOut):
            log.debug("getUpdates timed out; trying again in %.1f s", wait)
        elif isinstance(error, Conflict):
            log.warning("another process polls this bot or a webhook is set: %s", error.message)
        elif isinstance(error, InvalidToken):
            log.error("Telegram rejected RUMBO_TELEGRAM_TOKEN: %s", error.message)
        else:
            log.warning("getUpdates failed (%s); trying again in %.1f s", error.message, wait)
        return wait


async def answer_callback(bot: Bot, query_id: str | None) -> None:
    """Stop the tapped button's spinner. Carries no content; failures do not matter
    (the query may be too old, or answered by an earlier delivery)."""
    if query_id is None:
        return
    try:
        await bot.answer_callback_query(query_id)
    except TelegramError as error:
        log.debug("callback query %s not answered: %s", query_id, error.message)


def _in_groups(updates: Sequence[Update], size: int) -> list[list[Update]]:
    """``updates`` in groups of about ``size``, each chat's all in one group, in order."""
    by_chat: dict[object, list[Update]] = {}
    for update in updates:
        chat = update.effective_chat
        by_chat.setdefault(chat.id if chat is not None else update, []).append(update)
    groups: list[list[Update]] = []
    for chat_updates in by_chat.values():
        if not groups or len(groups[-1]) + len(chat_updates) > size:
            groups.append([])
        groups[-1].extend(chat_updates)
    return groups
