"""Free text: whatever matches no flow goes to the team, triaged for risk.

Every text of a linked chat with consent is stored encrypted before any flow reads
it (``keep``, from the conversation), whatever the chat is in the middle of: a
command, an answer to a question or a free message, the team sees it. A text longer
than what is kept is not cut silently: the adolescent is told, and the stored
message says how long it was. A risk raises one flag
per category found, with its severity, and the answer puts safety first:
acknowledge, say who is being told now (only when someone really is: see
``dialogs.alerts``), the home's emergency numbers, the door open; no lecture and no
questions. Before consent nothing is stored or flagged: a
risky text still gets the emergency numbers and a one-tap way to a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dialogs import actions, alerts, menu
from dialogs.common import Turn, button, menu_button, typed_command
from dialogs.screens import Button
from locales.core_strings import BACK, GREETING, TALK_TO_A_PERSON
from plan_store import triage
from plan_store.enums import MessageKind, Severity
from plan_store.models import Message
from plan_store.services import flags, messages, triage_terms
from plan_store.triage import Risk

ALARM = {Severity.URGENT, Severity.HIGH}
SAFETY_VOICE_KEY = "safety"
"""The recorded safety answer, in the chat's language, when there is one (the
emergency numbers are the home's: the text carries them)."""
"""Severities whose answer says a person is being told now."""
SHOWN = {Severity.URGENT, Severity.HIGH, Severity.MEDIUM}
"""Severities that get the safety answer; a low one only flags, for staff to look at."""

GREETINGS = {
    "hola",
    "ola",
    "holi",
    "hi",
    "hello",
    "hey",
    "buenas",
    "buenos dias",
    "buen dia",
    "buenas tardes",
    "buenas noches",
    "que onda",
    "hola rumbo",
    "start",
    "inicio",
}
THANKS = {"gracias", "muchas gracias", "grax", "thanks", "thank you", "ok gracias"}


async def keep(turn: Turn, text: str) -> Message:
    """The message ``text`` is stored as, in this turn (stored once)."""
    if turn.typed is not None:
        return turn.typed
    turn.typed = await messages.record_inbound(
        turn.uow, turn.case_id, channel=turn.channel, body=text, kind=MessageKind.TEXT
    )
    if turn.typed.original_length is not None:
        t = turn.t
        # Translators: a message longer than what is kept; {kept} is how many characters were kept,
        # {length} how many the message had.
        long = t.gettext(
            "Tu mensaje era muy largo ({length} letras). Guardé las primeras {kept} "
            "para tu equipo. Si falta algo, mándamelo en otro mensaje."
        )
        turn.say(long.format(length=turn.typed.original_length, kept=messages.MAX_BODY))
    return turn.typed


async def read_risks(turn: Turn, text: str) -> list[Risk]:
    """The risks in ``text``: the terms files of the chat's language and Spanish, and
    the active terms staff added for them in the console."""
    added = await triage_terms.active_terms(turn.uow, (triage.ALWAYS, turn.lang))
    extra = [(t.category.value, t.severity.value, t.term) for t in added]
    return triage.triage(text, turn.lang, extra)


async def raise_flags(
    turn: Turn, risks: Sequence[Risk], *, message_id: int | None, detail: str = "free_text"
) -> None:
    for risk in risks:
        await flags.raise_flag(
            turn.uow,
            turn.case_id,
            category=risk.category,
            severity=risk.severity,
            message_id=message_id,
            detail=detail,
        )


