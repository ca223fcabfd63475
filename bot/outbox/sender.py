"""The outbox sender: the loop, the pacing and the platform calls.

One round, in three steps, never holding a transaction across a platform call:

1. **Claim** due rows with a lease (``plan_store.outbox.delivery.Claimer``, one short
   transaction; it also settles rows that must not go now).
2. **Deliver**, outside any transaction, paced by the platform's limits.
3. **Record** each outcome (``plan_store.outbox.delivery``: sent, retry, release,
   failed, chat gone), in another short transaction shared by outcomes that arrive
   together. A sender whose lease lapsed and whose row was claimed again by another
   cannot overwrite the newer claim; it logs the possible duplicate.

Exactly once, and where it cannot be: a row is delivered again only if its lease
lapses while the platform already has the message, i.e. the process died (or stalled
for longer than the lease) between the platform's acceptance and the recording
commit. That window is kept short: outcomes are recorded as soon as each call
returns; a call is never started on a claim older than half the lease (the lease,
120 s by default, is far longer than a paced batch plus the HTTP time-outs); and a
stopping sender (task cancelled, ``stop_event`` set) starts no new call, lets the
calls in flight finish and records them, and hands back unstarted rows at once. The
same holds for a call whose answer is lost (a read time-out after the platform
accepted it): the platform gives no way to ask, so the row is retried. Rumbo
prefers a rare duplicate to a lost message.

For the same reason the claims and the outcomes are committed without waiting for
the disk (``UnitOfWork.commit(wait_for_disk=False)``): on PostgreSQL that saves a
flush of the write-ahead log (milliseconds) on the way of every reply, and a crash of
the database server within the fraction of a second before the flush can only undo a
claim or an outcome, so that a message goes again, never that one is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import DBAPIError

from bot import metrics
from bot.outbox.channel import ChannelClient, ChatGone, PermanentFailure, RetryLater
from bot.outbox.limits import OutboxConfig, Pacer, RateLimits, halted_within
from plan_store.enums import Channel, OutboxKind
from plan_store.outbox import delivery
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from plan_store.wakeup import Queued

log = logging.getLogger(__name__)


STANDBY_GRACE = timedelta(seconds=3)
"""How long a row waits for the sending process before a sender standing by takes it."""


class Verdict(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this sender holds, and when (event-loop time) it claimed it."""

    row: delivery.Claimed
    claimed_at: float
    followed: bool = False
    """Claimed at the commit that queued it, with more of that commit's rows for its
    chat waiting behind it (a reply of several screens)."""

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def channel(self) -> Channel:
        return self.row.channel

    @property
    def chat_id(self) -> str:
        return self.row.chat_id

    @property
    def kind(self) -> OutboxKind:
        return self.row.kind

    @property
    def payload(self) -> dict[str, Any]:
        return self.row.payload

    @property
    def attempts(self) -> int:
        return self.row.attempts


@dataclass(frozen=True, slots=True)
class Outcome:
    claim: Claim
    verdict: Verdict
    message_id: str | None = None
    after: float | None = None
    error: str = ""


