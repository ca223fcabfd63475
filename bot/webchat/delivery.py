"""Delivery for the web chat: the page pulls its messages from the outbox.

There is no platform to push to. The outbox rows of a web chat (channel WEBCHAT) are
"delivered" when the page that shows them is rendered: ``pull`` marks the chat's due
rows sent (``status`` SENT, ``external_message_id`` the row id) in the same
transaction that reads them, and ``transcript`` lists what the chat shows: every
screen sent, minus those a "clear the chat" deletion removed. The outbox sender
never needs a client for this channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from dialogs.screens import Screen
from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.services.chats import active_link
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWork

SHOWN = 200
"""At most this many of the latest messages are shown."""


@dataclass(frozen=True, slots=True)
class Shown:
    """One message on the page: a screen the bot sent."""

    id: int
    screen: Screen
    staff_id: int | None = None
    """Who wrote it, when it is a staff reply rather than a screen of the conversation."""


@dataclass(frozen=True, slots=True)
class Transcript:
    messages: list[Shown]
    cleared_up_to: int
    """The id of the newest deletion row: what the adolescent wrote before it is gone too."""


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
        reason = None
        if payload_of(uow, row).get("erased"):
            reason = "erased with the chat content"
        elif row.expires_at is not None and row.expires_at <= now:
            reason = "expired before it could be sent"
        elif row.adolescent_id is not None and row.adolescent_id != linked_case:
            reason = "the chat is no longer linked to the case"
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


async def pending_count(uow: UnitOfWork, chat_id: str) -> int:
    """How many messages wait for the page to show them."""
    count = await uow.session.scalar(
        select(func.count(OutboxMessage.id)).where(*_due(chat_id, uow.now()))
    )
    return int(count or 0)


async def transcript(uow: UnitOfWork, chat_id: str, *, limit: int = SHOWN) -> Transcript:
    """The chat as it now stands: sent screens, oldest first, deleted ones left out."""
    rows = list(
        await uow.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == Channel.WEBCHAT,
                OutboxMessage.external_chat_id == chat_id,
                OutboxMessage.status == OutboxStatus.SENT,
            )
            .order_by(OutboxMessage.id)
        )
    )
    deleted: set[str] = set()
    cleared_up_to = 0
    for row in rows:
        if row.kind is OutboxKind.DELETE:
            ids = payload_of(uow, row).get("message_ids", [])
            deleted.update(str(message_id) for message_id in ids)
            cleared_up_to = max(cleared_up_to, row.id)
    shown = [
        message
        for row in rows
        if row.kind is not OutboxKind.DELETE and row.external_message_id not in deleted
        if (message := _shown(uow, row)) is not None
    ]
    return Transcript(shown[-limit:], cleared_up_to)


def _shown(uow: UnitOfWork, row: OutboxMessage) -> Shown | None:
    """The row as shown; None when its words were erased."""
    payload = payload_of(uow, row)
    if payload.get("erased"):
        return None
    staff = payload.get("from_staff")
    try:
        screen = Screen.from_payload(payload)
    except (TypeError, ValueError):
        screen = Screen("…")
    return Shown(row.id, screen, staff if isinstance(staff, int) else None)


async def newest_id(uow: UnitOfWork, chat_id: str) -> int:
    """The id of the chat's newest outbox row (0 for none): a place in the transcript."""
    newest = await uow.session.scalar(
        select(func.max(OutboxMessage.id)).where(
            OutboxMessage.channel == Channel.WEBCHAT, OutboxMessage.external_chat_id == chat_id
        )
    )
    return int(newest or 0)
