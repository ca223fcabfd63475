"""What a platform reports back about a message already sent (WhatsApp's status
callbacks: sent, delivered, read, failed)."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select

from plan_store.enums import Channel, FlagCategory, Severity
from plan_store.models import OutboxMessage
from plan_store.services import flags
from plan_store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
"""A later report never takes a row back to an earlier state (callbacks come out of order)."""


async def sent_as(uow: UnitOfWork, channel: Channel, message_id: str) -> list[OutboxMessage]:
    """The rows the platform accepted under ``message_id``."""
    return list(
        await uow.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel, OutboxMessage.external_message_id == message_id
            )
            .order_by(OutboxMessage.id)
        )
    )


async def record(
    uow: UnitOfWork, rows: list[OutboxMessage], status: str, *, message_id: str, error: str | None
) -> None:
    """Note ``status`` on the rows; a failure is written down and flags the case."""
    for row in rows:
        if RANK[status] > RANK.get(row.delivery_status or "", 0):
            row.delivery_status = status
        if status == "failed":
            await _failed(uow, row, message_id, error or "no reason given")


async def _failed(uow: UnitOfWork, row: OutboxMessage, message_id: str, reason: str) -> None:
    row.last_error = f"WhatsApp did not deliver it: {reason}"[:300]
    if row.adolescent_id is None:
        log.warning("a WhatsApp message to an unlinked chat was not delivered: %s", reason)
        return
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:40]
    await flags.raise_flag(
        uow,
        row.adolescent_id,
        category=FlagCategory.DELIVERY_FAILED,
        severity=Severity.HIGH if row.urgent else Severity.MEDIUM,
        detail=f"Un mensaje por WhatsApp no se pudo entregar: {reason}",
        dedupe_key=f"whatsapp:failed:{digest}",
    )
