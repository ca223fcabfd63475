"""Linking a chat to its case with the one-time code staff give in person
(typed, or carried by a deep link: ``/start CODE``).

Wrong, used and expired codes get a clear, kind answer; after a few wrong codes the
chat must wait (the service counts and blocks: the answer gives no detail).
"""

from __future__ import annotations

import re

from dialogs import actions, labels
from dialogs.common import Level, State, Turn, button, column, menu_button
from dialogs.screens import Button
from locales import is_supported
from locales.core_strings import TALK_TO_A_PERSON
from plan_store.errors import (
    CaseClosed,
    CodeAlreadyUsed,
    CodeAttemptsBlocked,
    CodeExpired,
    CodeInvalid,
)
from plan_store.services import linking


def code_in(text: str) -> str | None:
    """The linking code in ``text``: the whole text ("abcd-2345"), or one word of it
    made of the code's letters with a digit in it ("mi código es ABCD2345")."""
    if linking.looks_like_code(text):
        return text
    for word in re.findall(r"[A-Za-z0-9-]+", text):
        code = linking.normalize_code(word)
        if (
            len(code) == linking.CODE_LENGTH
            and all(ch in linking.ALPHABET for ch in code)
            and any(ch.isdigit() for ch in code)
        ):
            return code
    return None


async def ask_code(turn: Turn, note: str | None = None) -> None:
    t = turn.t
    turn.go(State.CODE)
    # Translators: asks for the one-time code staff gave in person; it links the chat to the
    # adolescent.
    text = t.gettext(
        "Para empezar, escribe aquí el código que te dio tu equipo. Son 8 letras y números."
    )
    turn.say(text, gate_buttons(turn), note=note)


def gate_buttons(turn: Turn) -> list[list[Button]]:
    t = turn.t
    return column(
        button(t.gettext(labels.ABOUT), actions.ABOUT),
        button(t.gettext(TALK_TO_A_PERSON), actions.PERSON),
        button(t.gettext(labels.LANGUAGE), actions.LANGUAGE),
    )


async def redeem(turn: Turn, raw: str) -> None:
    t = turn.t
    try:
        await linking.redeem_code(turn.uow, turn.channel, turn.external_id, raw)
    except CodeAttemptsBlocked:
        # Translators: after too many wrong codes: typing codes is paused for a few minutes.
        await _failed(turn, t.gettext("Espera unos minutos y vuelve a intentar. 🙏"))
        return
    except CodeExpired:
        await _failed(
            turn,
            # Translators: the linking code is too old.
            t.gettext("Ese código ya venció. Pide uno nuevo a tu equipo y escríbelo aquí."),
        )
        return
    except CodeAlreadyUsed:
        await _failed(
            turn,
            # Translators: the linking code was used before.
            t.gettext("Ese código ya se usó. Pide uno nuevo a tu equipo y escríbelo aquí."),
        )
        return
    except (CodeInvalid, CaseClosed):
        await _failed(
            turn,
            # Translators: the linking code is wrong. The fault is the bot's, never the
            # adolescent's.
            t.gettext("Ese código no me funciona. Revisa las letras y escríbelo otra vez."),
        )
        return
    await turn.refresh()
    if turn.session.language is None:
        assert turn.case is not None
        chosen = turn.case.language if is_supported(turn.case.language) else turn.lang
        turn.session.language = chosen
        turn.use_language(chosen)
    # Translators: the chat is now linked to the adolescent's plan.
    await turn.go_home(turn.t.gettext("Listo, ya estamos conectados ✅"))


async def _failed(turn: Turn, text: str) -> None:
    if turn.level is Level.UNLINKED:
        turn.go(State.CODE)
        turn.say(text, gate_buttons(turn))
    else:
        # A linked chat keeps its place; the code was only an extra try.
        turn.say(text, [[menu_button(turn.t)]])
