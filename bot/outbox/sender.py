"""The outbox sender: claims due rows with a lease, delivers them, records the outcome.

One round, in three steps, never holding a transaction across a platform call:

1. **Claim** (one short transaction). A single ``UPDATE outbox ... WHERE id IN
   (SELECT ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED)`` turns due rows into
   ``sending`` with ``lease_until = now + lease``, ``attempts + 1`` and a fresh random
   ``claim_token``, and returns the rows (``RETURNING``: one round trip). Due means pending with
   ``not_before <= now``, or ``sending`` with a lapsed lease (its sender died). On
   PostgreSQL, ``SKIP LOCKED`` lets any number of senders claim disjoint rows; on
   SQLite the clause is dropped, and the statement is atomic anyway because it is the
   transaction's first statement and SQLite has a single writer. In the same
   transaction, rows that must not go are settled: expired ones and ones whose chat is
   no longer linked to their case are cancelled, and rows that can wait are moved to
   the end of their home's quiet hours.
2. **Deliver**, outside any transaction, paced by the platform's limits.
3. **Record** (another short transaction, shared by outcomes that arrive together):
   ``UPDATE ... WHERE id = :id AND claim_token = :token``. A sender whose lease lapsed
   and whose row was claimed again by another finds no row to update: it cannot
   overwrite the newer claim, and it logs the possible duplicate.

Order per chat: a row is claimed only when no older row of its chat is in flight
(``sending``) or waiting its turn (pending, and due or already tried). Urgent rows
(replies to the adolescent) only queue behind older urgent rows, so a reminder held
for quiet hours or backing off never holds up a reply; everything else goes out in
id order.

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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, Table, and_, bindparam, not_, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import aliased

from bot import metrics
from bot.outbox.channel import ChannelClient, ChatGone, PermanentFailure, RetryLater
from bot.outbox.limits import Pacer, RateLimits, halted_within
from bot.outbox.quiet import in_quiet_hours, quiet_period_end
from plan_store.enums import Channel, FlagCategory, OutboxKind, OutboxStatus, Severity
from plan_store.models import Adolescent, ChatLink, Home, OutboxMessage
from plan_store.services import chats, flags, linking
from plan_store.services.outbox import payload_of
from plan_store.types import UTCDateTime
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

PENDING, SENDING = OutboxStatus.PENDING, OutboxStatus.SENDING


class Verdict(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this sender holds, with what the platform call needs."""

    id: int
    channel: Channel
    chat_id: str
    kind: OutboxKind
    payload: dict[str, Any]
    urgent: bool
    adolescent_id: int | None
    attempts: int
    token: str
    claimed_at: float  # event-loop time of the claim


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
        lease: timedelta = timedelta(seconds=120),
        batch_size: int = 100,
        max_in_flight: int = 64,
        concurrency: int = 8,
        max_attempts: int = 10,
        backoff_base: float = 5.0,
        backoff_cap: float = 900.0,
        poll_interval: float = 0.5,
    ) -> None:
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
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
        self._claim_statement = self._build_claim_statement()
        table = OutboxMessage.__table__
        assert isinstance(table, Table)
        self._mark_sent = (
            update(table)
            .where(
                table.c.id == bindparam("row_id"),
                table.c.claim_token == bindparam("row_token"),
                # Not IN: an expanding parameter cannot take part in an executemany.
                or_(table.c.status == SENDING, table.c.status == OutboxStatus.CANCELLED),
            )
            .values(
                status=OutboxStatus.SENT,
                sent_at=bindparam("row_sent_at"),
                external_message_id=bindparam("row_message_id"),
                lease_until=None,
                last_error=None,
            )
        )
        # One transaction at a time per sender; on SQLite one at a time with every other
        # writer of the process (a second writer would only wait for the file lock,
        # sleeping in the busy handler).
        self._own_turn = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def _db_turn(self) -> AsyncIterator[None]:
        async with self._own_turn, self._uow_factory.write_turn():
            yield

    # ------------------------------------------------------------------ public

    def wake(self) -> None:
        """Look for due rows now (a producer in this process just committed some)."""
        self._progress.set()

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
        in_flight: set[asyncio.Task[None]] = set()
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
                        task = asyncio.create_task(self._deliver_and_record(claim))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                full = bool(claims) and len(claims) == min(room, self.batch_size)
                if full and len(in_flight) < self.max_in_flight:
                    continue  # there may be more due right now
                await _first_of(stop_event, self._progress, within=self.poll_interval)
        finally:
            self._halt.set()
            if in_flight:
                await asyncio.shield(asyncio.gather(*in_flight, return_exceptions=True))
            await self._drain()

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
        token = secrets.token_hex(16)
        async with self._db_turn(), self._uow_factory() as uow:
            # Claimed and read back in one statement (UPDATE ... RETURNING).
            rows = sorted(
                await uow.session.scalars(
                    self._claim_statement,
                    {
                        "claim_now": now,
                        "claim_limit": limit,
                        "claim_lease": now + self.lease,
                        "claim_token_value": token,
                    },
                ),
                key=lambda row: row.id,
            )
            if not rows:
                return []
            keep = await self._settle_claimed(uow, rows, now)
            claimed_at = asyncio.get_running_loop().time()
            claims = [
                Claim(
                    id=row.id,
                    channel=row.channel,
                    chat_id=row.external_chat_id,
                    kind=row.kind,
                    payload=payload,
                    urgent=row.urgent,
                    adolescent_id=row.adolescent_id,
                    attempts=row.attempts,
                    token=token,
                    claimed_at=claimed_at,
                )
                for row, payload in keep
            ]
            await uow.commit()
        return claims

    def _build_claim_statement(self) -> Any:
        """``UPDATE outbox SET <claimed> WHERE id IN (<the due rows, oldest first>)``.

        Built once (its parameters are ``claim_*``): building the aliased subqueries
        costs more than running them."""
        now = bindparam("claim_now", type_=UTCDateTime())
        candidate = aliased(OutboxMessage, name="candidate")
        earlier = aliased(OutboxMessage, name="earlier")
        waits_behind = (
            select(earlier.id)
            .where(
                earlier.channel == candidate.channel,
                earlier.external_chat_id == candidate.external_chat_id,
                earlier.id < candidate.id,
                or_(
                    earlier.status == SENDING,
                    and_(
                        earlier.status == PENDING,
                        or_(earlier.attempts > 0, earlier.not_before <= now),
                        or_(earlier.urgent, not_(candidate.urgent)),
                    ),
                ),
            )
            .exists()
        )
        due = (
            select(candidate.id)
            .where(
                or_(
                    and_(candidate.status == PENDING, candidate.not_before <= now),
                    and_(candidate.status == SENDING, candidate.lease_until <= now),
                ),
                not_(waits_behind),
            )
            .order_by(candidate.id)
            .limit(bindparam("claim_limit", type_=Integer()))
            .with_for_update(skip_locked=True, of=candidate)
        )
        others = [channel for channel in Channel if channel not in self._clients]
        if others:
            # NOT IN, not IN: an equality on the channel would lead SQLite's planner to
            # the per-chat index (every row ever sent) instead of the due-rows index.
            due = due.where(candidate.channel.not_in(others))
        return (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due))
            .values(
                status=SENDING,
                lease_until=bindparam("claim_lease", type_=UTCDateTime()),
                claim_token=bindparam("claim_token_value", type_=String()),
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )

    async def _settle_claimed(
        self, uow: UnitOfWork, rows: Sequence[OutboxMessage], now: datetime
    ) -> list[tuple[OutboxMessage, dict[str, Any]]]:
        """Cancel, fail or hold back what must not go now; return what may go."""
        case_ids = {row.adolescent_id for row in rows if row.adolescent_id is not None}
        links: set[tuple[int, Channel, str]] = set()
        homes: dict[int, Home] = {}
        if case_ids:
            # Each case's home and active links, in one query.
            found = await uow.session.execute(
                select(Adolescent.id, Home, ChatLink.channel, ChatLink.external_id)
                .join(Home, Home.id == Adolescent.home_id)
                .outerjoin(ChatLink, and_(ChatLink.adolescent_id == Adolescent.id, ChatLink.active))
                .where(Adolescent.id.in_(case_ids))
            )
            for case_id, found_home, channel, chat in found.all():
                homes[case_id] = found_home
                if channel is not None:
                    links.add((case_id, channel, chat))
        keep: list[tuple[OutboxMessage, dict[str, Any]]] = []
        for row in rows:
            payload = payload_of(uow, row)
            home = homes.get(row.adolescent_id) if row.adolescent_id is not None else None
            if payload.get("erased"):
                _cancel(row, "erased with the chat content")
            elif row.expires_at is not None and row.expires_at <= now:
                _cancel(row, "expired before it could be sent")
            elif row.adolescent_id is not None and (
                (row.adolescent_id, row.channel, row.external_chat_id) not in links
            ):
                _cancel(row, "the chat is no longer linked to the case")
            elif row.attempts > self.max_attempts:
                await self._fail(uow, row, f"gave up after {row.attempts - 1} attempts")
            elif (
                not row.urgent
                and home is not None
                and in_quiet_hours(now, home.quiet_start, home.quiet_end, home.timezone)
            ):
                row.status = PENDING
                row.not_before = quiet_period_end(
                    now, home.quiet_start, home.quiet_end, home.timezone
                )
                row.attempts -= 1
                row.lease_until = None
                row.claim_token = None
            else:
                keep.append((row, payload))
        return keep

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
            held_for = asyncio.get_running_loop().time() - claim.claimed_at
            if held_for > self.lease.total_seconds() / 2:
                log.warning("outbox row %s: claim too old to start a call; released", claim.id)
                return Outcome(claim, Verdict.RELEASE)
            client = self._clients[claim.channel]
            try:
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
            self._progress.set()

    async def _write(self, outcomes: Sequence[Outcome]) -> None:
        async with self._db_turn(), self._uow_factory() as uow:
            now = uow.now()
            ordered = sorted(outcomes, key=lambda o: o.claim.id)
            await self._record_sent(uow, [o for o in ordered if o.verdict is Verdict.SENT], now)
            for outcome in ordered:
                if outcome.verdict is not Verdict.SENT:
                    await self._apply(uow, outcome, now)
            await uow.commit()

    async def _record_sent(self, uow: UnitOfWork, sent: Sequence[Outcome], now: datetime) -> None:
        """Mark delivered rows sent: one statement for the lot, then a check that each
        row was still ours. A row cancelled while its call was in flight was delivered
        all the same: it is marked sent too, so that "clear the chat" can delete it."""
        if not sent:
            return
        connection = await uow.session.connection()
        marked = await connection.execute(
            self._mark_sent,
            [
                {
                    "row_id": o.claim.id,
                    "row_token": o.claim.token,
                    "row_sent_at": now,
                    "row_message_id": o.message_id,
                }
                for o in sent
            ],
        )
        if marked.rowcount == len(sent):
            return  # every row was still ours: nothing to look up
        found = await connection.execute(
            select(OutboxMessage.id, OutboxMessage.claim_token, OutboxMessage.status).where(
                OutboxMessage.id.in_([o.claim.id for o in sent])
            )
        )
        state = {row_id: (token, status) for row_id, token, status in found.all()}
        for outcome in sent:
            if state.get(outcome.claim.id) != (outcome.claim.token, OutboxStatus.SENT):
                log.warning(
                    "outbox row %s was delivered after its claim lapsed and was taken by "
                    "another sender: the chat may get it twice",
                    outcome.claim.id,
                )

    async def _apply(self, uow: UnitOfWork, outcome: Outcome, now: datetime) -> None:
        claim = outcome.claim
        mine = and_(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
        verdict = outcome.verdict
        if verdict is Verdict.RETRY and claim.attempts >= self.max_attempts:
            verdict = Verdict.FAILED
        mine = and_(mine, OutboxMessage.status == SENDING)
        if verdict is Verdict.RELEASE:
            changed = await _update(
                uow,
                mine,
                status=PENDING,
                lease_until=None,
                claim_token=None,
                attempts=OutboxMessage.attempts - 1,
            )
        elif verdict is Verdict.RETRY:
            delay = outcome.after if outcome.after is not None else self._backoff(claim.attempts)
            changed = await _update(
                uow,
                mine,
                status=PENDING,
                not_before=now + timedelta(seconds=max(0.0, delay)),
                lease_until=None,
                claim_token=None,
                last_error=outcome.error[:300] or "retry",
            )
        elif verdict is Verdict.FAILED:
            row = await uow.session.scalar(select(OutboxMessage).where(mine))
            changed = row is not None
            if row is not None:
                await self._fail(uow, row, outcome.error or "refused by the platform")
        else:
            changed = await self._chat_gone(uow, claim, mine, outcome.error)
        if not changed:
            log.warning(
                "outbox row %s: claim lapsed or row cancelled; %s not recorded",
                claim.id,
                verdict.value,
            )

    def _backoff(self, attempts: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1)))

    async def _fail(self, uow: UnitOfWork, row: OutboxMessage, error: str) -> None:
        row.status = OutboxStatus.FAILED
        row.lease_until = None
        row.last_error = error[:300]
        if row.adolescent_id is not None:
            await flags.raise_flag(
                uow,
                row.adolescent_id,
                category=FlagCategory.DELIVERY_FAILED,
                severity=Severity.HIGH if row.urgent else Severity.MEDIUM,
                detail=f"Un mensaje por {row.channel.value} no se pudo entregar: {error}",
                dedupe_key=f"outbox:{row.id}:failed",
            )

    async def _chat_gone(self, uow: UnitOfWork, claim: Claim, mine: Any, error: str) -> bool:
        changed = await _update(
            uow,
            mine,
            status=OutboxStatus.FAILED,
            lease_until=None,
            last_error=f"chat gone: {error}"[:300],
        )
        if not changed:
            return False
        await uow.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == claim.channel,
                OutboxMessage.external_chat_id == claim.chat_id,
                OutboxMessage.status == PENDING,
            )
            .values(status=OutboxStatus.CANCELLED, last_error="chat gone")
            .execution_options(synchronize_session=False)
        )
        link = await chats.active_link(uow, claim.channel, claim.chat_id)
        if link is not None:
            await linking.unlink_chat(uow, link, "chat_gone")
            await flags.raise_flag(
                uow,
                link.adolescent_id,
                category=FlagCategory.CHAT_GONE,
                severity=Severity.MEDIUM,
                detail=f"El chat de {claim.channel.value} ya no recibe mensajes: {error}",
                dedupe_key=f"chat_gone:{link.id}",
            )
        return True


def _cancel(row: OutboxMessage, reason: str) -> None:
    row.status = OutboxStatus.CANCELLED
    row.lease_until = None
    row.last_error = reason


async def _update(uow: UnitOfWork, where: Any, **values: Any) -> bool:
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def _first_of(*events: asyncio.Event, within: float) -> None:
    """Wait until one of ``events`` is set, at most ``within`` seconds."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
