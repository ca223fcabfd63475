"""Writing outgoing messages to the outbox.

A producer (a dialog reply, a reminder job, a staff reply) only writes a row, in the
same transaction as the change that caused it. Delivery is ``bot.outbox``'s job.
The payload is encrypted: it may hold goals, appointments or a staff reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select, update

from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.outbox import payload as payloads
from plan_store.services import batches
from plan_store.unit_of_work import UnitOfWork

CHUNK = 500
"""Rows per statement (well under the bound parameters a statement may take)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to add (see ``enqueue`` for what each part means)."""

    channel: Channel
    external_chat_id: str
    payload: dict[str, Any]
    adolescent_id: int | None = None
    kind: OutboxKind = OutboxKind.SCREEN
    dedupe_key: str | None = None
    urgent: bool = False
    not_before: datetime | None = None
    expires_at: datetime | None = None
    """Not worth sending after this."""


async def enqueue(
    uow: UnitOfWork,
    *,
    channel: Channel,
    external_chat_id: str,
    payload: dict[str, Any],
    adolescent_id: int | None = None,
    kind: OutboxKind = OutboxKind.SCREEN,
    dedupe_key: str | None = None,
    urgent: bool = False,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add a message to send; with a ``dedupe_key`` seen before, return that row instead."""
    if dedupe_key is not None:
        existing = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return existing
    message = Outgoing(
        channel=channel,
        external_chat_id=external_chat_id,
        payload=payload,
        adolescent_id=adolescent_id,
        kind=kind,
        dedupe_key=dedupe_key,
        urgent=urgent,
        not_before=not_before,
    )
    row = OutboxMessage(**_columns(uow, message))
    uow.session.add(row)
    await uow.flush()
    uow.outbox_written([(channel, external_chat_id)])
    return row


_TABLE = OutboxMessage.__table__
assert isinstance(_TABLE, Table)
# On the table, not the mapped class, and built once (every reply runs it): the
# ORM's bulk insert costs more CPU than the insert itself for a reply's few rows.
# ``_columns`` names the columns as the mapped attributes are named.
_INSERT = insert(_TABLE)


async def enqueue_many(uow: UnitOfWork, messages: Sequence[Outgoing]) -> None:
    """Add many messages in one statement, their ids in the order given (the order
    they go out in, chat by chat). For a producer that has looked its dedupe keys up
    itself, all at once: a key taken meanwhile fails the statement (IntegrityError),
    so a message is never added twice."""
    if messages:
        # What the ORM's statement did first: the rows a message refers to that are
        # still pending (a case created in this transaction) are written before it.
        await uow.flush()
        await uow.session.execute(_INSERT, [_columns(uow, message) for message in messages])
        uow.outbox_written((message.channel, message.external_chat_id) for message in messages)


def _columns(uow: UnitOfWork, message: Outgoing) -> dict[str, Any]:
    now = uow.now()
    plain = json.dumps(message.payload, ensure_ascii=False)
    return {
        "channel": message.channel,
        "external_chat_id": message.external_chat_id,
        "adolescent_id": message.adolescent_id,
        "kind": message.kind,
        "payload_ciphertext": uow.cipher.encrypt(plain),
        "dedupe_key": message.dedupe_key,
        "urgent": message.urgent,
        "status": OutboxStatus.PENDING,
        "not_before": message.not_before or now,
        "created_at": now,
        "expires_at": message.expires_at,
    }


async def queue_clear_chat(
    uow: UnitOfWork, channel: Channel, chat_id: str, dedupe_key: str
) -> None:
    """Queue the deletion of every message sent to the chat ("clear the chat")."""
    sent = await uow.session.scalars(
        select(OutboxMessage.external_message_id).where(
            OutboxMessage.channel == channel,
            OutboxMessage.external_chat_id == chat_id,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.kind != OutboxKind.DELETE,
            OutboxMessage.external_message_id.is_not(None),
        )
    )
    message_ids = [m for m in sent if m]
    if message_ids:
        await enqueue(
            uow,
            channel=channel,
            external_chat_id=chat_id,
            kind=OutboxKind.DELETE,
            payload=payloads.deletion(message_ids),
            dedupe_key=dedupe_key,
            urgent=True,
        )


def payload_of(uow: UnitOfWork, row: OutboxMessage) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(uow.cipher.decrypt(row.payload_ciphertext))
    return data


async def cancel_pending_for(uow: UnitOfWork, adolescent_id: int) -> int:
    """Stop everything not yet sent to an adolescent (withdrawal, closing)."""
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.adolescent_id == adolescent_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.CANCELLED, last_error="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_pending_keyed(uow: UnitOfWork, adolescent_id: int, prefix: str) -> int:
    """Stop what waits to be sent to an adolescent under dedupe keys starting with
    ``prefix`` (a kind of message they no longer want, such as follow-up check-ins).
    A row already being sent is left to finish."""
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.adolescent_id == adolescent_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            _keyed(prefix),
        )
        .values(status=OutboxStatus.CANCELLED, last_error="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _keyed(prefix: str) -> ColumnElement[bool]:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return OutboxMessage.dedupe_key.like(f"{escaped}%", escape="\\")


async def waiting_keyed(uow: UnitOfWork, prefix: str) -> list[tuple[int, str]]:
    """The id and dedupe key of every row still pending under keys starting with
    ``prefix`` (for a producer deciding which of its messages no longer hold)."""
    found = await uow.session.execute(
        select(OutboxMessage.id, OutboxMessage.dedupe_key).where(
            OutboxMessage.status == OutboxStatus.PENDING, _keyed(prefix)
        )
    )
    return [(row_id, key or "") for row_id, key in found.all()]


async def cancel_waiting(uow: UnitOfWork, ids: Sequence[int], reason: str) -> None:
    """Cancel these rows if they are still pending: one a sender claimed meanwhile
    is its own."""
    for first in range(0, len(ids), CHUNK):
        await uow.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids[first : first + CHUNK]),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.CANCELLED, last_error=reason)
        )


async def cancel_expired(uow: UnitOfWork, now: datetime) -> int:
    """Rows past their ``expires_at`` that wait for nothing: cancelled in bulk."""
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at <= now,
        )
        .values(status=OutboxStatus.CANCELLED, last_error="expired before it could be sent")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class Backlog:
    """What waits in the outbox: rows not delivered yet (pending or being sent), and
    since when the oldest due one has been due (None when none is)."""

    depth: int
    oldest_due_since: datetime | None


async def backlog(uow: UnitOfWork) -> Backlog:
    waiting = OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
    depth = await uow.session.scalar(select(func.count()).where(waiting))
    oldest = await uow.session.scalar(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= uow.now()
        )
    )
    return Backlog(int(depth or 0), oldest)


async def taken_keys(uow: UnitOfWork, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` an outbox row holds already (sent, waiting or cancelled)."""
    return await batches.taken(uow, OutboxMessage.dedupe_key, keys)
