"""WhatsApp messages parked outside the 24-hour window, and their wake-up.

Outside the window only an approved template may go, so a row that is not one is
**parked**: the chat gets a content-free notice in its place, and a copy of the row
waits in the outbox (pending, ``dedupe_key`` ``wa-park:<keyed hash>``, ``not_before``
three days ahead) so that it blocks nothing else of the chat. As soon as the
adolescent writes, the webhook wakes the parked copies in the same transaction and
the sender delivers them inside the reopened window. A parked copy still
undelivered after three days fails with a clear reason (``bot.whatsapp.window``
says when the window is open; ``bot.whatsapp.client`` decides to park).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage
from plan_store.services import outbox
from plan_store.unit_of_work import UnitOfWork

PARK_FOR = timedelta(days=3)
PARK_PREFIX = "wa-park:"
PARKED_KEY = "wa_parked"
"""Payload key of a parked copy: ``{"since": iso time, "notice": notice wamid}``."""


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
