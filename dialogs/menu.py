"""The main menu of a linked chat with consent (``dialogs.home`` decides when)."""

from __future__ import annotations

from dialogs import actions, labels
from dialogs.common import State, Turn, button
from dialogs.screens import Button
from locales.core_strings import MY_APPOINTMENTS, MY_GOALS, PRIVACY, TALK_TO_MY_OPERATOR

VOICE_KEY = "menu"
"""The main menu's voice prompt: what each button does, without the alias."""


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
