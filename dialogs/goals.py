"""The life-plan goals: by programme, then one goal with its progress and next step.

"✅ Ya lo hice" marks the next step done; staff confirm it. "🆘 Necesito ayuda" asks
the operator for help with the goal.
"""

from __future__ import annotations

from dialogs import actions, labels
from dialogs.common import Turn, button, clip, first_name, listing, menu_button
from dialogs.screens import Button
from locales import N_
from locales.core_strings import BACK
from plan_store.enums import GoalStatus, Horizon, Programme, RequestReason, RequestStatus, Urgency
from plan_store.errors import NotFound, NotOwnedByCase
from plan_store.models import Goal, Step
from plan_store.services import plans, requests

PROGRAMMES = {
    # Translators: a programme of the life plan: school, courses, exams.
    Programme.EDUCATION: N_("📚 Educación"),
    # Translators: a programme of the life plan: preparing to live on one's own.
    Programme.INDEPENDENT_LIVING: N_("🔑 Vivir por mi cuenta"),
    # Translators: a programme of the life plan: personal growth, feelings, health.
    Programme.PERSONAL_GROWTH: N_("🌱 Crecer como persona"),
    # Translators: an optional route of the plan: calls and contact with her family.
    Programme.FAMILY_CONTACT: N_("👪 Mi familia"),
    # Translators: an optional route of the plan: her legal and migration papers.
    Programme.LEGAL_MIGRATION: N_("📄 Mis papeles"),
}
HORIZONS = {
    # Translators: heading for short-term goals.
    Horizon.SHORT: N_("Para pronto"),
    # Translators: heading for medium-term goals.
    Horizon.MEDIUM: N_("Para después"),
    # Translators: heading for long-term goals.
    Horizon.LONG: N_("Para más adelante"),
}


async def show_programmes(turn: Turn, note: str | None = None) -> None:
    t = turn.t
    goals = await plans.goals_of(turn.uow, turn.case_id)
    if not goals:
        operator = await turn.operator()
        if operator:
            # Translators: {name} is the first name of the adolescent's operator.
            text = t.gettext(
                "Todavía no hay metas en tu plan. Las van a escribir juntos tú y {name}."
            ).format(name=operator)
        else:
            # Translators: the adolescent's life plan has no goals yet.
            text = t.gettext("Todavía no hay metas en tu plan. Las vas a escribir con tu equipo.")
        turn.say(text, [[_propose_button(turn)], [menu_button(t)]], note=note)
        return
    rows: list[list[Button]] = []
    for programme, label in PROGRAMMES.items():
        count = sum(goal.programme is programme for goal in goals)
        if count:
            rows.append([button(f"{t.gettext(label)} ({count})", actions.programme(programme))])
    rows.append([_propose_button(turn)])
    rows.append([menu_button(t)])
    # Translators: after the goals' title; the buttons are the plan's programmes (education, ...).
    question = t.gettext("¿Cuáles quieres ver?")
    turn.say(f"{t.gettext(labels.GOALS_TITLE)}\n{question}", rows, note=note)


def _propose_button(turn: Turn) -> Button:
    return button(turn.t.gettext(labels.PROPOSE_GOAL), actions.PROPOSE_GOAL)


async def show_programme(turn: Turn, value: str) -> None:
    try:
        programme = Programme(value)
    except ValueError:
        await turn.stale()
        return
    t = turn.t
    goals = await plans.goals_of(turn.uow, turn.case_id, programme)
    if not goals:
        await show_programmes(turn)
        return
    sections: list[str] = []
    for horizon, heading in HORIZONS.items():
        lines = [await _line(turn, goal) for goal in goals if goal.horizon is horizon]
        if lines:
            sections.append(f"{t.gettext(heading)}:\n{listing(t, lines, budget=1000)}")
    title = f"{t.gettext(labels.GOALS_TITLE)} — {t.gettext(PROGRAMMES[programme])}"
    rows = [[button(clip(goal.title), actions.goal(goal.id))] for goal in goals[:8]]
    rows.append([button(t.gettext(BACK), actions.GOALS), menu_button(t)])
    turn.say(title + "\n\n" + "\n\n".join(sections), rows)


