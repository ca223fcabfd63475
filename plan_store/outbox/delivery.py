"""A sender's claim on due outbox rows, and the outcome it records for each.

The sender (``bot.outbox.sender``) holds no transaction across a platform call: it
claims rows here in one short transaction, calls the platform, then records each
outcome here in another. The rules (which rows are due, the order per chat, what is
cancelled or held back at claim time, what a failure raises) live in this module.

**Claim**: a single ``UPDATE outbox ... WHERE id IN (SELECT ... ORDER BY id LIMIT n
FOR UPDATE SKIP LOCKED)`` turns due rows into ``sending`` with ``lease_until = now +
lease``, ``attempts + 1`` and a fresh random ``claim_token``, and returns the rows
(``RETURNING``: one round trip). Due means pending with ``not_before <= now``, or
``sending`` with a lapsed lease (its sender died). On PostgreSQL, ``SKIP LOCKED`` lets
any number of senders claim disjoint rows; on SQLite the clause is dropped, and the
statement is atomic anyway because it is the transaction's first statement and SQLite
has a single writer. In the same transaction, rows that must not go are settled:
erased, expired and unlinked ones are cancelled, rows tried too often fail, and rows
that can wait are moved to the end of their home's quiet hours.

Order per chat: a row is claimed only when no older row of its chat is in flight
(``sending``) or waiting its turn (pending, and due or already tried). Urgent rows
(replies to the adolescent) only queue behind older urgent rows, so a reminder held
for quiet hours or backing off never holds up a reply; everything else goes out in
id order.

**Record**: ``UPDATE ... WHERE id = :id AND claim_token = :token``. A sender whose
lease lapsed and whose row was claimed again by another finds no row to update: it
cannot overwrite the newer claim.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    literal_column,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from plan_store.enums import Channel, FlagCategory, OutboxKind, OutboxStatus, Severity
from plan_store.models import OUTBOX_WAITING_STATUSES, Adolescent, ChatLink, Home, OutboxMessage
from plan_store.outbox import payload as payloads
from plan_store.quiet_hours import in_quiet_hours, quiet_period_end
from plan_store.services import chats, flags, linking
from plan_store.services.outbox import payload_of
from plan_store.types import UTCDateTime
from plan_store.unit_of_work import UnitOfWork

PENDING, SENDING = OutboxStatus.PENDING, OutboxStatus.SENDING


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row claimed for one sender, with what the platform call needs."""

    id: int
    channel: Channel
    chat_id: str
    kind: OutboxKind
    payload: dict[str, Any]
    urgent: bool
    adolescent_id: int | None
    attempts: int
    token: str


@dataclass(frozen=True, slots=True)
class Sent:
    """A claimed row the platform accepted, under ``message_id``."""

    id: int
    token: str
    message_id: str | None


class Claimer:
    """Claims due rows of ``channels``; built once per sender (its statement is
    built once: building the aliased subqueries costs more than running them)."""

    def __init__(self, channels: Collection[Channel], lease: timedelta, max_attempts: int) -> None:
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        self.lease = lease
        self.max_attempts = max_attempts
        self._channels = frozenset(channels)
        self._statement = _claim_statement(self._channels)

    async def claim(
        self, uow: UnitOfWork, now: datetime, limit: int, *, due_by: datetime | None = None
    ) -> list[Claimed]:
        """Claim up to ``limit`` rows due at ``due_by`` (``now`` by default: a sender
        standing by claims only what has waited for a while) and settle those that
        must not go. The caller commits."""
        if limit <= 0 or not self._channels:
            return []
        token = secrets.token_hex(16)
        # Claimed and read back in one statement (UPDATE ... RETURNING).
        rows = sorted(
            await uow.session.scalars(
                self._statement,
                {
                    "claim_now": now,
                    "claim_due_by": now if due_by is None else min(now, due_by),
                    "claim_limit": limit,
                    "claim_lease": now + self.lease,
                    "claim_token_value": token,
                },
            ),
            key=lambda row: row.id,
        )
        if not rows:
            return []
        keep = await self._settle(uow, rows, now)
        return [
            Claimed(
                id=row.id,
                channel=row.channel,
                chat_id=row.external_chat_id,
                kind=row.kind,
                payload=payload,
                urgent=row.urgent,
                adolescent_id=row.adolescent_id,
                attempts=row.attempts,
                token=token,
            )
            for row, payload in keep
        ]

    async def _settle(
        self, uow: UnitOfWork, rows: Sequence[OutboxMessage], now: datetime
    ) -> list[tuple[OutboxMessage, dict[str, Any]]]:
        """Cancel, fail or hold back what must not go now; return what may go."""
        homes, links = await _homes_and_links(uow, rows)
        keep: list[tuple[OutboxMessage, dict[str, Any]]] = []
        for row in rows:
            payload = payload_of(uow, row)
            home = homes.get(row.adolescent_id) if row.adolescent_id is not None else None
            if payloads.erased(payload):
                _cancel(row, "erased with the chat content")
            elif row.expires_at is not None and row.expires_at <= now:
                _cancel(row, "expired before it could be sent")
            elif row.adolescent_id is not None and (
                (row.adolescent_id, row.channel, row.external_chat_id) not in links
            ):
                _cancel(row, "the chat is no longer linked to the case")
            elif row.attempts > self.max_attempts:
                await _fail(uow, row, f"gave up after {row.attempts - 1} attempts")
            elif (
                not row.urgent
                and home is not None
                and in_quiet_hours(now, home.quiet_start, home.quiet_end, home.timezone)
            ):
                _hold(row, quiet_period_end(now, home.quiet_start, home.quiet_end, home.timezone))
            else:
                keep.append((row, payload))
        return keep


