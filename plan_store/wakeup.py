"""Telling the outbox sender that rows were committed, so that it claims them at once.

A unit of work that queued outgoing messages (``services.outbox``) rings ``Wakeups``
right after its commit; every sender of the process listens there. Senders in other
processes hear it through PostgreSQL: the same transaction runs ``NOTIFY``, which
PostgreSQL delivers at commit (never for a rolled-back transaction), and ``listen``
turns each notification into a ring. SQLite has no such thing: a sender in another
process finds the rows at its next poll, which stays as the fallback everywhere.

PostgreSQL's channels are database-wide, while an installation may live in a schema
of its own (``?search_path=``): the channel is named after the installation's schema
(``CHANNEL_NAME``), so installations sharing a database do not wake each other.

Each notification carries the ``origin`` of the process that sent it, and ``listen``
skips its own process's: that process's senders were already rung in process, and
claiming again for every one of its own commits cost a burst a query per update.

A sender may also claim at commit (``subscribe(claim_at_commit=...)``): a unit of work
that queued rows and is its process's only one open (one update, not a burst) lets
such a sender claim them inside its own transaction, just before it commits, and
rings it with what it took once committed. The reply then needs no claiming
transaction of its own on its way out; if the commit fails, the claim never was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from plan_store.enums import Channel

if TYPE_CHECKING:
    from plan_store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CHANNEL = "rumbo_outbox"
"""The start of the PostgreSQL notification channel rung when outbox rows are
committed; the schema follows it (``CHANNEL_NAME``)."""

CHANNEL_NAME = (
    f"'{CHANNEL}:' || CASE WHEN octet_length(current_schema()) <= 50"
    " THEN current_schema() ELSE md5(current_schema()) END"
)
"""SQL for the channel of the connection's installation: ``rumbo_outbox:`` and the
first schema of its ``search_path`` (``rumbo_outbox:public`` by default), or that
schema's md5 when its name is too long for PostgreSQL's 63-byte channel names.
Computed by the server, on each side, from the same setting the tables are found by."""

NOTIFY = text(f"SELECT pg_notify({CHANNEL_NAME}, :origin)")
"""Ring the installation's channel at commit, with ``origin`` as the payload."""

_CHANNEL_OF_CONNECTION: TextClause = text(f"SELECT {CHANNEL_NAME}")

Listener = Callable[[], None]
Ringing = Callable[[bool], None]
"""Called with ``alone``: whether the unit of work that rang was the only one open in
its process and carried no burst (a process applying one update, not many)."""
Start = Callable[[], None]
Queued = Mapping[tuple[Channel, str], int]
"""How many outbox rows a unit of work queued, per channel and chat."""
ClaimAtCommit = Callable[["UnitOfWork", Queued], Awaitable[Start | None]]
"""Claims due rows inside a unit of work about to commit (which queued ``Queued``);
returns what sends them once it has committed, or None when it took none."""


@dataclass(frozen=True, eq=False, slots=True)
class Subscriber:
    ringing: Ringing
    channels: frozenset[Channel]
    claim_at_commit: ClaimAtCommit | None


class Wakeups:
    """The process's listeners for "outbox rows were just committed"."""

    def __init__(self) -> None:
        self._listeners: list[Subscriber] = []
        self.origin = secrets.token_hex(8)
        """Sent with this process's notifications (see ``listen``)."""
        self.open_units = 0
        """Units of work open in this process now (kept by ``UnitOfWork``)."""

    def heard_here(self, channels: Collection[Channel]) -> bool:
        """Whether senders of this process listen for every one of ``channels``."""
        heard = {channel for subscriber in self._listeners for channel in subscriber.channels}
        return bool(channels) and heard.issuperset(channels)

    def subscribe(
        self,
        listener: Ringing,
        channels: Collection[Channel] = frozenset(),
        *,
        claim_at_commit: ClaimAtCommit | None = None,
    ) -> Callable[[], None]:
        """Call ``listener`` on every ring; it sends ``channels``, and may claim inside
        a lone unit of work as it commits (``claim_at_commit``). Returns what
        unsubscribes it."""
        entry = Subscriber(listener, frozenset(channels), claim_at_commit)
        self._listeners.append(entry)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(entry)

        return unsubscribe

    async def claim_at_commit(self, uow: UnitOfWork, queued: Queued) -> dict[Subscriber, Start]:
        """Let the senders that claim at commit, and send a channel ``uow`` queued rows
        for, claim inside it; what each took, to be started once ``uow`` has committed."""
        channels = {channel for channel, _chat in queued}
        taken: dict[Subscriber, Start] = {}
        for subscriber in list(self._listeners):
            claim = subscriber.claim_at_commit
            if claim is not None and not subscriber.channels.isdisjoint(channels):
                start = await claim(uow, queued)
                if start is not None:
                    taken[subscriber] = start
        return taken

    def ring(self, *, alone: bool = False, taken: Mapping[Subscriber, Start] | None = None) -> None:
        """Wake every listener; one that claimed at commit (``taken``) starts sending
        what it took instead."""
        for subscriber in list(self._listeners):
            start = taken.get(subscriber) if taken else None
            try:
                if start is not None:
                    start()
                else:
                    subscriber.ringing(alone)
            except Exception:
                log.exception("an outbox wake-up listener failed")


async def listen(
    engine: AsyncEngine,
    on_notify: Listener,
    *,
    own_origin: str | None = None,
    settle: float = 0.0,
    retry_every: float = 2.0,
) -> None:
    """Call ``on_notify`` for every notification on the installation's channel
    (``CHANNEL_NAME``) until cancelled, except those sent with ``own_origin`` (this
    process's, already rung in process).

    PostgreSQL only (returns at once on another database). The listening connection
    is held apart from the pool's work; when it breaks, ``on_notify`` is called once
    (something may have been missed) and listening starts again."""
    if engine.dialect.name != "postgresql":
        return

    loop = asyncio.get_running_loop()
    pending: list[asyncio.TimerHandle] = []

    def ring_once() -> None:
        pending.clear()
        on_notify()

    def callback(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if own_origin is not None and payload == own_origin:
            return
        if settle <= 0:
            on_notify()
        elif not pending:  # the notifications of the next ``settle`` seconds ring once
            pending.append(loop.call_later(settle, ring_once))

    while True:
        lost = asyncio.Event()

        def on_lost(*_args: Any, lost: asyncio.Event = lost) -> None:
            lost.set()

        try:
            async with engine.connect() as connection:
                channel = str(await connection.scalar(_CHANNEL_OF_CONNECTION))
                await connection.commit()  # no transaction left open while listening
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                driver.add_termination_listener(on_lost)
                await driver.add_listener(channel, callback)  # quoted by asyncpg
                try:
                    on_notify()  # rows committed before we listened
                    await lost.wait()
                finally:
                    driver.remove_termination_listener(on_lost)
                    if not driver.is_closed():
                        with contextlib.suppress(Exception):
                            await driver.remove_listener(channel, callback)
            log.warning("the outbox notification connection closed; listening again")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("cannot listen for outbox notifications; polling meanwhile", exc_info=True)
        on_notify()
        await asyncio.sleep(retry_every)