async def _line(turn: Turn, goal: Goal) -> str:
    t = turn.t
    progress = plans.progress(goal)
    line = f"• {goal.title}"
    if goal.status is GoalStatus.ACHIEVED:
        line += " ✅"
    elif progress.total:
        # Translators: progress of a goal: {done} steps confirmed of {total}.
        done = t.gettext("{done} de {total}")
        line += " (" + done.format(done=progress.confirmed, total=progress.total) + ")"
    step = plans.next_step(goal)
    if step is not None and goal.status is not GoalStatus.ACHIEVED:
        line += " — " + _next(turn, step)
    return line


def _next(turn: Turn, step: Step) -> str:
    t = turn.t
    if step.due_on is not None:
        # Translators: the next step of a goal; {step} is what to do, {date} its day.
        return t.gettext("siguiente: {step}, {date}").format(
            step=step.title, date=turn.day(step.due_on)
        )
    # Translators: the next step of a goal; {step} is what to do.
    return t.gettext("siguiente: {step}").format(step=step.title)


async def _goal(turn: Turn, goal_id: int) -> Goal | None:
    try:
        goal = await plans.goal_of_case(turn.uow, turn.case_id, goal_id)
    except (NotFound, NotOwnedByCase):
        return None
    return None if goal.status is GoalStatus.DROPPED else goal


async def show_goal(turn: Turn, goal_id: int, note: str | None = None) -> None:
    goal = await _goal(turn, goal_id)
    if goal is None:
        await turn.stale()
        return
    t = turn.t
    operator = await turn.operator()
    progress = plans.progress(goal)
    step = plans.next_step(goal)
    lines = [f"🎯 {goal.title}"]
    if goal.status is GoalStatus.ACHIEVED:
        # Translators: a goal's screen: the goal is achieved.
        lines.append(t.gettext("✅ ¡Lograste esta meta!"))
    if progress.total:
        # Translators: progress of a goal: {done} steps confirmed by staff of {total}.
        lines.append(
            t.ngettext(
                "Vas {done} de {total} paso.", "Vas {done} de {total} pasos.", progress.total
            ).format(done=progress.confirmed, total=progress.total)
        )
    waiting = sum(s.done_at is not None and s.confirmed_at is None for s in goal.steps)
    if waiting:
        if operator:
            # Translators: {n} steps the adolescent marked done; {name} is the first
            # name of their operator, who confirms them.
            lines.append(
                t.ngettext(
                    "⏳ {n} paso espera que {name} lo confirme.",
                    "⏳ {n} pasos esperan que {name} los confirme.",
                    waiting,
                ).format(n=waiting, name=operator)
            )
        else:
            # Translators: {n} steps the adolescent marked done, waiting for staff.
            lines.append(
                t.ngettext(
                    "⏳ {n} paso espera que tu equipo lo confirme.",
                    "⏳ {n} pasos esperan que tu equipo los confirme.",
                    waiting,
                ).format(n=waiting)
            )
    if step is not None:
        if step.due_on is not None:
            # Translators: {step} is the next thing to do for the goal, {date} its day.
            next_line = t.gettext("👉 Lo que sigue: {step}, {date}")
            lines.append(next_line.format(step=step.title, date=turn.day(step.due_on)))
        else:
            # Translators: {step} is the next thing to do for the goal.
            lines.append(t.gettext("👉 Lo que sigue: {step}").format(step=step.title))
        person = await plans.responsible_of(turn.uow, step)
        if person is not None and person.role in labels.TEAM_ROLES:
            # Translators: a goal's screen: who helps with the next step. {name} is a
            # first name, {role} what that person does ("psicología", "trabajo social").
            helper = t.gettext("🤝 Te ayuda con esto: {name} ({role})")
            role = t.gettext(labels.TEAM_ROLES[person.role])
            name = first_name(person.display_name) or person.display_name
            lines.append(helper.format(name=name, role=role))
    elif progress.total:
        # Translators: a goal's screen: every step of the goal is done.
        lines.append(t.gettext("¡Hiciste todos los pasos! 🎉"))
    else:
        # Translators: a goal's screen: the goal has no steps yet.
        no_steps = t.gettext("Esta meta todavía no tiene pasos. Los van a poner tú y tu equipo.")
        lines.append(no_steps)
    rows: list[list[Button]] = []
    if step is not None:
        rows.append([button(t.gettext(labels.DONE), actions.step_done(step.id))])
    rows.append([button(t.gettext(labels.NEED_HELP), actions.goal_help(goal.id))])
    if goal.status is not GoalStatus.ACHIEVED:
        rows.append([button(t.gettext(labels.ADD_STEP), actions.propose_step(goal.id))])
    rows.append([button(t.gettext(BACK), actions.programme(goal.programme)), menu_button(t)])
    turn.say("\n".join(lines), rows, note=note)


