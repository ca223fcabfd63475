"""The web chat's delivery: its page pulls the chat's messages from the outbox.

There is no platform to push to. The outbox rows of a web chat (channel WEBCHAT) are
"delivered" when the page that shows them is rendered: ``pull`` marks the chat's due
rows sent (``status`` SENT, ``external_message_id`` the row id) in the same
transaction that reads them. The outbox sender never needs a client for this channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from plan_store.enums import Channel, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.outbox import payload as payloads
from plan_store.services.chats import active_link
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWork


def _due(chat_id: str, now: datetime) -> list[ColumnElement[bool]]:
    return [
        OutboxMessage.channel == Channel.WEBCHAT,
        OutboxMessage.external_chat_id == chat_id,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.not_before <= now,
    ]


async def pull(uow: UnitOfWork, chat_id: str) -> int:
    """Mark the chat's due messages delivered; returns how many. The caller commits.

    As the outbox sender does for the other channels, a row is cancelled instead when
    its words were erased (consent withdrawn), when it expired, or when the chat is
    no longer linked to the row's case. Quiet hours do not apply: nothing is pushed,
    the page shows what is there when someone looks.
    """
    now = uow.now()
    rows = list(
        await uow.session.scalars(
            select(OutboxMessage).where(*_due(chat_id, now)).order_by(OutboxMessage.id)
        )
    )
    if not rows:
        return 0
    link = await active_link(uow, Channel.WEBCHAT, chat_id)
    linked_case = link.adolescent_id if link is not None else None
    count = 0
    for row in rows:
        reason = _not_shown_because(uow, row, now, linked_case)
        if reason is not None:
            row.status = OutboxStatus.CANCELLED
            row.last_error = reason
            continue
        row.status = OutboxStatus.SENT
        row.external_message_id = str(row.id)
        row.attempts += 1
        row.lease_until = None
        row.last_error = None
        row.sent_at = now
        count += 1
    await uow.flush()
    return count


def _not_shown_because(
    uow: UnitOfWork, row: OutboxMessage, now: datetime, linked_case: int | None
) -> str | None:
    if payloads.erased(payload_of(uow, row)):
        return "erased with the chat content"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired before it could be sent"
    if row.adolescent_id is not None and row.adolescent_id != linked_case:
        return "the chat is no longer linked to the case"
    return None


async def pending_count(uow: UnitOfWork, chat_id: str) -> int:
    """How many messages wait for the page to show them."""
    count = await uow.session.scalar(
        select(func.count(OutboxMessage.id)).where(*_due(chat_id, uow.now()))
    )
    return int(count or 0)
