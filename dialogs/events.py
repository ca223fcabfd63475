"""What the adolescent did: the input side of the conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    """Text as a transport hands it over: without control characters other than tab
    and line breaks (the conversation cleans it further, ``dialogs.common.clean``)."""
    return _CONTROL.sub("", text)


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
    def voice_note(cls, audio: bytes) -> Event:
        return cls(EventKind.VOICE, "", audio)
