"""WhatsApp's 24-hour customer-service window, and the messages parked outside it.

A business may write freely to a person only within 24 hours of that person's last
message (``ChatSession.last_inbound_at``, set by the webhook in the transaction that
stores the message). Outside the window only an approved template may go. So:

- A row with a **template hint** (reminders, check-ins) goes as its template.
- Any other row (a staff reply, a late answer) is **parked**: the chat gets the
  content-free ``mensaje_pendiente`` notice ("Tienes un mensaje nuevo en Rumbo",
  with a "📩 Ver mensaje" button) in its place, and a copy of the row waits in the
  outbox (pending, ``dedupe_key`` ``wa-park:<chat>:...``, ``not_before`` three days
  ahead) so that it blocks nothing else of the chat. As soon as the adolescent taps
  the button or writes anything, the webhook wakes the parked copies in the same
  transaction and the sender delivers them inside the reopened window. One notice
  covers every message parked until then. A parked copy still undelivered after
  three days fails with a clear reason, which flags it to staff (the sender raises
  ``DELIVERY_FAILED``).

Nothing that needs a template is ever sent as free text: the window is checked
before each send, with a few minutes' margin, and if WhatsApp still answers 131047
(re-engagement needed) the row takes the outside-the-window path.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.services import chats, outbox
from plan_store.unit_of_work import UnitOfWork

WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)
"""Free text only while more than this is left of the window: the send happens a
little after the check, and Meta's clock is not ours."""
PARK_FOR = timedelta(days=3)
PARK_PREFIX = "wa-park:"
PARKED_KEY = "wa_parked"
"""Payload key of a parked copy: ``{"since": iso time, "notice": notice wamid}``."""


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    if last_inbound_at is None:
        return False
    return now - last_inbound_at < WINDOW - WINDOW_MARGIN


async def last_inbound(uow: UnitOfWork, chat_id: str) -> datetime | None:
    return await chats.last_inbound_at(uow, Channel.WHATSAPP, chat_id)


def _parked(chat_id: str) -> Any:
    return (
        (OutboxMessage.channel == Channel.WHATSAPP)
        & (OutboxMessage.external_chat_id == chat_id)
        & (OutboxMessage.status == OutboxStatus.PENDING)
        & OutboxMessage.dedupe_key.startswith(PARK_PREFIX, autoescape=True)
    )


async def waiting_notice(uow: UnitOfWork, chat_id: str) -> str | None:
    """The notice already covering the chat's parked messages, if any wait."""
    rows = await uow.session.scalars(
        select(OutboxMessage).where(_parked(chat_id)).order_by(OutboxMessage.id).limit(5)
    )
    for row in rows:
        parked = outbox.payload_of(uow, row).get(PARKED_KEY)
        if isinstance(parked, dict) and isinstance(parked.get("notice"), str):
            return str(parked["notice"])
    return None


async def park(
    uow: UnitOfWork,
    chat_id: str,
    payload: dict[str, Any],
    *,
    notice_id: str,
    adolescent_id: int | None,
    last_inbound_at: datetime | None,
) -> OutboxMessage:
    """Keep ``payload`` for the chat's next window; idempotent per closed window."""
    now = uow.now()
    content = {k: v for k, v in payload.items() if k != PARKED_KEY}
    # A keyed hash: the key names no phone number (the chat's column is encrypted).
    digest = uow.cipher.lookup_hash(
        json.dumps(
            [chat_id, last_inbound_at.isoformat() if last_inbound_at else None, content],
            sort_keys=True,
            ensure_ascii=False,
        )
    )[:32]
    return await outbox.enqueue(
        uow,
        channel=Channel.WHATSAPP,
        external_chat_id=chat_id,
        adolescent_id=adolescent_id,
        kind=OutboxKind.SCREEN,
        payload={**content, PARKED_KEY: {"since": now.isoformat(), "notice": notice_id}},
        dedupe_key=f"{PARK_PREFIX}{digest}",
        urgent=True,  # it goes out when the adolescent has just written: answer at once
        not_before=now + PARK_FOR,
    )


def parked_since(payload: dict[str, Any]) -> datetime | None:
    parked = payload.get(PARKED_KEY)
    if not isinstance(parked, dict):
        return None
    try:
        return datetime.fromisoformat(str(parked.get("since")))
    except ValueError:
        return None


async def wake_parked(uow: UnitOfWork, chat_id: str) -> int:
    """Make the chat's parked messages due now (it just wrote: the window is open)."""
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(_parked(chat_id))
        .values(not_before=uow.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
