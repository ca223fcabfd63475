"""Her own ideas for her plan: "💡 Quiero proponer una meta" (from the goals screen)
and "➕ Agregar un paso" (from a goal), in a few taps and one short text.

A goal: programme -> horizon -> what (typed) -> by when. A step: what (typed) -> by
when. The proposal waits for staff, who accept it, rework it with her or decline it
with a reason; ``decision_screen`` is what she then reads (sent by the scheduler).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from dialogs import actions, goals, labels
from dialogs.common import State, Turn, button, clean, clip, menu_button
from dialogs.screens import Button, Screen
from locales import N_, translator
from locales.core_strings import BACK
from plan_store.crypto import InvalidToken
from plan_store.enums import Horizon, Programme, ProposalKind, ProposalStatus
from plan_store.errors import NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import Goal, Proposal
from plan_store.services import plans, proposals
from plan_store.unit_of_work import UnitOfWork

E = TypeVar("E", bound=StrEnum)

VOICE_KEY = "propose"
"""How proposing works: the programme, when, what, and that the team answers."""
MAX_TEXT = proposals.MAX_TEXT

WHEN = {
    # Translators: button: by when the proposed goal or step should be done: within a week.
    "week": (N_("📅 Esta semana"), 7),
    # Translators: button: by when the proposed goal or step should be done: within a month.
    "month": (N_("🗓️ Este mes"), 30),
    # Translators: button: by when the proposed goal should be done: within three months.
    "3m": (N_("🌤️ En unos meses"), 90),
    # Translators: button: by when the proposed goal should be done: within a year.
    "year": (N_("🌳 En un año"), 365),
    # Translators: button: the adolescent does not know by when.
    "none": (N_("🤷 No sé"), 0),
}
WHEN_FOR = {
    ProposalKind.GOAL: ("month", "3m", "year", "none"),
    ProposalKind.STEP: ("week", "month", "none"),
}


async def start_goal(turn: Turn) -> None:
    t = turn.t
    turn.go(State.MENU)
    rows = [
        [button(t.gettext(label), actions.propose_programme(programme))]
        for programme, label in goals.PROGRAMMES.items()
    ]
    rows.append([button(t.gettext(BACK), actions.GOALS), menu_button(t)])
    # Translators: the first question when proposing a goal; the buttons are the plan's programmes.
    text = t.gettext("💡 ¡Qué bueno! ¿De qué parte de tu plan es tu meta?")
    turn.say(text, rows, voice_key=VOICE_KEY)


async def choose_programme(turn: Turn, value: str) -> None:
    programme = _enum(Programme, value)
    if programme is None:
        await turn.stale()
        return
    t = turn.t
    rows = [
        [button(t.gettext(label), actions.propose_horizon(programme, horizon))]
        for horizon, label in goals.HORIZONS.items()
    ]
    rows.append([button(t.gettext(BACK), actions.PROPOSE_GOAL)])
    # Translators: proposing a goal: the buttons say when: soon, later, much later.
    turn.say(t.gettext("¿Para cuándo la quieres lograr?"), rows)


async def choose_horizon(turn: Turn, programme_value: str, horizon_value: str) -> None:
    programme = _enum(Programme, programme_value)
    horizon = _enum(Horizon, horizon_value)
    if programme is None or horizon is None:
        await turn.stale()
        return
    turn.go(
        State.PROPOSAL_TEXT,
        kind=ProposalKind.GOAL.value,
        programme=programme.value,
        horizon=horizon.value,
    )
    t = turn.t
    # Translators: proposing a goal: the adolescent types it, short.
    text = t.gettext("Escríbeme tu meta en pocas palabras. Por ejemplo: «Aprender a cocinar».")
    turn.say(text, [[button(t.gettext(BACK), actions.PROPOSE_GOAL)]])


async def start_step(turn: Turn, goal_id: int) -> None:
    goal = await _goal(turn, goal_id)
    if goal is None:
        await turn.stale()
        return
    turn.go(State.PROPOSAL_TEXT, kind=ProposalKind.STEP.value, goal=goal.id)
    t = turn.t
    # Translators: proposing a step for a goal; {goal} is the goal's title. The adolescent types
    # the step, short.
    text = t.gettext("➕ ¿Qué paso quieres agregar a «{goal}»? Escríbelo en pocas palabras.")
    turn.say(
        text.format(goal=clip(goal.title, 80)),
        [[button(t.gettext(BACK), actions.goal(goal.id))]],
        voice_key=VOICE_KEY,
    )


async def text_typed(turn: Turn, text: str) -> None:
    """Typed text while a proposal's words are asked: then, by when."""
    data = turn.data
    kind = _enum(ProposalKind, str(data.get("kind", "")))
    words = clean(text)[:MAX_TEXT]
    if kind is None or not words:
        turn.go(State.MENU)
        await turn.go_home()
        return
    sealed = turn.uow.cipher.encrypt(words).decode("ascii")
    turn.go(State.PROPOSAL_WHEN, **{**data, "text": sealed})
    t = turn.t
    rows = [[button(t.gettext(WHEN[key][0]), actions.propose_when(key))] for key in WHEN_FOR[kind]]
    # Translators: proposing a goal or a step: the buttons say by when.
    turn.say(t.gettext("¿Para cuándo?"), rows)