def _claim_statement(channels: frozenset[Channel]) -> Any:
    """``UPDATE outbox SET <claimed> WHERE id IN (<the due rows, oldest first>)``;
    its parameters are ``claim_*``."""
    now = bindparam("claim_now", type_=UTCDateTime())
    due_by = bindparam("claim_due_by", type_=UTCDateTime())
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
            # Redundant with what follows, but it lets the planner read the small
            # index of the rows not yet delivered (``models.OUTBOX_WAITING``).
            candidate.status.in_(
                [literal_column(repr(status.value)) for status in OUTBOX_WAITING_STATUSES]
            ),
            or_(
                and_(candidate.status == PENDING, candidate.not_before <= due_by),
                and_(candidate.status == SENDING, candidate.lease_until <= now),
            ),
            not_(waits_behind),
        )
        .order_by(candidate.id)
        .limit(bindparam("claim_limit", type_=Integer()))
        .with_for_update(skip_locked=True, of=candidate)
    )
    others = [channel for channel in Channel if channel not in channels]
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


async def _homes_and_links(
    uow: UnitOfWork, rows: Sequence[OutboxMessage]
) -> tuple[dict[int, Home], set[tuple[int, Channel, str]]]:
    """Each case's home and active links, in one query."""
    case_ids = {row.adolescent_id for row in rows if row.adolescent_id is not None}
    links: set[tuple[int, Channel, str]] = set()
    homes: dict[int, Home] = {}
    if case_ids:
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
    return homes, links


def _cancel(row: OutboxMessage, reason: str) -> None:
    row.status = OutboxStatus.CANCELLED
    row.lease_until = None
    row.last_error = reason


def _hold(row: OutboxMessage, until: datetime) -> None:
    """Give a claimed row back, due at ``until`` (the claim does not count as a try)."""
    row.status = PENDING
    row.not_before = until
    row.attempts -= 1
    row.lease_until = None
    row.claim_token = None


async def _fail(uow: UnitOfWork, row: OutboxMessage, error: str) -> None:
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


# ---------------------------------------------------------------------- recording

_table = OutboxMessage.__table__
assert isinstance(_table, Table)
_MARK_SENT = (
    update(_table)
    .where(
        _table.c.id == bindparam("row_id"),
        _table.c.claim_token == bindparam("row_token"),
        # Not IN: an expanding parameter cannot take part in an executemany.
        or_(_table.c.status == SENDING, _table.c.status == OutboxStatus.CANCELLED),
    )
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("row_sent_at"),
        external_message_id=bindparam("row_message_id"),
        lease_until=None,
        last_error=None,
    )
)


async def mark_sent(uow: UnitOfWork, sent: Sequence[Sent], now: datetime) -> list[int]:
    """Mark delivered rows sent: one statement for the lot, then a check that each
    row was still ours. A row cancelled while its call was in flight was delivered
    all the same: it is marked sent too, so that "clear the chat" can delete it.

    Returns the ids of rows whose claim had lapsed and been taken by another sender
    (the chat may get them twice)."""
    if not sent:
        return []
    connection = await uow.session.connection()
    marked = await connection.execute(
        _MARK_SENT,
        [
            {
                "row_id": row.id,
                "row_token": row.token,
                "row_sent_at": now,
                "row_message_id": row.message_id,
            }
            for row in sent
        ],
    )
    if marked.rowcount == len(sent):
        return []  # every row was still ours: nothing to look up
    found = await connection.execute(
        select(OutboxMessage.id, OutboxMessage.claim_token, OutboxMessage.status).where(
            OutboxMessage.id.in_([s.id for s in sent])
        )
    )
    state = {row_id: (token, status) for row_id, token, status in found.all()}
    return [s.id for s in sent if state.get(s.id) != (s.token, OutboxStatus.SENT)]


def _mine(claim: Claimed) -> Any:
    return and_(
        OutboxMessage.id == claim.id,
        OutboxMessage.claim_token == claim.token,
        OutboxMessage.status == SENDING,
    )


async def release(uow: UnitOfWork, claim: Claimed) -> bool:
    """Hand an unstarted row back at once (the claim does not count as a try).
    False when the claim lapsed or the row was cancelled meanwhile."""
    return await _update(
        uow,
        _mine(claim),
        status=PENDING,
        lease_until=None,
        claim_token=None,
        attempts=OutboxMessage.attempts - 1,
    )


async def retry(uow: UnitOfWork, claim: Claimed, not_before: datetime, error: str) -> bool:
    return await _update(
        uow,
        _mine(claim),
        status=PENDING,
        not_before=not_before,
        lease_until=None,
        claim_token=None,
        last_error=error[:300] or "retry",
    )


async def fail(uow: UnitOfWork, claim: Claimed, error: str) -> bool:
    """The platform refused the row for good: it fails, and its case is flagged."""
    row = await uow.session.scalar(select(OutboxMessage).where(_mine(claim)))
    if row is None:
        return False
    await _fail(uow, row, error or "refused by the platform")
    return True


async def chat_gone(uow: UnitOfWork, claim: Claimed, error: str) -> bool:
    """The chat no longer exists (blocked, deleted): the row fails, what else waits for
    the chat is cancelled, and the chat is unlinked from its case, which is flagged."""
    changed = await _update(
        uow,
        _mine(claim),
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


async def _update(uow: UnitOfWork, where: Any, **values: Any) -> bool:
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
