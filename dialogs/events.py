"""What the adolescent did: the input side of the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    START = "start"  # /start, optionally with a payload (a deep-link linking code)
    TEXT = "text"  # typed text
    CHOICE = "choice"  # a button tapped: ``data`` is the button's action
    VOICE = "voice"  # a voice note: ``voice`` holds the audio (OGG/Opus)


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    data: str = ""
    voice: bytes | None = None
    voice_duration: int = 0

    @classmethod
    def start(cls, payload: str = "") -> Event:
        return cls(EventKind.START, payload)

    @classmethod
    def text(cls, text: str) -> Event:
        return cls(EventKind.TEXT, text)

    @classmethod
    def choice(cls, action: str) -> Event:
        return cls(EventKind.CHOICE, action)

    @classmethod
    def voice_note(cls, audio: bytes, duration: int = 0) -> Event:
        return cls(EventKind.VOICE, "", audio, duration)
