"""WhatsApp's 24-hour customer-service window, and the messages parked outside it.

A business may write freely to a person only within 24 hours of that person's last
message (``ChatSession.last_inbound_at``, set by the webhook in the transaction that
stores the message). Outside the window only an approved template may go. So:

- A row with a **template hint** (reminders, check-ins) goes as its template.
- Any other row (a staff reply, a late answer) is **parked**: the chat gets the
  content-free ``mensaje_pendiente`` notice ("Tienes un mensaje nuevo en Rumbo",
  with a "📩 Ver mensaje" button) in its place, and a copy of the row waits in the
  outbox (pending, ``dedupe_key`` ``wa-park:<keyed hash>``, ``not_before`` three days
  ahead) so that it blocks nothing else of the chat. As soon as the adolescent taps
  the button or writes anything, the webhook wakes the parked copies in the same
  transaction and the sender delivers them inside the reopened window. One notice
  covers every message parked until then. A parked copy still undelivered after
  three days fails with a clear reason, which flags it to staff (the sender raises
  ``DELIVERY_FAILED``). The outbox owns the parked copies (``plan_store.outbox.parking``).

Nothing that needs a template is ever sent as free text: the window is checked
before each send, with a few minutes' margin, and if WhatsApp still answers 131047
(re-engagement needed) the row takes the outside-the-window path.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from plan_store.enums import Channel
from plan_store.services import chats
from plan_store.unit_of_work import UnitOfWork

WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)
"""Free text only while more than this is left of the window: the send happens a
little after the check, and Meta's clock is not ours."""


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    if last_inbound_at is None:
        return False
    return now - last_inbound_at < WINDOW - WINDOW_MARGIN


async def last_inbound(uow: UnitOfWork, chat_id: str) -> datetime | None:
    return await chats.last_inbound_at(uow, Channel.WHATSAPP, chat_id)
