"""What the web chat's page shows: the chat's messages, read from the outbox.

The page "delivers" a web chat's rows by showing them: ``pull`` (the outbox's own,
``plan_store.outbox.webchat``) marks the chat's due rows sent as the page is
rendered, and ``transcript`` lists what the chat shows: every screen sent, minus
those a "clear the chat" deletion removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from dialogs.screens import Screen
from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.outbox import payload as payloads
from plan_store.outbox.webchat import pending_count, pull
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWork

__all__ = ["SHOWN", "Shown", "Transcript", "newest_id", "pending_count", "pull", "transcript"]

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
            deleted.update(payloads.deleted_ids(payload_of(uow, row)))
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
    if payloads.erased(payload):
        return None
    try:
        screen = Screen.from_payload(payload)
    except (TypeError, ValueError):
        screen = Screen("…")
    return Shown(row.id, screen, payloads.staff_author(payload))


async def newest_id(uow: UnitOfWork, chat_id: str) -> int:
    """The id of the chat's newest outbox row (0 for none): a place in the transcript."""
    newest = await uow.session.scalar(
        select(func.max(OutboxMessage.id)).where(
            OutboxMessage.channel == Channel.WEBCHAT, OutboxMessage.external_chat_id == chat_id
        )
    )
    return int(newest or 0)
