"""After the evaluation: the agreements staff chose for her to read, in plain words,
with the next evaluation's date; she says "de acuerdo" or "quiero hablarlo" (which
asks her operator for a talk). Actions: ``agr:<id>:ok`` and ``agr:<id>:talk``."""

from __future__ import annotations

from datetime import date

from dialogs.common import Turn, button, menu_button, parse_id
from dialogs.screens import Screen
from locales import N_, format_date, translator
from plan_store.enums import AgreementAnswer, RequestReason, Urgency
from plan_store.errors import NotFound, NotOwnedByCase
from plan_store.services import evaluation_voice, requests

VOICE_KEY = "agreements"
"""What the agreements message is and what the two buttons do."""
KEY_PREFIX = "agreements:"

# Translators: button, after reading the agreements of her evaluation: she agrees.
AGREE = N_("👍 De acuerdo")
# Translators: button, after reading the agreements of her evaluation: she wants to talk about
# them.
TALK = N_("💬 Quiero hablarlo")
# Translators: the message the team reads when the adolescent wants to talk about the agreements
# of her evaluation (shown to staff, in Spanish by default).
TALK_REQUEST = N_("Quiere hablar de los acuerdos de su evaluación.")


def key(agreement_id: int) -> str:
    return f"{KEY_PREFIX}{agreement_id}"


def screen(lang: str, agreement_id: int, alias: str, items: list[str], next_on: date) -> Screen:
    t = translator(lang)
    # Translators: a date pattern of Babel (CLDR), not words: EEEE is the weekday,
    # d the day, MMMM the month's name; text in quotes is printed as is. Reorder
    # it for your language; "EEEE, MMMM d" in English.
    day = format_date(next_on, lang, t.gettext("EEEE d 'de' MMMM"))
    # Translators: after the evaluation of her plan; {name} is the adolescent's nickname. The
    # agreements follow, one per line.
    head = t.gettext("Hola, {name} 👋 Esto acordamos en la reunión de tu plan:").format(name=alias)
    lines = "\n".join(f"• {item}" for item in items)
    # Translators: after the agreements; {date} is the day of the next evaluation ("jueves 12 de
    # marzo").
    after = t.gettext("La próxima reunión es el {date}.").format(date=day)
    # Translators: after the agreements: the buttons answer.
    ask = t.gettext("¿Qué dices?")
    rows = (
        (
            button(t.gettext(AGREE), f"agr:{agreement_id}:ok"),
            button(t.gettext(TALK), f"agr:{agreement_id}:talk"),
        ),
    )
    return Screen(f"{head}\n{lines}\n\n{after}\n{ask}", rows, voice_key=VOICE_KEY, language=lang)


async def on_action(turn: Turn, args: list[str]) -> None:
    agreement_id = parse_id(args[0]) if len(args) == 2 else None
    answers = {"ok": AgreementAnswer.AGREED, "talk": AgreementAnswer.TALK}
    if agreement_id is None or args[1] not in answers:
        await turn.stale()
        return
    answer = answers[args[1]]
    try:
        await evaluation_voice.answer_agreements(turn.uow, turn.case_id, agreement_id, answer)
    except (NotFound, NotOwnedByCase):
        await turn.stale()
        return
    t = turn.t
    operator = await turn.operator()
    if answer is AgreementAnswer.AGREED:
        # Translators: the adolescent agreed with the agreements of her evaluation.
        turn.say(t.gettext("¡Perfecto! 💪 Vamos con todo."), [[menu_button(t)]])
        return
    opened = await requests.open_for(turn.uow, turn.case_id)
    staff_words = translator("es").gettext(TALK_REQUEST)
    if not any(requests.message_of(turn.uow, r) == staff_words for r in opened):
        await requests.create(
            turn.uow,
            turn.case_id,
            reason=RequestReason.TALK,
            urgency=Urgency.NORMAL,
            message=staff_words,
        )
    if operator:
        # Translators: she wants to talk about the agreements; {name} is the first name of her
        # operator.
        text = t.gettext("Listo. Le aviso a {name} para que lo platiquen pronto.").format(
            name=operator
        )
    else:
        # Translators: she wants to talk about the agreements of her evaluation.
        text = t.gettext("Listo. Le aviso a tu equipo para que lo platiquen pronto.")
    turn.say(text, [[menu_button(t)]])
