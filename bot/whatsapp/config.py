"""What the WhatsApp channel needs to know, given by whoever starts it."""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC_GRAPH_API = "https://graph.facebook.com/v21.0"


@dataclass(frozen=True, slots=True)
class WhatsAppConfig:
    token: str | None
    app_secret: str | None
    phone_number_id: str | None
    verify_token: str | None = None
    api_url: str = PUBLIC_GRAPH_API
    database_url: str | None = None
    """For a client that opens its own engine (no unit-of-work factory given)."""
    data_key: str | None = None
    """With ``database_url``: the key that reads the outbox."""