async def safety(turn: Turn, risk: Risk) -> None:
    """The safety answer, for a linked chat with consent, after the flags are raised."""
    if risk.severity not in SHOWN:
        return
    t = turn.t
    operator = await turn.operator()
    # Translators: the first line of the answer to a message that shows a risk (violence, self-harm,
    # ...).
    thanks = t.gettext("Gracias por contármelo. 💛")
    if risk.severity in ALARM:
        telling = await alerts.telling(turn)
        # Translators: the emergency phone numbers follow, one per line.
        danger = t.gettext("Si estás en peligro ahora, llama:")
    else:
        if operator:
            # Translators: {name} is the first name of the adolescent's operator.
            telling = t.gettext("Se lo paso ahora a {name}.").format(name=operator)
        else:
            # Translators: in the answer to a message that shows a risk: the team is told now.
            telling = t.gettext("Se lo paso ahora a tu equipo.")
        # Translators: the emergency phone numbers follow, one per line.
        danger = t.gettext("Si en algún momento estás en peligro, llama:")
    # Translators: the last line of a safety answer: the door stays open.
    door = t.gettext("Aquí sigo. Puedes escribirme cuando quieras.")
    numbers = await turn.emergency_lines()
    text = f"{thanks}\n{telling}\n\n{danger}\n{numbers}\n\n{door}"
    if operator:
        # Translators: button; {name} is the first name of the adolescent's operator.
        talk = t.gettext("🔴 Hablar con {name} ya").format(name=operator)
    else:
        # Translators: button under a safety answer: asks any adult of the team to reach out now.
        talk = t.gettext("🔴 Hablar con alguien ya")
    turn.say(
        text, [[button(talk, actions.OPERATOR_NOW)], [menu_button(t)]], voice_key=SAFETY_VOICE_KEY
    )


async def before_consent(turn: Turn, risk: Risk) -> None:
    """A risky text from a chat that may not store it (unlinked, or no consent)."""
    t = turn.t
    thanks = t.gettext("Gracias por contármelo. 💛")
    # Translators: the emergency phone numbers follow, one per line.
    danger = t.gettext("Si estás en peligro ahora, llama:")
    numbers = await turn.emergency_lines()
    # Translators: after a risky message from a chat that has not consented yet; the button is
    # below.
    offer = t.gettext("Si quieres, toca el botón y le aviso a una persona de tu equipo.")
    rows: list[list[Button]] = [
        [button(t.gettext(TALK_TO_A_PERSON), actions.person_urgency(True))],
        [button(t.gettext(BACK), actions.MENU)],
    ]
    turn.say(f"{thanks}\n{danger}\n{numbers}\n\n{offer}", rows, voice_key=SAFETY_VOICE_KEY)


async def receive(turn: Turn, text: str) -> None:
    """Text from a linked chat with consent that no flow is waiting for."""
    t = turn.t
    said = re.sub(r"(.)\1+", r"\1", typed_command(text))
    if said in GREETINGS:
        await menu.show(turn, t.gettext(GREETING))
        return
    if said in THANKS:
        # Translators: the answer when the adolescent says thank you.
        turn.say(t.gettext("¡De nada! 💛"), [[menu_button(t)]])
        return
    message = await keep(turn, text)
    risks = await read_risks(turn, text)
    if risks:
        await raise_flags(turn, risks, message_id=message.id)
        if risks[0].severity in SHOWN:
            await safety(turn, risks[0])
            return
    await passed_on(turn)


async def passed_on(turn: Turn, note: str | None = None) -> None:
    """ "Se lo paso a tu equipo. Laura lo lee hoy." (after ``note``, when given)"""
    t = turn.t
    operator = await turn.operator()
    today = await turn.reads_today()
    if operator and today:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext("Se lo paso a tu equipo. {name} lo lee hoy.").format(name=operator)
    elif operator:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext("Se lo paso a tu equipo. {name} lo lee mañana temprano.").format(
            name=operator
        )
    elif today:
        # Translators: after a free message: the team reads it today.
        text = t.gettext("Se lo paso a tu equipo. Lo leen hoy.")
    else:
        # Translators: after a free message in the evening: the team reads it early tomorrow.
        text = t.gettext("Se lo paso a tu equipo. Lo leen mañana temprano.")
    turn.say(text, [[menu_button(t)]], note=note)
