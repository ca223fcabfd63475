"""What an outbox row carries (encrypted in ``payload_ciphertext``), as a dict.

A screen: ``text``, ``buttons`` (rows of ``[label, action]``), ``voice_key`` and
``language`` (``dialogs.screens.Screen`` writes and reads these), and ``from_staff``
(the staff id) when it is a staff member's reply. A deletion (kind DELETE):
``message_ids``, the platform ids of the messages to delete. A row whose words were
erased with the chat content holds only ``{"erased": true}`` and is never sent.
Transports may add their own keys (a WhatsApp template hint, a parked copy's notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ERASED = "erased"


def screen(
    text: str,
    buttons: Sequence[Sequence[tuple[str, str]]] = (),
    *,
    voice_key: str | None = None,
    language: str | None = None,
    from_staff: int | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "text": text,
        "buttons": [[[label, action] for label, action in row] for row in buttons],
        "voice_key": voice_key,
        "language": language,
    }
    if from_staff is not None:
        payload["from_staff"] = from_staff
    return payload


def deletion(message_ids: Sequence[str]) -> dict[str, Any]:
    return {"message_ids": list(message_ids)}


def erased(payload: dict[str, Any]) -> bool:
    return bool(payload.get(ERASED))


def deleted_ids(payload: dict[str, Any]) -> list[str]:
    return [str(message_id) for message_id in payload.get("message_ids", [])]


def staff_author(payload: dict[str, Any]) -> int | None:
    staff = payload.get("from_staff")
    return staff if isinstance(staff, int) else None