class OutboxSender:
    """Delivers the outbox through one ``ChannelClient`` per channel.

    Rows of channels without a client are left alone, so processes may split the
    channels between them. ``run_once(now)`` does one claim-deliver-record round
    (tests drive it with their own clock); ``run_forever(stop_event)`` keeps the
    calls flowing, claiming more as earlier ones are recorded.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clients: Mapping[Channel, ChannelClient],
        limits: RateLimits | None = None,
        *,
        lease: timedelta = timedelta(seconds=OutboxConfig.lease_seconds),
        batch_size: int = 100,
        max_in_flight: int = 64,
        concurrency: int = 8,
        max_attempts: int = OutboxConfig.max_attempts,
        backoff_base: float = 5.0,
        backoff_cap: float = 900.0,
        poll_interval: float = OutboxConfig.poll_seconds,
    ) -> None:
        self._uow_factory = uow_factory
        self._clients = dict(clients)
        self._limits = limits or RateLimits()
        self.lease = lease
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.poll_interval = poll_interval
        self._concurrency = concurrency
        self._pacers: dict[Channel, Pacer] = {}
        self._slots: asyncio.Semaphore | None = None
        self._halt = asyncio.Event()
        self._progress = asyncio.Event()
        self._outcomes: list[Outcome] = []
        self._writer: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._running = False
        self._claimer = delivery.Claimer(self._clients, lease, max_attempts)
        self.standing_by = False
        """Set while another process sends this sender's channels (``bot.outbox.duty``):
        wake-ups are then ignored (but see ``wake``), and the poll claims only rows
        that have waited longer than ``STANDBY_GRACE``, in case that process stalls."""
        self._take_fresh = False
        # One transaction at a time per sender; on SQLite one at a time with every other
        # writer of the process (a second writer would only wait for the file lock,
        # sleeping in the busy handler).
        self._own_turn = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def _db_turn(self) -> AsyncIterator[None]:
        async with self._own_turn, self._uow_factory.write_turn():
            yield

    # ------------------------------------------------------------------ public

    def wake(self, alone: bool = False) -> None:
        """Look for due rows now (a producer just committed some), unless another
        process sends them (``standing_by``) and this one is busy.

        ``alone``: the commit was this process's only unit of work open (one update
        applied, not a burst). Its rows are then taken here at once even while
        standing by: the reply to a lone update goes without waiting for the sending
        process to hear of it, and in a burst that process still sends everything."""
        if not self.standing_by:
            self._progress.set()
        elif alone:
            self._take_fresh = True
            self._progress.set()

    async def claim_at_commit(self, uow: UnitOfWork, queued: Queued) -> Callable[[], None] | None:
        """Claim due rows inside ``uow``, a lone unit of work of this process about to
        commit (``plan_store.wakeup``): the rows it queued go out once it commits,
        without a claiming transaction of their own, even while standing by. Returns
        what starts their calls, or None when none were taken (or this sender does
        not run). Should the process die after the commit, the claims lapse after the
        lease and another sender takes the rows.

        What waits behind a row taken so (a reply's next screen) is taken here too as
        soon as that row is sent, even while standing by (``Claim.followed``)."""
        room = min(self.max_in_flight - len(self._in_flight), self.batch_size)
        if not self._running or self._halt.is_set() or room <= 0:
            return None
        rows = await self._claimer.claim(uow, uow.now(), room)
        if not rows:
            return None
        claimed_at = asyncio.get_running_loop().time()

        def start() -> None:
            for row in rows:
                followed = queued.get((row.channel, row.chat_id), 0) > 1
                self._start(Claim(row, claimed_at, followed))
            if len(rows) == room:
                self._progress.set()  # there may be more due

        return start

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim the rows due at ``now`` (one batch), deliver them, record the outcomes.

        Returns how many rows were claimed. Cancelling it stops new platform calls,
        but the calls in flight finish and are recorded before the cancellation
        goes on."""
        self._halt = asyncio.Event()
        when = now if now is not None else self._uow_factory.clock()
        inner = asyncio.ensure_future(self._round(when))
        try:
            return await asyncio.shield(inner)
        except asyncio.CancelledError:
            self._halt.set()
            with contextlib.suppress(Exception):
                await inner
            raise

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set (or the task is cancelled)."""
        self._halt = asyncio.Event()
        in_flight = self._in_flight
        self._running = True
        try:
            while not stop_event.is_set():
                self._progress.clear()
                room = self.max_in_flight - len(in_flight)
                claims: list[Claim] = []
                if room > 0:
                    try:
                        claims = await self._claim_shielded(
                            self._uow_factory.clock(), min(room, self.batch_size)
                        )
                    except Exception:
                        # The database may be restarting: keep trying, never die quietly.
                        log.exception("could not claim outbox rows; trying again shortly")
                        await _first_of(stop_event, within=max(self.poll_interval, 2.0))
                        continue
                    for claim in claims:
                        self._start(claim)
                full = bool(claims) and len(claims) == min(room, self.batch_size)
                if full and len(in_flight) < self.max_in_flight:
                    continue  # there may be more due right now
                await _first_of(stop_event, self._progress, within=self.poll_interval)
        finally:
            self._running = False
            self._halt.set()
            if in_flight:
                await asyncio.shield(asyncio.gather(*in_flight, return_exceptions=True))
            await self._drain()

    def _start(self, claim: Claim) -> None:
        task = asyncio.create_task(self._deliver_and_record(claim))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    # ------------------------------------------------------------------ one round

    async def _round(self, now: datetime) -> int:
        claims = await self._claim(now, self.batch_size)
        await asyncio.gather(*(self._deliver_and_record(claim) for claim in claims))
        await self._drain()
        return len(claims)

    async def _claim_shielded(self, now: datetime, limit: int) -> list[Claim]:
        task = asyncio.ensure_future(self._claim(now, limit))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._halt.set()
            with contextlib.suppress(Exception):
                claims = await task
                self._record_many(Outcome(claim, Verdict.RELEASE) for claim in claims)
                await self._drain()
            raise

    # ------------------------------------------------------------------ claiming

    async def _claim(self, now: datetime, limit: int) -> list[Claim]:
        if limit <= 0 or not self._clients:
            return []
        fresh, self._take_fresh = self._take_fresh, False
        due_by = now - STANDBY_GRACE if self.standing_by and not fresh else now
        async with self._db_turn(), self._uow_factory() as uow:
            rows = await self._claimer.claim(uow, now, limit, due_by=due_by)
            claimed_at = asyncio.get_running_loop().time()
            await uow.commit(wait_for_disk=False)
        return [Claim(row, claimed_at) for row in rows]

    # ------------------------------------------------------------------ delivering

    async def _deliver_and_record(self, claim: Claim) -> None:
        try:
            outcome = await self._deliver(claim)
        except Exception as error:  # never lose the row's outcome to a bug here
            log.exception("outbox row %s: delivery failed unexpectedly", claim.id)
            outcome = Outcome(claim, Verdict.RETRY, error=repr(error)[:300])
        self._record_many([outcome])

    async def _deliver(self, claim: Claim) -> Outcome:
        outcome = await self._call(claim)
        if outcome.verdict is not Verdict.RELEASE:
            metrics.DELIVERIES.labels(claim.channel.value, outcome.verdict.value).inc()
        return outcome

    async def _call(self, claim: Claim) -> Outcome:
        pacer = self._pacer(claim.channel)
        wait = pacer.chat_ready_in(claim.chat_id)
        if wait and await halted_within(self._halt, wait):
            return Outcome(claim, Verdict.RELEASE)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrency)
        async with self._slots:
            if not await pacer.take_slot(claim.chat_id, self._halt):
                return Outcome(claim, Verdict.RELEASE)
            client = self._clients[claim.channel]
            try:  # the slot is given back (``done``) whether the call is made or not
                held_for = asyncio.get_running_loop().time() - claim.claimed_at
                if held_for > self.lease.total_seconds() / 2:
                    log.warning("outbox row %s: claim too old to start a call; released", claim.id)
                    return Outcome(claim, Verdict.RELEASE)
                message_id = await client.deliver(claim.kind, claim.chat_id, claim.payload)
            except RetryLater as error:
                if error.rate_limited:
                    metrics.RATE_LIMITED.labels(claim.channel.value).inc()
                return Outcome(claim, Verdict.RETRY, after=error.after, error=str(error))
            except ChatGone as error:
                return Outcome(claim, Verdict.GONE, error=str(error))
            except PermanentFailure as error:
                return Outcome(claim, Verdict.FAILED, error=str(error))
            finally:
                pacer.done(claim.chat_id)
            return Outcome(claim, Verdict.SENT, message_id=message_id)

    def _pacer(self, channel: Channel) -> Pacer:
        pacer = self._pacers.get(channel)
        if pacer is None:
            pacer = Pacer(self._limits.for_channel(channel), self._limits.headroom)
            self._pacers[channel] = pacer
        return pacer

    # ------------------------------------------------------------------ recording

    def _record_many(self, outcomes: Iterable[Outcome]) -> None:
        self._outcomes.extend(outcomes)
        if self._outcomes and (self._writer is None or self._writer.done()):
            self._writer = asyncio.create_task(self._write_queued())

    async def _drain(self) -> None:
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_queued(self) -> None:
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            for attempt in range(6):
                try:
                    await self._write(batch)
                    break
                except DBAPIError:
                    if attempt == 5:
                        log.exception(
                            "could not record %d delivery outcomes; their rows wait for "
                            "their lease to lapse and may be sent again",
                            len(batch),
                        )
                    else:
                        await asyncio.sleep(0.05 * 2**attempt)
                except Exception:
                    log.exception("could not record %d delivery outcomes", len(batch))
                    break
            if any(o.claim.followed and o.verdict is Verdict.SENT for o in batch):
                self._take_fresh = True  # the next screens are due now, from here
            self._progress.set()

    async def _write(self, outcomes: Sequence[Outcome]) -> None:
        async with self._db_turn(), self._uow_factory() as uow:
            now = uow.now()
            ordered = sorted(outcomes, key=lambda o: o.claim.id)
            await self._record_sent(uow, [o for o in ordered if o.verdict is Verdict.SENT], now)
            for outcome in ordered:
                if outcome.verdict is not Verdict.SENT:
                    await self._apply(uow, outcome, now)
            await uow.commit(wait_for_disk=False)

    async def _record_sent(self, uow: UnitOfWork, sent: Sequence[Outcome], now: datetime) -> None:
        lapsed = await delivery.mark_sent(
            uow,
            [delivery.Sent(o.claim.id, o.claim.row.token, o.message_id) for o in sent],
            now,
        )
        for row_id in lapsed:
            log.warning(
                "outbox row %s was delivered after its claim lapsed and was taken by "
                "another sender: the chat may get it twice",
                row_id,
            )

    async def _apply(self, uow: UnitOfWork, outcome: Outcome, now: datetime) -> None:
        claim = outcome.claim
        verdict = outcome.verdict
        if verdict is Verdict.RETRY and claim.attempts >= self.max_attempts:
            verdict = Verdict.FAILED
        if verdict is Verdict.RELEASE:
            changed = await delivery.release(uow, claim.row)
        elif verdict is Verdict.RETRY:
            delay = outcome.after if outcome.after is not None else self._backoff(claim.attempts)
            not_before = now + timedelta(seconds=max(0.0, delay))
            changed = await delivery.retry(uow, claim.row, not_before, outcome.error)
        elif verdict is Verdict.FAILED:
            changed = await delivery.fail(uow, claim.row, outcome.error)
        else:
            changed = await delivery.chat_gone(uow, claim.row, outcome.error)
        if not changed:
            log.warning(
                "outbox row %s: claim lapsed or row cancelled; %s not recorded",
                claim.id,
                verdict.value,
            )

    def _backoff(self, attempts: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1)))


async def _first_of(*events: asyncio.Event, within: float) -> None:
    """Wait until one of ``events`` is set, at most ``within`` seconds."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