async def choose_when(turn: Turn, key: str) -> None:
    data = turn.data
    kind = _enum(ProposalKind, str(data.get("kind", "")))
    words = _words(turn, data.get("text"))
    if turn.state != State.PROPOSAL_WHEN or kind is None or not words or key not in WHEN:
        await turn.stale()
        return
    days = WHEN[key][1]
    today = (await turn.local_now()).date()
    due_on: date | None = today + timedelta(days=days) if days else None
    try:
        if kind is ProposalKind.GOAL:
            programme = _enum(Programme, str(data.get("programme", "")))
            horizon = _enum(Horizon, str(data.get("horizon", "")))
            if programme is None or horizon is None:
                raise ValidationFailed("no programme or horizon kept")
            await proposals.propose_goal(
                turn.uow,
                turn.case_id,
                programme=programme,
                horizon=horizon,
                text=words,
                due_on=due_on,
                channel=turn.channel,
            )
        else:
            goal_id = data.get("goal")
            if not isinstance(goal_id, int):
                raise ValidationFailed("no goal kept")
            await proposals.propose_step(
                turn.uow, turn.case_id, goal_id, text=words, due_on=due_on, channel=turn.channel
            )
    except (NotFound, NotOwnedByCase, ValidationFailed):
        turn.go(State.MENU)
        await turn.stale()
        return
    turn.go(State.MENU)
    t = turn.t
    operator = await turn.operator()
    if operator:
        # Translators: after proposing a goal or step; {name} is the first name of the adolescent's
        # operator, who answers.
        text = t.gettext(
            "¡Listo! 💡 Se lo paso a {name}. Te dice qué piensa en estos días."
        ).format(name=operator)
    else:
        # Translators: after proposing a goal or step: the team answers.
        text = t.gettext("¡Listo! 💡 Se lo paso a tu equipo. Te dicen qué piensan en estos días.")
    turn.say(text, [[button(t.gettext(labels.GOALS_TITLE), actions.GOALS), menu_button(t)]])


def _words(turn: Turn, sealed: object) -> str:
    if not isinstance(sealed, str):
        return ""
    try:
        return turn.uow.cipher.decrypt(sealed.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        return ""


async def _goal(turn: Turn, goal_id: int) -> Goal | None:
    try:
        return await plans.goal_of_case(turn.uow, turn.case_id, goal_id)
    except (NotFound, NotOwnedByCase):
        return None


def _enum(kind: type[E], value: str) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None


# --- what she reads once staff decided ---------------------------------------------


def decision_screen(
    uow: UnitOfWork,
    proposal: Proposal,
    lang: str,
    operator: str | None,
    in_plan: str | None = None,
) -> Screen:
    """The message that tells her what staff decided about her proposal; ``in_plan``
    is the goal or step as it went into her plan (staff may have made it clearer)."""
    t = translator(lang)
    words = proposals.text_of(uow, proposal)
    reply = proposals.reply_of(uow, proposal)
    rows: list[list[Button]] = []
    if proposal.status is ProposalStatus.ACCEPTED and proposal.kind is ProposalKind.GOAL:
        # Translators: a proposed goal was accepted; {what} is the goal as it is in her plan.
        text = t.gettext("🎉 ¡Tu meta ya está en tu plan!\n«{what}»")
        text = text.format(what=in_plan or words)
    elif proposal.status is ProposalStatus.ACCEPTED:
        # Translators: a proposed step was accepted; {what} is the step as it is in her plan.
        text = t.gettext("🎉 ¡Tu paso ya está en tu plan!\n«{what}»")
        text = text.format(what=in_plan or words)
    elif proposal.status is ProposalStatus.REWORK and operator:
        # Translators: staff want to shape the proposal with the adolescent; {what} is her proposal,
        # {name} the first name of her operator.
        text = t.gettext(
            "💬 Sobre tu idea «{what}»: {name} quiere platicarla contigo para armarla juntos."
        ).format(what=words, name=operator)
    elif proposal.status is ProposalStatus.REWORK:
        # Translators: staff want to shape the proposal with the adolescent; {what} is her proposal.
        text = t.gettext(
            "💬 Sobre tu idea «{what}»: tu equipo quiere platicarla contigo para armarla juntos."
        ).format(what=words)
    else:
        # Translators: staff decided not to add the proposal now; {what} is her proposal. The reason
        # they wrote follows.
        text = t.gettext("Sobre tu idea «{what}»: por ahora no la vamos a agregar.").format(
            what=words
        )
    if reply:
        # Translators: before what staff wrote to the adolescent about her proposal; {words} is it.
        text += "\n\n" + t.gettext("Te escriben: «{words}»").format(words=reply)
    if proposal.status is ProposalStatus.DECLINED:
        # Translators: after a declined proposal: she can always propose again.
        text += "\n\n" + t.gettext("Puedes proponer otra cuando quieras. 💛")
    if proposal.result_goal_id is not None:
        # Translators: button: opens the goal the proposal became (or the goal of the new step).
        rows.append([Button(t.gettext("🎯 Ver mi meta"), actions.goal(proposal.result_goal_id))])
    rows.append([Button(t.gettext(labels.MENU), actions.MENU)])
    return Screen(text, tuple(tuple(r) for r in rows), language=lang)
