"""The main menu, and "home": the right first screen for where the chat is.

Home is the menu for a linked chat with consent; the consent screen for a linked
chat without it; the code (or language) screen for an unlinked chat. Old or forged
buttons land here too, with a short apology.
"""

from __future__ import annotations

from dialogs import actions, consent, labels, language, linking
from dialogs.common import Level, State, Turn, button
from dialogs.screens import Button
from locales.core_strings import MY_APPOINTMENTS, MY_GOALS, PRIVACY, TALK_TO_MY_OPERATOR

VOICE_KEY = "menu"
"""The main menu's voice prompt: what each button does, without the alias."""


async def home(turn: Turn, note: str | None = None) -> None:
    if turn.level is Level.OPEN:
        await show(turn, note)
    elif turn.level is Level.PENDING:
        await consent.show(turn, note)
    elif turn.session.language is None and note is None:
        await language.show(turn, welcome=True)
    else:
        await linking.ask_code(turn, note)


async def stale(turn: Turn) -> None:
    """An old, foreign or forged button: say so kindly and show home."""
    note = labels.STALE if turn.level is Level.OPEN else labels.STALE_GATE
    await home(turn, turn.t.gettext(note))


async def show(turn: Turn, note: str | None = None) -> None:
    t = turn.t
    assert turn.case is not None
    turn.go(State.MENU)
    # Translators: the main menu; {name} is the nickname the adolescent chose.
    text = t.gettext("¿Qué quieres hacer, {name}?").format(name=turn.case.alias)
    turn.say(text, await buttons(turn), note=note, voice_key=VOICE_KEY)


async def buttons(turn: Turn) -> list[list[Button]]:
    t = turn.t
    operator = await turn.operator()
    if operator:
        # Translators: button; {name} is the first name of the adolescent's operator
        # (the adult in the home who looks after them), e.g. "🙋 Hablar con Laura".
        talk = t.gettext("🙋 Hablar con {name}").format(name=operator)
    else:
        talk = t.gettext(TALK_TO_MY_OPERATOR)
    return [
        [
            button(t.gettext(MY_GOALS), actions.GOALS),
            button(t.gettext(MY_APPOINTMENTS), actions.APPOINTMENTS),
        ],
        [button(talk, actions.OPERATOR)],
        [
            button(t.gettext(PRIVACY), actions.PRIVACY),
            button(t.gettext(labels.HELP), actions.HELP),
        ],
        [button(t.gettext(labels.LANGUAGE), actions.LANGUAGE)],
    ]
