"""The contract between the outbox sender and a channel's platform client.

The sender claims a row, then calls ``ChannelClient.deliver`` outside any
transaction. The client renders the channel-neutral payload in its platform's terms
and either returns the platform's message id or raises one of the errors below,
which tell the sender what to do with the row.
"""

from __future__ import annotations

from typing import Any, Protocol

from plan_store.enums import Channel, OutboxKind


class DeliveryError(Exception):
    """Base of what a delivery can report instead of success."""


class RetryLater(DeliveryError):
    """Try again: a 429 (``after`` = the platform's retry_after, ``rate_limited``), a
    5xx, a time-out."""

    def __init__(self, reason: str, after: float | None = None, *, rate_limited: bool = False):
        super().__init__(reason)
        self.after = after
        self.rate_limited = rate_limited


class ChatGone(DeliveryError):
    """The chat cannot be reached any more (bot blocked, chat not found): the link
    is made inactive and staff are told."""


class PermanentFailure(DeliveryError):
    """The platform refused this message for good (e.g. malformed): do not retry."""


class ChannelClient(Protocol):
    channel: Channel

    async def deliver(self, kind: OutboxKind, chat_id: str, payload: dict[str, Any]) -> str | None:
        """Send one outbox row; return the platform's message id (None for deletions)."""
        ...
