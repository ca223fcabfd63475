"""Writing outgoing messages to the outbox.

A producer (a dialog reply, a reminder job, a staff reply) only writes a row, in the
same transaction as the change that caused it. Delivery is ``bot.outbox``'s job.
The payload is encrypted: it may hold goals, appointments or a staff reply.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.unit_of_work import UnitOfWork


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
    row = OutboxMessage(
        channel=channel,
        external_chat_id=external_chat_id,
        adolescent_id=adolescent_id,
        kind=kind,
        payload_ciphertext=uow.cipher.encrypt(json.dumps(payload, ensure_ascii=False)),
        dedupe_key=dedupe_key,
        urgent=urgent,
        status=OutboxStatus.PENDING,
        not_before=not_before or uow.now(),
        created_at=uow.now(),
    )
    uow.session.add(row)
    await uow.flush()
    return row


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
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.adolescent_id == adolescent_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.dedupe_key.like(f"{escaped}%", escape="\\"),
        )
        .values(status=OutboxStatus.CANCELLED, last_error="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)
