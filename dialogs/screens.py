"""What the conversation says: screens with text, buttons and an optional voice prompt.

A screen is channel-neutral. Telegram renders buttons as an inline keyboard,
WhatsApp as reply buttons or a list, the web chat as HTML buttons. A screen is also
what the outbox stores (``to_payload`` / ``from_payload``, in the format of
``plan_store.outbox.payload``), so a reply survives a crash between the decision
and its delivery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plan_store.outbox import payload as payloads

MAX_TEXT = 4096  # Telegram's limit; the strictest of our channels for text
MAX_ACTION_BYTES = 64  # Telegram's callback_data limit


@dataclass(frozen=True, slots=True)
class Button:
    """A tap: ``label`` is what the adolescent reads, ``action`` what comes back.

    ``action`` is compact (``"goal:12"``, ``"appt:ok:7"``) and is always validated
    again against the chat's own case when it comes back: it is never trusted.
    """

    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode("utf-8")) > MAX_ACTION_BYTES:
            raise ValueError(f"button action over {MAX_ACTION_BYTES} bytes: {self.action!r}")


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    voice_key: str | None = None
    """A message key whose recorded voice note, if one exists, is sent beside the text
    (in ``language``; see ``locales.voice``)."""
    language: str | None = None
    """The chat's language code when the screen was written (None: Spanish)."""

    def to_payload(self) -> dict[str, Any]:
        return payloads.screen(
            self.text,
            [[(b.label, b.action) for b in row] for row in self.buttons],
            voice_key=self.voice_key,
            language=self.language,
        )

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Screen:
        return cls(
            text=str(payload.get("text", "")),
            buttons=tuple(
                tuple(Button(str(label), str(action)) for label, action in row)
                for row in payload.get("buttons", [])
            ),
            voice_key=_optional_str(payload.get("voice_key")),
            language=_optional_str(payload.get("language")),
        )

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(slots=True)
class Reply:
    """Everything one event produced."""

    screens: list[Screen] = field(default_factory=list)
    clear_chat: bool = False
    """Delete every message the bot sent to this chat (for shared phones)."""
    adolescent_id: int | None = None
    """The case the chat is linked to after the event, if any (None after withdrawal)."""