async def step_done(turn: Turn, step_id: int) -> None:
    t = turn.t
    before = await turn.uow.session.get(Step, step_id)
    already = before is not None and before.done_at is not None
    try:
        step = await plans.mark_step_done(turn.uow, turn.case_id, step_id)
    except (NotFound, NotOwnedByCase):
        await turn.stale()
        return
    operator = await turn.operator()
    if already:
        # Translators: the adolescent marked a step done that was already marked.
        note = t.gettext("Ya lo tenías marcado. 👍")
    elif operator:
        # Translators: {name} is the first name of the adolescent's operator.
        note = t.gettext("¡Bien hecho! 💪 Le aviso a {name} para que lo confirme.").format(
            name=operator
        )
    else:
        # Translators: after the adolescent marks a step done; staff confirm it.
        note = t.gettext("¡Bien hecho! 💪 Le aviso a tu equipo para que lo confirme.")
    await show_goal(turn, step.goal_id, note)


async def need_help(turn: Turn, goal_id: int) -> None:
    t = turn.t
    goal = await _goal(turn, goal_id)
    if goal is None:
        await turn.stale()
        return
    open_requests = await requests.open_for(turn.uow, turn.case_id)
    asked = any(
        r.reason is RequestReason.GOAL_HELP
        and r.goal_id == goal.id
        and r.status is RequestStatus.OPEN
        for r in open_requests
    )
    if not asked:
        await requests.create(
            turn.uow,
            turn.case_id,
            reason=RequestReason.GOAL_HELP,
            urgency=Urgency.NORMAL,
            goal_id=goal.id,
        )
    operator = await turn.operator()
    today = await turn.reads_today()
    if operator and today:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext(
            "Le aviso a {name} que necesitas ayuda con esta meta. Te busca hoy."
        ).format(name=operator)
    elif operator:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext(
            "Le aviso a {name} que necesitas ayuda con esta meta. Te busca mañana."
        ).format(name=operator)
    elif today:
        # Translators: after "I need help with this goal": the team reaches out today.
        text = t.gettext("Le aviso a tu equipo que necesitas ayuda con esta meta. Te buscan hoy.")
    else:
        # Translators: after "I need help with this goal" in the evening: the team reaches out
        # tomorrow.
        text = t.gettext(
            "Le aviso a tu equipo que necesitas ayuda con esta meta. Te buscan mañana."
        )
    # Translators: after asking for help with a goal: an invitation to explain, optional.
    more = t.gettext("Si quieres, escríbeme aquí qué se te hace difícil y se lo paso.")
    rows = [[button(t.gettext(BACK), actions.goal(goal.id)), menu_button(t)]]
    turn.say(f"{text}\n{more}", rows)
