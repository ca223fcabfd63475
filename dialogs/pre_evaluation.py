"""Before the evaluation: a few short questions with buttons, then her own words.

The scheduler sends the first question three days before the fortnightly evaluation
(``first_screen``); each answer brings the next. At the end she may write or send a
voice note, or skip. The answers appear at the top of the preparation sheet as
"Lo que dice <alias>". Actions::

    pe:<id>:<question>:<answer>     one answer (``ANSWERS``; ``proud`` takes a goal id or ``none``)
    pe:<id>:skip                    no words at the end
"""

from __future__ import annotations

from dialogs.common import State, Turn, button, clean, clip, menu_button, parse_id
from dialogs.screens import Button, Screen
from locales import N_, translator
from plan_store.enums import GoalStatus
from plan_store.errors import NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import EvaluationVoice, Goal
from plan_store.services import evaluation_voice, plans
from plan_store.services.evaluation_voice import QUESTIONS

VOICE_KEY = "pre_evaluation"
"""The first question's voice note: that the evaluation is near and what is asked."""
KEY_PREFIX = "preeval:"

ANSWERS: dict[str, tuple[str, ...]] = {
    "going": ("good", "so_so", "hard"),
    "hard": ("school", "home", "feelings", "papers", "nothing"),
    "talk": ("goals", "family", "papers", "home", "nothing"),
}
LABELS = {
    # Translators: button, answer to "how is your plan going?".
    ("going", "good"): N_("👍 Bien"),
    # Translators: button, answer to "how is your plan going?".
    ("going", "so_so"): N_("😐 Más o menos"),
    # Translators: button, answer to "how is your plan going?".
    ("going", "hard"): N_("👎 Difícil"),
    # Translators: button, answer to "what was hard?": school or courses.
    ("hard", "school"): N_("📚 La escuela"),
    # Translators: button, answer to "what was hard?": life in the home.
    ("hard", "home"): N_("🏠 La casa"),
    # Translators: button, answer to "what was hard?": how she feels.
    ("hard", "feelings"): N_("💭 Cómo me siento"),
    # Translators: button, answer to "what was hard?": migration papers, documents.
    ("hard", "papers"): N_("📄 Mis papeles"),
    # Translators: button, answer to "what was hard?": nothing.
    ("hard", "nothing"): N_("✅ Nada"),
    # Translators: button, answer to "what do you want to talk about?": her goals.
    ("talk", "goals"): N_("🎯 Mis metas"),
    # Translators: button, answer to "what do you want to talk about?": her family.
    ("talk", "family"): N_("👪 Mi familia"),
    # Translators: button, answer to "what do you want to talk about?": migration papers.
    ("talk", "papers"): N_("📄 Mis papeles"),
    # Translators: button, answer to "what do you want to talk about?": life in the home.
    ("talk", "home"): N_("🏠 La casa"),
    # Translators: button, answer to "what do you want to talk about?": nothing else.
    ("talk", "nothing"): N_("🤐 Nada más"),
}
QUESTION_TEXT = {
    # Translators: the first question before the evaluation of her plan.
    "going": N_("¿Cómo va tu plan?"),
    # Translators: a question before the evaluation of her plan.
    "hard": N_("¿Qué se te hizo difícil estos días?"),
    # Translators: a question before the evaluation of her plan.
    "talk": N_("¿De qué quieres hablar en la reunión?"),
    # Translators: a question before the evaluation; the buttons are her goals.
    "proud": N_("¿De qué meta estás orgullosa u orgulloso? 🌟"),
}
# Translators: button, answer to "which goal are you proud of?": none yet.
NONE_YET = N_("Todavía de ninguna")
# Translators: button: no more words before the evaluation.
SKIP = N_("⏭️ Así está bien")


def action(voice_id: int, question: str, answer: str) -> str:
    return f"pe:{voice_id}:{question}:{answer}"


def skip_action(voice_id: int) -> str:
    return f"pe:{voice_id}:skip"


def key(voice_id: int) -> str:
    """The outbox dedupe key of the first question."""
    return f"{KEY_PREFIX}{voice_id}"


def label_of(question: str, answer: str) -> str:
    """The Spanish label of an answer (for the sheet), or the answer itself."""
    return LABELS.get((question, answer), answer)


def first_screen(lang: str, voice: EvaluationVoice, alias: str, day: str) -> Screen:
    """The message three days before: the evaluation's day and the first question."""
    t = translator(lang)
    # Translators: three days before the evaluation of the plan; {name} is the adolescent's
    # nickname, {date} the day ("jueves 12 de marzo"). The first question follows.
    intro = t.gettext(
        "Hola, {name} 👋 El {date} es la reunión para revisar tu plan. "
        "Quiero saber qué piensas tú: son 4 preguntas cortas."
    ).format(name=alias, date=day)
    rows = _answer_rows(t.gettext, voice.id, "going")
    text = f"{intro}\n\n{t.gettext(QUESTION_TEXT['going'])}"
    return Screen(text, tuple(tuple(r) for r in rows), voice_key=VOICE_KEY, language=lang)


