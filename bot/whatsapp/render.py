"""A channel-neutral screen in WhatsApp's terms.

- No buttons: a text message (at most 4096 characters; a longer text is split).
- 1 to 3 buttons: an interactive message with reply buttons (title at most 20
  characters, id at most 256, body at most 1024).
- 4 to 10 buttons: an interactive list (row title at most 24, row description at
  most 72, the list's button at most 20). A row whose label had to be cut carries
  the whole label in its description.
- More than 10 buttons, or a body too long for an interactive message, or buttons
  that cannot be told apart once cut: a numbered text menu ("1. …\\n2. …"), where
  the adolescent types the number.

The layout is a pure function of the screen, so the webhook can tell, from the last
screen sent to a chat, what a typed number means (``numbered_menu``), without any
state kept beside the outbox.

Titles are cut at a word boundary with "…", never inside a character (see
``titles``). Lengths are counted in UTF-16 code units, the stricter reading of
WhatsApp's limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.whatsapp.templates import interface_text
from bot.whatsapp.titles import cut, cut_block, fits, split_block, utf16_length
from dialogs.screens import Button, Screen

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_SECTION_TITLE = 24

EMPTY_BODY = "👇"
"""An interactive message needs a body; a screen of buttons only gets this."""


class Layout(StrEnum):
    TEXT = "text"
    BUTTONS = "buttons"
    LIST = "list"
    NUMBERED = "numbered"


@dataclass(frozen=True, slots=True)
class Rendered:
    """The Cloud API message bodies for one screen (without ``to``), in order.

    ``menu`` holds the actions of a numbered menu, in the order of their numbers.
    """

    layout: Layout
    messages: list[dict[str, Any]]
    menu: tuple[str, ...] = field(default=())


def layout_of(screen: Screen) -> Layout:
    buttons = screen.all_buttons
    if not buttons:
        return Layout.TEXT
    actions = [b.action for b in buttons]
    body = screen.text.strip() or EMPTY_BODY
    if (
        len(set(actions)) != len(actions)
        or not fits(body, MAX_INTERACTIVE_BODY)
        or len(buttons) > MAX_LIST_ROWS
        or any(len(a) > MAX_ROW_ID for a in actions)
    ):
        return Layout.NUMBERED
    if len(buttons) <= MAX_REPLY_BUTTONS:
        titles = [button_title(b) for b in buttons]
        if len(set(titles)) == len(titles):
            return Layout.BUTTONS
    return Layout.LIST


def render(screen: Screen, language: str | None = None) -> Rendered:
    layout = layout_of(screen)
    if layout is Layout.TEXT:
        return Rendered(layout, [text_message(part) for part in split_text(screen.text)])
    if layout is Layout.BUTTONS:
        return Rendered(layout, [reply_buttons(screen)])
    if layout is Layout.LIST:
        return Rendered(layout, [list_message(screen, language)])
    text, actions = numbered_text(screen, language)
    return Rendered(layout, [text_message(text)], tuple(actions))


def numbered_menu(payload: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The actions behind the numbers of a screen payload shown as a numbered menu."""
    try:
        screen = Screen.from_payload(dict(payload))
    except (TypeError, ValueError):
        return None
    if layout_of(screen) is not Layout.NUMBERED:
        return None
    return tuple(b.action for b in screen.all_buttons)


# --------------------------------------------------------------------------- parts


def button_title(button: Button) -> str:
    return cut(button.label, MAX_BUTTON_TITLE) or "…"


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": text, "preview_url": False}}


def reply_buttons(screen: Screen) -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": screen.text.strip() or EMPTY_BODY},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.action, "title": button_title(b)}}
                    for b in screen.all_buttons
                ]
            },
        },
    }


def list_message(screen: Screen, language: str | None) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for button in screen.all_buttons:
        label = " ".join(button.label.split())
        title = cut(label, MAX_ROW_TITLE) or "…"
        row: dict[str, Any] = {"id": button.action, "title": title}
        if title != label:
            row["description"] = cut(label, MAX_ROW_DESCRIPTION)
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": screen.text.strip() or EMPTY_BODY},
            "action": {
                "button": cut(interface_text("list_button", language), MAX_LIST_BUTTON),
                "sections": [{"rows": rows}],
            },
        },
    }


def numbered_text(screen: Screen, language: str | None) -> tuple[str, list[str]]:
    """The screen as text with numbered options, and the actions behind the numbers."""
    buttons = screen.all_buttons
    lines = [f"{n}. {' '.join(b.label.split())}" for n, b in enumerate(buttons, start=1)]
    menu = "\n".join(lines) + "\n\n" + interface_text("menu_hint", language)
    room = MAX_TEXT - utf16_length(menu) - 2
    text = screen.text.strip()
    if room < 1:  # a menu this long is not usable anyway: keep it whole, drop the intro
        return cut_block(menu, MAX_TEXT), [b.action for b in buttons]
    if text:
        return f"{cut_block(text, room)}\n\n{menu}", [b.action for b in buttons]
    return menu, [b.action for b in buttons]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces WhatsApp accepts, cut at line ends or spaces where possible."""
    return split_block(text, limit)
