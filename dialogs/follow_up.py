"""Follow-up check-ins after care: short questions with buttons; answers reach staff.

The scheduler sends the first question of a check-in that is due; this flow takes
the answers. The action vocabulary is the one ``bot.scheduler.checkins`` first
defined, taken over here so that the scheduler and the conversation share one
definition (``bot`` may import ``dialogs``, not the other way round)::

    fu:<checkin_id>                          open the check-in: its first unanswered question
    fu:<checkin_id>:<question>:<answer>      one answer

``<question>`` is one of ``plan_store.services.follow_up.QUESTIONS``, asked in that
order; ``<answer>`` is one of ``ANSWERS[question]``. Every answer is checked against
the chat's own case (``follow_up.answer_checkin``). A ``bad`` answer, or
``wants_contact: yes``, raises a ``FOLLOW_UP_ANSWER`` flag for staff (one per
check-in and question, however often the button is tapped).
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.common import MAX_ID, Turn, menu_button
from dialogs.screens import Button, Screen
from locales import N_, translator
from plan_store.enums import FlagCategory, Severity
from plan_store.errors import NotFound, NotOwnedByCase
from plan_store.models import FollowUpCheckin
from plan_store.services import flags, follow_up
from plan_store.services.follow_up import QUESTIONS

PREFIX = "fu"
CHECKIN_KEY_PREFIX = "checkin:"
"""The outbox dedupe key of a check-in's message: ``checkin:<checkin_id>``."""

ANSWERS: dict[str, tuple[str, ...]] = {
    "housing": ("good", "so_so", "bad"),
    "school_work": ("good", "so_so", "bad"),
    "health": ("good", "so_so", "bad"),
    "wants_contact": ("yes", "no"),
}

# Translators: a check-in question after leaving care: how things are where they live.
HOUSING = N_("🏠 ¿Cómo estás en el lugar donde vives?")
# Translators: a check-in question after leaving care: their school or their work.
SCHOOL_WORK = N_("📚 ¿Cómo vas con la escuela o el trabajo?")
# Translators: a check-in question after leaving care: their health, body and mood.
HEALTH = N_("🩺 ¿Cómo te sientes de salud?")
# Translators: a check-in question after leaving care: whether someone of their team
# should call or write to them.
WANTS_CONTACT = N_("🙋 ¿Quieres que alguien de tu equipo te busque?")
# Translators: button, answer to a check-in question.
GOOD = N_("👍 Bien")
# Translators: button, answer to a check-in question.
SO_SO = N_("😐 Más o menos")
# Translators: button, answer to a check-in question.
BAD = N_("👎 Mal")
# Translators: button, answer to "do you want someone of your team to contact you?".
YES = N_("✔️ Sí, por favor")
# Translators: button, answer to "do you want someone of your team to contact you?".
NO = N_("✖️ No, gracias")

_QUESTION_TEXT = {
    "housing": HOUSING,
    "school_work": SCHOOL_WORK,
    "health": HEALTH,
    "wants_contact": WANTS_CONTACT,
}
_ANSWER_LABEL = {"good": GOOD, "so_so": SO_SO, "bad": BAD, "yes": YES, "no": NO}


@dataclass(frozen=True, slots=True)
class CheckinAction:
    checkin_id: int
    question: str | None = None
    answer: str | None = None


def checkin_key(checkin_id: int) -> str:
    return f"{CHECKIN_KEY_PREFIX}{checkin_id}"


def open_action(checkin_id: int) -> str:
    return f"{PREFIX}:{checkin_id}"


def answer_action(checkin_id: int, question: str, answer: str) -> str:
    if answer not in ANSWERS.get(question, ()):
        raise ValueError(f"not an answer to {question!r}: {answer!r}")
    return f"{PREFIX}:{checkin_id}:{question}:{answer}"


def parse(action: str) -> CheckinAction | None:
    """The check-in action in ``action``, or None when it is not a valid one."""
    parts = action.split(":")
    if not parts or parts[0] != PREFIX or len(parts) not in (2, 4):
        return None
    if not parts[1].isascii() or not parts[1].isdigit() or len(parts[1]) > 10:
        return None
    checkin_id = int(parts[1])
    if checkin_id > MAX_ID:
        return None
    if len(parts) == 2:
        return CheckinAction(checkin_id)
    question, answer = parts[2], parts[3]
    if answer not in ANSWERS.get(question, ()):
        return None
    return CheckinAction(checkin_id, question, answer)


def next_question(answered: dict[str, object]) -> str | None:
    """The first question not answered yet, or None when the check-in is complete."""
    return next((q for q in QUESTIONS if q not in answered), None)


def question_screen(lang: str, checkin_id: int, question: str) -> Screen:
    t = translator(lang)
    buttons = tuple(
        Button(t.gettext(_ANSWER_LABEL[answer]), answer_action(checkin_id, question, answer))
        for answer in ANSWERS[question]
    )
    return Screen(t.gettext(_QUESTION_TEXT[question]), (buttons,), language=lang)


# --- the conversation's side --------------------------------------------------------


async def on_action(turn: Turn, action: str) -> None:
    parsed = parse(action)
    if parsed is None:
        await turn.stale()
        return
    if parsed.question is None or parsed.answer is None:
        checkin = await turn.uow.session.get(FollowUpCheckin, parsed.checkin_id)
        if checkin is None or checkin.adolescent_id != turn.case_id:
            await turn.stale()
            return
        _ask_next(turn, checkin, note=None)
        return
    try:
        checkin = await follow_up.answer_checkin(
            turn.uow, turn.case_id, parsed.checkin_id, {parsed.question: parsed.answer}
        )
    except (NotFound, NotOwnedByCase):
        await turn.stale()
        return
    t = turn.t
    note: str | None = None
    if parsed.answer == "bad" or (parsed.question, parsed.answer) == ("wants_contact", "yes"):
        await flags.raise_flag(
            turn.uow,
            turn.case_id,
            category=FlagCategory.FOLLOW_UP_ANSWER,
            severity=Severity.MEDIUM,
            detail=f"{parsed.question}:{parsed.answer}",
            dedupe_key=f"follow_up:{checkin.id}:{parsed.question}",
        )
        if parsed.question == "wants_contact":
            # Translators: after leaving care, the young person said in a check-in that they want
            # contact.
            note = t.gettext("Listo. Le aviso a tu equipo para que te busque pronto.")
        else:
            # Translators: after leaving care, the young person gave a worrying check-in answer.
            note = t.gettext("Gracias por decírmelo. 💛 Se lo paso a tu equipo.")
    _ask_next(turn, checkin, note)


def _ask_next(turn: Turn, checkin: FollowUpCheckin, note: str | None) -> None:
    question = next_question(dict(checkin.answers or {}))
    if question is None:
        t = turn.t
        # Translators: the end of a follow-up check-in after leaving care.
        thanks = t.gettext("¡Gracias por contarme! 💛 Tu equipo lee tus respuestas.")
        turn.say(thanks, [[menu_button(t)]], note=note)
        return
    screen = question_screen(turn.lang, checkin.id, question)
    turn.say(screen.text, screen.buttons, note=note)
