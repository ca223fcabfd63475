"""Reading a WhatsApp Cloud API webhook body: messages and status callbacks.

The body is ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {...}}]}]}``; each ``value`` names the business number it is for
(``metadata.phone_number_id``) and holds ``messages`` (what people sent), ``statuses``
(what became of our messages) and ``errors``. Anything for another number, or of a
shape this does not know, is left out: the webhook answers 200 for it all the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dialogs.events import without_controls

MAX_TEXT_CHARS = 4096
STATUSES = ("sent", "delivered", "read", "failed")

MEDIA_TYPES = frozenset({"image", "video", "document", "sticker"})
"""Media the conversation cannot read (a caption is read as text)."""
OTHER_CONTENT = frozenset({"location", "contacts", "order", "unsupported"})
"""Things a person sent that the conversation cannot read."""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message a person sent: ``kind`` is WhatsApp's message type."""

    wamid: str
    wa_id: str
    kind: str
    sent_at: datetime | None
    text: str = ""
    choice: str | None = None
    media_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    wamid: str
    status: str
    recipient: str
    at: datetime | None
    errors: tuple[tuple[int | None, str], ...] = ()

    @property
    def error_text(self) -> str:
        return "; ".join(f"{code} {title}".strip() for code, title in self.errors)


@dataclass(slots=True)
class WebhookBatch:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


MAX_STORED_ID = 64
"""``OutboxMessage.external_message_id`` holds 64 characters."""
MAX_UPDATE_ID = 128
"""``ProcessedUpdate.update_id`` holds 128 characters."""


def stored_id(wamid: str, limit: int = MAX_STORED_ID) -> str:
    """A wamid as Rumbo stores it: as is when it fits, else a digest of it.

    WhatsApp does not promise a length; most wamids are about 60 characters, and
    they grow with the phone number. The same function maps a status callback's
    wamid to the stored one."""
    if len(wamid) <= limit:
        return wamid
    return "wamid#" + hashlib.sha256(wamid.encode("utf-8")).hexdigest()[: limit - 6]


def clean(text: str) -> str:
    """Text without control characters (other than tab and newlines), bounded."""
    return without_controls(text)[:MAX_TEXT_CHARS]


def timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse(data: Any, phone_number_id: str | None) -> WebhookBatch:
    """The messages and statuses of a webhook body meant for ``phone_number_id``."""
    batch = WebhookBatch()
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        return batch
    for entry in _dicts(data.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if phone_number_id is not None and str(number) != phone_number_id:
                continue
            contacts = list(_dicts(value.get("contacts")))
            fallback_wa_id = str(contacts[0].get("wa_id") or "") if len(contacts) == 1 else ""
            for message in _dicts(value.get("messages")):
                parsed = _message(message, fallback_wa_id)
                if parsed is not None:
                    batch.messages.append(parsed)
            for status in _dicts(value.get("statuses")):
                parsed_status = _status(status)
                if parsed_status is not None:
                    batch.statuses.append(parsed_status)
            for error in _dicts(value.get("errors")):
                batch.errors.append(f"{error.get('code')} {error.get('title', '')}".strip())
    return batch


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _message(message: dict[str, Any], fallback_wa_id: str) -> InboundMessage | None:
    wamid = message.get("id")
    wa_id = str(message.get("from") or fallback_wa_id)
    kind = message.get("type")
    if not isinstance(wamid, str) or not wamid or not wa_id or not isinstance(kind, str):
        return None
    sent_at = timestamp(message.get("timestamp"))

    def make(
        kind: str, *, text: str = "", choice: str | None = None, media_id: str | None = None
    ) -> InboundMessage:
        return InboundMessage(
            wamid=wamid,
            wa_id=wa_id,
            kind=kind,
            sent_at=sent_at,
            text=text,
            choice=choice,
            media_id=media_id,
        )

    raw_body = message.get(kind)
    body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
    if kind == "text":
        return make(kind, text=clean(str(body.get("body") or "")))
    if kind == "interactive":
        reply = body.get(str(body.get("type")))
        if isinstance(reply, dict) and isinstance(reply.get("id"), str) and reply["id"]:
            return make(kind, choice=reply["id"])
        return make("unsupported")
    if kind == "button":  # a template's quick-reply button
        payload = body.get("payload")
        if isinstance(payload, str) and payload:
            return make(kind, choice=payload)
        return make("text", text=clean(str(body.get("text") or "")))
    if kind == "audio":
        media_id = body.get("id")
        if not isinstance(media_id, str) or not media_id:
            return make("unsupported")
        return make(kind, media_id=media_id)
    if kind in MEDIA_TYPES:
        return make(kind, text=clean(str(body.get("caption") or "")))
    return make(kind)


def _status(status: dict[str, Any]) -> StatusUpdate | None:
    wamid, value = status.get("id"), status.get("status")
    if not isinstance(wamid, str) or not wamid or value not in STATUSES:
        return None
    errors = tuple(
        (_int_or_none(error.get("code")), str(error.get("title") or error.get("message") or ""))
        for error in _dicts(status.get("errors"))
    )
    return StatusUpdate(
        wamid=wamid,
        status=str(value),
        recipient=str(status.get("recipient_id") or ""),
        at=timestamp(status.get("timestamp")),
        errors=errors,
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
