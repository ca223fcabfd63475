"""Choosing the chat's language: each language named in itself; changeable any time."""

from __future__ import annotations

from dialogs import actions, speaker
from dialogs.common import State, Turn, button, typed_command
from dialogs.screens import Button
from locales import LANGUAGES, N_, is_supported
from locales.core_strings import CHOOSE_LANGUAGE, WELCOME
from plan_store.services import translations, voice_prompts
from plan_store.services.translations import UnreviewedMode

# Translators: after a language's name in the language menu, when its main screens are
# not all translated and reviewed yet: "K'iche' — en preparación".
IN_PREPARATION = N_("en preparación")
# Translators: after a language's name in the language menu, when its main screens are
# not all translated yet but recorded voice notes explain them: "K'iche' — con audio".
WITH_AUDIO = N_("con audio")

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
    hide = await translations.unreviewed_mode(turn.uow) is UnreviewedMode.HIDE
    choices = []
    for lang in LANGUAGES:
        name = lang.native_name
        if not translations.core_ready(lang.code):
            if hide and lang.code != current:
                continue
            heard = await voice_prompts.find(turn.uow, speaker.VOICE_KEY, lang.code)
            name = f"{name} — {t.gettext(WITH_AUDIO if heard else IN_PREPARATION)}"
        label = f"{name} ✓" if lang.code == current else name
        choices.append(button(label, actions.language(lang.code)))
    rows: list[list[Button]] = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    turn.say(text, rows, voice_key=WELCOME_VOICE_KEY if welcome else VOICE_KEY)


async def choose(turn: Turn, code: str) -> None:
    if not is_supported(code):
        await turn.stale()
        return
    turn.session.language = code
    turn.use_language(code)
    if not translations.core_ready(code):
        await speaker.tell_partial(turn)
    await turn.go_home()


def typed(text: str) -> str | None:
    """The language a typed word names ("español", "English", "K'iche'"), if any."""
    said = typed_command(text)
    for lang in LANGUAGES:
        if said == typed_command(lang.native_name) or said in _TYPED.get(lang.code, ()):
            return lang.code
    return None
