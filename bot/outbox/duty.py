"""Which process sends: the one that took the update, or a process that only sends.

Any process that takes updates can deliver its own replies, woken in process at each
commit, so ``rumbo serve --only telegram`` alone answers everyone. But sending costs
CPU (the platform call, the claim, the record) in the process that is already busiest
in a burst. So a process that sends and takes no updates (``rumbo serve --only
scheduler``) holds a lease per channel it sends, named ``outbox:<channel>``, and the
processes that take updates stand by while every channel they send is held by another
process: they apply updates and leave the sending to it, which hears of their commits
through PostgreSQL's notifications (``plan_store.wakeup``). Except when such a
process is not busy: the reply to an update applied while it had no other unit of work
open goes from it at once, claimed in the update's own transaction
(``OutboxSender.claim_at_commit``), without the round trip to the other process.

On SQLite too, where the two processes take turns at the file's one write lock: each
waits for it in ``plan_store.sqlite_driver``, looking again every half millisecond.
(With SQLite's own busy handler, which sleeps in growing steps, both processes slept
several milliseconds for a lock held for one, and the process taking updates sent
its own replies here instead.) The process that only sends has no notification to
hear on SQLite: it finds the rows by polling, and in a burst it claims again as soon
as it has room.

A sender standing by still polls, and takes any row left waiting longer than
``STANDBY_GRACE``: should the sending process stall without losing its lease, a reply
waits seconds, not forever. When it stops cleanly it gives its leases back, and when
it dies they lapse after ``TTL``; either way the processes that take updates see it
at their next look (every ``LOOK_EVERY``) and send again themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from datetime import timedelta

from bot.outbox.sender import OutboxSender
from plan_store.enums import Channel
from plan_store.services import leases
from plan_store.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

TTL = timedelta(seconds=10)
LOOK_EVERY = 2.0
"""Seconds between two renewals of the leases, or two looks at who holds them."""


def lease_name(channel: Channel) -> str:
    return f"outbox:{channel.value}"


class SendingDuty:
    """Keeps ``sender`` on duty or standing by, for as long as it runs.

    ``takes_updates``: this process applies updates (and may leave its sending to
    another); otherwise it only sends, and holds the leases of ``channels``."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        sender: OutboxSender,
        channels: Collection[Channel],
        *,
        takes_updates: bool,
        holder: str,
        look_every: float = LOOK_EVERY,
    ) -> None:
        self._uow_factory = uow_factory
        self._sender = sender
        self._names = [lease_name(channel) for channel in sorted(channels)]
        self.takes_updates = takes_updates
        self.holder = holder
        self.look_every = look_every

    async def run(self) -> None:
        """Until cancelled; a process that only sends gives its leases back at the end."""
        try:
            while True:
                try:
                    await self.look()
                except Exception:
                    log.warning("the outbox leases could not be read or renewed", exc_info=True)
                await asyncio.sleep(self.look_every)
        finally:
            if not self.takes_updates:
                await asyncio.shield(self._give_back())

    async def look(self) -> None:
        """Renew this process's leases, or see whether another process sends for it."""
        now = self._uow_factory.clock()
        if not self.takes_updates:
            for name in self._names:
                await leases.acquire(self._uow_factory, self.holder, now, TTL, name)
            return
        # A process that takes updates never holds these leases: a live holder is
        # another process.
        holders = await leases.live_holders(self._uow_factory, self._names, now)
        standing_by = bool(self._names) and all(name in holders for name in self._names)
        if standing_by != self._sender.standing_by:
            log.info(
                "outbox: %s",
                "another process sends; standing by" if standing_by else "sending here",
            )
        self._sender.standing_by = standing_by
        if not standing_by:
            self._sender.wake()  # what waited for the other process goes now

    async def _give_back(self) -> None:
        now = self._uow_factory.clock()
        for name in self._names:
            try:
                await leases.release(self._uow_factory, self.holder, now, name)
            except Exception:
                log.warning("outbox lease %s not given back; it lapses", name, exc_info=True)
