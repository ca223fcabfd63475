"""The unit of work: one transaction, the cipher, and the clock.

Inside its block the cipher is bound for the encrypted columns (``crypto``).

Every service takes a ``UnitOfWork``. Nothing is written until ``commit()``; leaving
the ``async with`` block without committing rolls everything back, so a service that
raises halfway leaves no trace.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from contextvars import Token
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from plan_store.crypto import Cipher, bind_cipher, unbind_cipher
from plan_store.enums import AlertChannel, Channel
from plan_store.events import Event, MessageBus
from plan_store.types import utcnow
from plan_store.wakeup import NOTIFY, Wakeups

Clock = Callable[[], datetime]
ALL_ALERT_CHANNELS = frozenset(AlertChannel)
NO_WAIT_FOR_DISK = text("SELECT set_config('synchronous_commit', 'off', true)")


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        cipher: Cipher,
        clock: Clock = utcnow,
        bus: MessageBus | None = None,
        alert_channels: frozenset[AlertChannel] = ALL_ALERT_CHANNELS,
        wakeups: Wakeups | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.cipher = cipher
        self.clock = clock
        self.wakeups = wakeups or Wakeups()
        self.bus = bus or MessageBus()
        self.alert_channels = alert_channels
        self._session: AsyncSession | None = None
        self._apart: list[object] = []
        self._bound: Token[Cipher | None] | None = None
        self._events: list[Event] = []
        self._outbox_chats: Counter[tuple[Channel, str]] = Counter()
        self.burst = False
        """Set by a producer whose transaction carries several updates: its commit
        never rings as ``alone`` (see ``wakeup.Ringing``)."""
        self.memo: dict[object, Any] = {}
        """What a service read once and keeps for the rest of this transaction (the
        updates of a burst share one); the service that writes those rows forgets
        its entries. Emptied at each commit and when the unit of work ends."""

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside 'async with'")
        return self._session

    def now(self) -> datetime:
        return self.clock()

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._bound = bind_cipher(self.cipher)  # for the encrypted columns
        self.wakeups.open_units += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        self._events = []  # what was not committed did not happen
        self.memo = {}
        self.wakeups.open_units -= 1
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None
        try:
            rows, self._apart = self._apart, []
            if rows:
                async with self._session_factory() as apart:
                    apart.add_all(rows)
                    await apart.commit()
        finally:
            if self._bound is not None:
                unbind_cipher(self._bound)
                self._bound = None

    async def commit(self, *, wait_for_disk: bool = True) -> None:
        """Commit; then publish the recorded domain events, and if outbox rows were
        queued, wake the senders (see ``wakeup``; a sender may claim them just before
        the commit, in this transaction).

        ``wait_for_disk=False`` is for bookkeeping whose loss in a crash of the database
        server only repeats work (the outbox sender's claims and outcomes: a message
        may go twice, none is lost). On PostgreSQL the commit then returns without
        waiting for its write-ahead log to reach the disk (``synchronous_commit``
        off, for this transaction only); it is visible to everyone at once all the
        same. SQLite here never waits for the disk at commit (WAL, ``synchronous``
        NORMAL)."""
        session = self.session
        queued, self._outbox_chats = self._outbox_chats, Counter()
        channels = {channel for channel, _chat in queued}
        written = bool(channels)
        alone = self.wakeups.open_units == 1 and not self.burst
        # Alone, the process's senders may claim the rows in this very transaction.
        taken = await self.wakeups.claim_at_commit(self, queued) if written and alone else {}
        if session.get_bind().dialect.name == "postgresql":
            if written and not (alone and self.wakeups.heard_here(channels)):
                # Delivered by PostgreSQL at commit, to the senders of other processes.
                # Not needed when this process's own senders take the rows at once
                # (``alone``, and they send every channel written): the others would
                # only claim nothing. The channel is the
                # installation's schema's (``wakeup.CHANNEL_NAME``).
                await session.execute(NOTIFY, {"origin": self.wakeups.origin})
            if not wait_for_disk:
                await session.execute(NO_WAIT_FOR_DISK)
        await session.commit()
        self.memo = {}  # the next transaction reads afresh
        events, self._events = self._events, []
        for event in events:
            self.bus.publish(event)
        if written:
            self.wakeups.ring(alone=alone, taken=taken)

    def record(self, event: Event) -> None:
        """Note a domain event; its handlers run after this unit of work commits."""
        self._events.append(event)

    def outbox_written(self, chats: Iterable[tuple[Channel, str]]) -> None:
        """A row for each of ``chats`` (channel, chat) was queued in the outbox: wake the
        senders once this commits."""
        self._outbox_chats.update(chats)

    async def commit_apart(self, *rows: object) -> None:
        """Write ``rows`` in a transaction of their own, kept even if this one rolls back.

        For records that must survive a refusal, such as an audited out-of-scope read.
        They are written as the unit of work ends, after its own transaction is over:
        on SQLite a second writer would wait for this transaction's write lock (and
        fail after the busy timeout) whenever this one has already written.
        """
        self._apart.extend(rows)

    async def flush(self) -> None:
        await self.session.flush()


class UnitOfWorkFactory:
    """Makes units of work that share a session factory, a cipher and a clock."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        cipher: Cipher,
        clock: Clock = utcnow,
        bus: MessageBus | None = None,
        alert_channels: frozenset[AlertChannel] = ALL_ALERT_CHANNELS,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.cipher = cipher
        self.clock = clock
        self.wakeups = wakeups or Wakeups()
        """Rung after each commit that queued outgoing messages."""
        self.bus = bus or MessageBus()
        """Handlers of the domain events, shared by every unit of work made here."""
        self.alert_channels = alert_channels
        """The alert channels this installation has configured (the console always)."""
        self._write_turn: asyncio.Lock | None = None

    @property
    def one_writer(self) -> bool:
        """Whether the database takes one writing transaction at a time (SQLite)."""
        bind = self.session_factory.kw.get("bind")
        return bind is not None and bind.dialect.name == "sqlite"

    def write_turn(self) -> AbstractAsyncContextManager[object]:
        """Held around a transaction that writes, so that on SQLite this process's
        writers take turns here (SQLite has one writer; a second one would wait in the
        driver's busy handler, sleeping in growing steps). A no-op on PostgreSQL."""
        if not self.one_writer:
            return contextlib.nullcontext()
        if self._write_turn is None:
            self._write_turn = asyncio.Lock()
        return self._write_turn

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(
            self.session_factory,
            self.cipher,
            self.clock,
            self.bus,
            self.alert_channels,
            wakeups=self.wakeups,
        )
