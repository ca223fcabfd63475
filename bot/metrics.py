"""The bot's Prometheus counters (``prometheus-client``), in the process's default
registry; ``rumbo.observe`` serves them at ``/metrics``. Labels are channels and
outcomes only: never a chat, a case or a word."""

from __future__ import annotations

from prometheus_client import Counter

INBOUND = Counter(
    "rumbo_inbound_updates",
    "Updates received from the chat platforms, by channel and outcome "
    "(applied, duplicate: delivered again and ignored, failed: the dialogs failed on it, "
    "and it was kept by their recovery or answered with only an apology).",
    ["channel", "outcome"],
)
DELIVERIES = Counter(
    "rumbo_outbox_deliveries",
    "Outbox rows handed to a platform, by channel and outcome (sent, retry, failed, gone).",
    ["channel", "outcome"],
)
RATE_LIMITED = Counter(
    "rumbo_platform_rate_limited",
    "429 (too many requests) answers from the platforms, by channel.",
    ["channel"],
)
