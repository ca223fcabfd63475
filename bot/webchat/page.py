"""The web chat page's bubbles and its own words (the conversation's come from the
dialogs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dialogs.screens import Screen
from locales import Translator, format_time


@dataclass(frozen=True, slots=True)
class Item:
    """One bubble on the page."""

    from_bot: bool
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    token: str = ""
    tap: bool = False
    anchor: str = ""
    who: str = ""
    """Who wrote a message from the home's side, when it was a person."""


def page_words(t: Translator) -> dict[str, str]:
    """The web chat page's own words (the conversation's come from the dialogs)."""
    return {
        # Translators: the web chat page's title; a demo of Rumbo in a browser.
        "title": t.gettext("Rumbo — chat de demostración"),
        # Translators: the banner on every web chat page: it is a demo, not a way to
        # reach the team for real.
        "banner": t.gettext("Chat de demostración — no es un canal real"),
        # Translators: under the web chat's banner: what the demo chat is for, and that staff read
        # it.
        "banner_detail": t.gettext(
            "Sirve para probar Rumbo y para capacitar al equipo. "
            "Lo que escribas aquí lo ve el equipo como un chat más."
        ),
        # Translators: shown where a conversation will appear, before any message.
        "empty": t.gettext("Todavía no hay mensajes."),
        # Translators: button that opens the web chat (like Telegram's "Start").
        "start": t.gettext("▶️ Empezar"),
        # Translators: placeholder of the box where the adolescent types.
        "write": t.gettext("Escribe un mensaje"),
        # Translators: button that sends what was typed.
        "send": t.gettext("Enviar"),
        # Translators: link under the web chat; forgets this chat and opens another.
        "new_chat": t.gettext("Empezar un chat nuevo"),
        # Translators: label above what the adolescent wrote in the web chat.
        "you": t.gettext("Tú"),
        # Translators: label above the button the adolescent tapped ("You chose").
        "you_tapped": t.gettext("Elegiste"),
        # Translators: label above the bot's messages; the bot's name.
        "rumbo": t.gettext("Rumbo"),
    }


def wait_text(t: Translator, until: datetime, lang: str, timezone: str) -> str:
    when = format_time(until, lang, ZoneInfo(timezone))
    # Translators: the web chat, after too many tries at a linking code from this
    # computer (or in all); {time} is when to try again, like "14:30".
    return t.gettext("Ya hubo muchos intentos. Prueba otra vez a las {time}.").format(time=when)


def bot_item(screen: Screen, token: str, who: str) -> Item:
    buttons = tuple(
        tuple((button.label, button.action) for button in row) for row in screen.buttons if row
    )
    return Item(True, screen.text, buttons, token, who=who)
