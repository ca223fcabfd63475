"""What every sweep does with a message it found due: an outbox row under its key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plan_store.models import Adolescent
from plan_store.services import outbox
from plan_store.services.recipients import Target


def message(
    target: Target,
    case: Adolescent,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    *,
    expires_at: datetime | None = None,
) -> outbox.Outgoing:
    """A message under ``key``, which the sweep has found free
    (``outbox.taken_keys``); the sweep adds all of its messages at once at its end
    (``outbox.enqueue_many``)."""
    return outbox.Outgoing(
        channel=target.channel,
        external_chat_id=target.chat_id,
        adolescent_id=case.id,
        payload=payload,
        dedupe_key=key,
        urgent=False,
        not_before=now,
        expires_at=expires_at,
    )


def full(made: int, limit: int | None) -> bool:
    return limit is not None and made >= limit
