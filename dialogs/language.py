"""Choosing the chat's language: each language named in itself; changeable any time."""

from __future__ import annotations

from dialogs import actions, menu
from dialogs.common import State, Turn, button, typed_command
from dialogs.screens import Button
from locales import LANGUAGES, is_supported
from locales.core_strings import CHOOSE_LANGUAGE, WELCOME

VOICE_KEY = "language"
"""The voice prompt of the language question; ``WELCOME_VOICE_KEY`` when the welcome
comes first (the recording then says both)."""
WELCOME_VOICE_KEY = "welcome"

# Other names people type for a language, as ``typed_command`` leaves them.
_TYPED = {
    "es": ("espanol", "castellano", "spanish", "es"),
    "en": ("english", "ingles", "en"),
    "quc": ("kiche", "quiche", "k iche", "quc"),
    "mam": ("mam",),
    "kek": ("qeqchi", "q eqchi", "kekchi", "kek"),
    "kjb": ("qanjobal", "q anjob al", "kanjobal", "kjb"),
}


async def show(turn: Turn, *, welcome: bool = False) -> None:
    t = turn.t
    turn.go(State.LANGUAGE)
    text = t.gettext(CHOOSE_LANGUAGE)
    if welcome:
        text = f"{t.gettext(WELCOME)}\n\n{text}"
    current = turn.session.language
    choices = [
        button(
            f"{lang.native_name} ✓" if lang.code == current else lang.native_name,
            actions.language(lang.code),
        )
        for lang in LANGUAGES
    ]
    rows: list[list[Button]] = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    turn.say(text, rows, voice_key=WELCOME_VOICE_KEY if welcome else VOICE_KEY)


async def choose(turn: Turn, code: str) -> None:
    if not is_supported(code):
        await menu.stale(turn)
        return
    turn.session.language = code
    turn.use_language(code)
    await menu.home(turn)


def typed(text: str) -> str | None:
    """The language a typed word names ("español", "English", "K'iche'"), if any."""
    said = typed_command(text)
    for lang in LANGUAGES:
        if said == typed_command(lang.native_name) or said in _TYPED.get(lang.code, ()):
            return lang.code
    return None
