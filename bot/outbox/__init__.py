"""Delivery of the outbox: rate limits, retries, idempotency (see ``channel``).

``sender.OutboxSender`` claims due rows with a lease, calls a ``ChannelClient`` per
row outside any transaction and records the outcome; ``limits`` paces the calls;
``quiet`` keeps what can wait out of a home's night.
"""

from bot.outbox.channel import ChannelClient, ChatGone, DeliveryError, PermanentFailure, RetryLater
from bot.outbox.limits import ChannelLimits, OutboxConfig, RateLimits
from bot.outbox.sender import OutboxSender

__all__ = [
    "ChannelClient",
    "ChannelLimits",
    "ChatGone",
    "DeliveryError",
    "OutboxConfig",
    "OutboxSender",
    "PermanentFailure",
    "RateLimits",
    "RetryLater",
]