def _answer_rows(gettext: object, voice_id: int, question: str) -> list[list[Button]]:
    assert callable(gettext)
    return [
        [button(str(gettext(LABELS[question, answer])), action(voice_id, question, answer))]
        for answer in ANSWERS[question]
    ]


async def on_action(turn: Turn, args: list[str]) -> None:
    voice_id = parse_id(args[0]) if args else None
    if voice_id is None:
        await turn.stale()
        return
    try:
        voice = await evaluation_voice.voice_of_case(turn.uow, turn.case_id, voice_id)
        if args[1:] == ["skip"]:
            await _done(turn, voice, words=False)
            return
        if len(args) != 3 or not _valid(args[1], args[2]):
            await turn.stale()
            return
        voice = await evaluation_voice.answer(turn.uow, turn.case_id, voice.id, args[1], args[2])
    except (NotFound, NotOwnedByCase, ValidationFailed):
        await turn.stale()
        return
    await _next(turn, voice)


def _valid(question: str, answer: str) -> bool:
    if question == "proud":
        return answer == "none" or parse_id(answer) is not None
    return answer in ANSWERS.get(question, ())


async def _next(turn: Turn, voice: EvaluationVoice) -> None:
    t = turn.t
    answered = dict(voice.answers or {})
    question = next((q for q in QUESTIONS if q not in answered), None)
    if question is None:
        turn.go(State.EVALUATION_WORDS, voice=voice.id)
        # Translators: the last question before the evaluation; typing or a voice note are both
        # fine. «Así está bien» is the skip button: use its translation.
        text = t.gettext(
            "¿Quieres decir algo más para la reunión? Escríbelo o manda un audio. "
            "Si no, toca «Así está bien»."
        )
        turn.say(text, [[button(t.gettext(SKIP), skip_action(voice.id))]])
        return
    if question == "proud":
        rows = await _goal_rows(turn, voice.id)
    else:
        rows = _answer_rows(t.gettext, voice.id, question)
    turn.say(t.gettext(QUESTION_TEXT[question]), rows)


async def _goal_rows(turn: Turn, voice_id: int) -> list[list[Button]]:
    goals: list[Goal] = await plans.goals_of(turn.uow, turn.case_id)
    ordered = sorted(goals, key=lambda g: g.status is not GoalStatus.ACHIEVED)
    rows = [
        [button(f"🌟 {clip(goal.title, 26)}", action(voice_id, "proud", str(goal.id)))]
        for goal in ordered[:4]
    ]
    rows.append([button(turn.t.gettext(NONE_YET), action(voice_id, "proud", "none"))])
    return rows


async def words_typed(turn: Turn, text: str) -> None:
    voice_id = turn.data.get("voice")
    if not isinstance(voice_id, int):
        turn.go(State.MENU)
        await turn.go_home()
        return
    try:
        voice = await evaluation_voice.add_words(turn.uow, turn.case_id, voice_id, text=clean(text))
    except (NotFound, NotOwnedByCase):
        turn.go(State.MENU)
        await turn.stale()
        return
    await _done(turn, voice, words=True)


async def voice_sent(turn: Turn, message_id: int) -> bool:
    """A voice note while her words are asked: kept for the evaluation. False when the
    chat was not asked for them."""
    voice_id = turn.data.get("voice")
    if turn.state != State.EVALUATION_WORDS or not isinstance(voice_id, int):
        return False
    try:
        voice = await evaluation_voice.add_words(
            turn.uow, turn.case_id, voice_id, voice_message_id=message_id
        )
    except (NotFound, NotOwnedByCase):
        return False
    await _done(turn, voice, words=True)
    return True


async def _done(turn: Turn, voice: EvaluationVoice, *, words: bool) -> None:
    turn.go(State.MENU)
    t = turn.t
    operator = await turn.operator()
    if operator:
        # Translators: the end of the questions before the evaluation; {name} is the first name of
        # the adolescent's operator.
        text = t.gettext(
            "¡Gracias! 💛 {name} y tu equipo van a leer lo que dijiste antes de la reunión."
        ).format(name=operator)
    else:
        # Translators: the end of the questions before the evaluation.
        text = t.gettext("¡Gracias! 💛 Tu equipo va a leer lo que dijiste antes de la reunión.")
    turn.say(text, [[menu_button(t)]])
