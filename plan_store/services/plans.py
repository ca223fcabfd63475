"""The life plan: goals by programme and horizon, and the steps towards them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from plan_store.enums import CaseStatus, GoalStatus, Horizon, Programme, Role
from plan_store.errors import (
    CaseClosed,
    NotFound,
    NotOwnedByCase,
    StepNotDone,
    ValidationFailed,
)
from plan_store.models import Adolescent, Goal, Home, LifePlan, Staff, Step
from plan_store.services import audit
from plan_store.services.access import (
    RESPONSIBLE_ROLES,
    TEAM_ROLES,
    StaffActor,
    case_for_staff,
    refuse_role,
)
from plan_store.unit_of_work import UnitOfWork

# Short-term goals first: ordering by the stored word would put "long" first.
HORIZON_ORDER = case({horizon: rank for rank, horizon in enumerate(Horizon)}, value=Goal.horizon)
OPEN_GOAL = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS)
ADOLESCENT_RESPONSIBLE = frozenset(
    {"adolescente", "el adolescente", "la adolescente", "el/la adolescente", "yo", "tú", "tu"}
)
"""How staff write, in a step's "responsible", that the step is the adolescent's
(besides their alias)."""


@dataclass(frozen=True, slots=True)
class Progress:
    confirmed: int
    total: int


def progress(goal: Goal) -> Progress:
    """Steps confirmed by staff out of all steps (needs ``goal.steps`` loaded)."""
    return Progress(sum(s.confirmed_at is not None for s in goal.steps), len(goal.steps))


def next_step(goal: Goal) -> Step | None:
    """The first step not yet done, in plan order."""
    return next((s for s in goal.steps if s.done_at is None), None)


async def plan_of(uow: UnitOfWork, adolescent_id: int) -> LifePlan:
    plan = await uow.session.scalar(
        select(LifePlan)
        .where(LifePlan.adolescent_id == adolescent_id)
        .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
    )
    if plan is None:
        raise NotFound(f"case {adolescent_id} has no plan")
    return plan


async def goals_of(
    uow: UnitOfWork, adolescent_id: int, programme: Programme | None = None
) -> list[Goal]:
    """Active goals (not dropped) with their steps, in plan order."""
    query = (
        select(Goal)
        .join(LifePlan, LifePlan.id == Goal.plan_id)
        .where(LifePlan.adolescent_id == adolescent_id, Goal.status != GoalStatus.DROPPED)
        .options(selectinload(Goal.steps))
        .order_by(Goal.programme, HORIZON_ORDER, Goal.position, Goal.id)
    )
    if programme is not None:
        query = query.where(Goal.programme == programme)
    return list(await uow.session.scalars(query))


async def goal_of_case(uow: UnitOfWork, adolescent_id: int, goal_id: int) -> Goal:
    """The goal, if it is on this adolescent's plan."""
    goal = await uow.session.scalar(
        select(Goal).where(Goal.id == goal_id).options(selectinload(Goal.steps))
    )
    if goal is None:
        raise NotFound(f"no goal {goal_id}")
    plan = await uow.session.get(LifePlan, goal.plan_id)
    if plan is None or plan.adolescent_id != adolescent_id:
        raise NotOwnedByCase(f"goal {goal_id} is on another adolescent's plan")
    return goal


async def _step_of_case(uow: UnitOfWork, adolescent_id: int, step_id: int) -> tuple[Step, Goal]:
    step = await uow.session.get(Step, step_id)
    if step is None:
        raise NotFound(f"no step {step_id}")
    goal = await goal_of_case(uow, adolescent_id, step.goal_id)
    return step, goal


async def add_goal(
    uow: UnitOfWork,
    actor: StaffActor | None,
    adolescent_id: int,
    *,
    programme: Programme,
    horizon: Horizon,
    title: str,
    target_date: date | None = None,
    status: GoalStatus = GoalStatus.NOT_STARTED,
) -> Goal:
    case = await _editable_case(uow, actor, adolescent_id)
    title = _clean_title(title)
    plan = await plan_of(uow, case.id)
    goal = Goal(
        plan_id=plan.id,
        programme=programme,
        horizon=horizon,
        title=title,
        target_date=target_date,
        status=status,
        position=await _next_position(uow, Goal.position, Goal.plan_id == plan.id),
        created_at=uow.now(),
        updated_at=uow.now(),
    )
    uow.session.add(goal)
    plan.revised_at = uow.now()
    await uow.flush()
    _audit(uow, actor, "goal.add", case.id, f"goal:{goal.id}")
    return goal


async def update_goal(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, goal_id: int, **changes: Any
) -> Goal:
    """Change a goal's title, programme, horizon, status or target date."""
    allowed = {"title", "programme", "horizon", "status", "target_date"}
    if unknown := set(changes) - allowed:
        raise ValidationFailed(f"cannot change {sorted(unknown)}")
    case = await _editable_case(uow, actor, adolescent_id)
    goal = await goal_of_case(uow, case.id, goal_id)
    if "title" in changes:
        changes["title"] = _clean_title(changes["title"])
    for field, value in changes.items():
        setattr(goal, field, value)
    goal.updated_at = uow.now()
    plan = await uow.session.get(LifePlan, goal.plan_id)
    assert plan is not None
    plan.revised_at = uow.now()
    _audit(uow, actor, "goal.update", case.id, f"goal:{goal.id}", sorted(changes))
    return goal


async def add_step(
    uow: UnitOfWork,
    actor: StaffActor | None,
    adolescent_id: int,
    goal_id: int,
    *,
    title: str,
    responsible: str = "",
    responsible_staff_id: int | None = None,
    due_on: date | None = None,
) -> Step:
    """A step towards a goal. Its responsible is a person of the team
    (``responsible_staff_id``: an active member of the case's home) or free words
    ("Tú", "La escuela"). The team around the plan adds only the steps they answer for."""
    case = await _editable_case(uow, actor, adolescent_id, team=TEAM_ROLES)
    if actor is not None and actor.role in TEAM_ROLES and responsible_staff_id != actor.id:
        await refuse_role(uow, actor, case.id, "the team adds only the steps they answer for")
    goal = await goal_of_case(uow, case.id, goal_id)
    if responsible_staff_id is not None:
        person = await _responsible(uow, responsible_staff_id, case.home_id)
        responsible = person.display_name
    step = Step(
        goal_id=goal.id,
        title=_clean_title(title),
        responsible=" ".join(responsible.split())[:80] or "—",
        responsible_staff_id=responsible_staff_id,
        due_on=due_on,
        position=await _next_position(uow, Step.position, Step.goal_id == goal.id),
    )
    uow.session.add(step)
    await uow.flush()
    _audit(uow, actor, "step.add", case.id, f"step:{step.id}")
    return step


async def mark_step_done(uow: UnitOfWork, adolescent_id: int, step_id: int) -> Step:
    """The adolescent says "I did this"; it waits for staff to confirm."""
    step, goal = await _step_of_case(uow, adolescent_id, step_id)
    if step.done_at is None:
        step.done_at = uow.now()
        if goal.status is GoalStatus.NOT_STARTED:
            goal.status = GoalStatus.IN_PROGRESS
        audit.record(
            uow,
            "step.done",
            actor="adolescent",
            adolescent_id=adolescent_id,
            target=f"step:{step.id}",
        )
    return step


async def confirm_step(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, step_id: int
) -> Step:
    case = await _editable_case(uow, actor, adolescent_id, team=TEAM_ROLES)
    step, goal = await _step_of_case(uow, case.id, step_id)
    if actor.role in TEAM_ROLES and step.responsible_staff_id != actor.id:
        await refuse_role(uow, actor, case.id, "the team confirms only the steps they answer for")
    if step.done_at is None:
        raise StepNotDone(f"step {step_id} is not marked done")
    if step.confirmed_at is None:
        step.confirmed_at = uow.now()
        step.confirmed_by_id = actor.id
        if goal.status is GoalStatus.NOT_STARTED:
            goal.status = GoalStatus.IN_PROGRESS
        _audit(uow, actor, "step.confirm", case.id, f"step:{step.id}")
    return step


async def _responsible(uow: UnitOfWork, staff_id: int, home_id: int) -> Staff:
    person = await uow.session.get(Staff, staff_id)
    if (
        person is None
        or not person.active
        or person.home_id != home_id
        or person.role not in RESPONSIBLE_ROLES
    ):
        raise ValidationFailed(f"staff {staff_id} cannot answer for a step of this case")
    return person


async def responsible_of(uow: UnitOfWork, step: Step) -> Staff | None:
    """The person of the team who answers for ``step``, if one was named and is active."""
    if step.responsible_staff_id is None:
        return None
    person = await uow.session.get(Staff, step.responsible_staff_id)
    return person if person is not None and person.active else None


async def responsible_people(uow: UnitOfWork, home_id: int) -> list[Staff]:
    """Who of the home can answer for a step, by name."""
    rows = await uow.session.scalars(
        select(Staff).where(
            Staff.home_id == home_id, Staff.active, Staff.role.in_(sorted(RESPONSIBLE_ROLES))
        )
    )
    return sorted(rows, key=lambda s: (s.display_name.casefold(), s.id))


async def _editable_case(
    uow: UnitOfWork,
    actor: StaffActor | None,
    adolescent_id: int,
    *,
    team: frozenset[Role] = frozenset(),
) -> Adolescent:
    if actor is None:
        case = await uow.session.get(Adolescent, adolescent_id)
        if case is None:
            raise NotFound(f"no case {adolescent_id}")
    else:
        case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=team)
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    return case


async def _next_position(
    uow: UnitOfWork, position: InstrumentedAttribute[int], where: ColumnElement[bool]
) -> int:
    """One past the last position in the database. Not ``len()`` of a loaded collection:
    within one unit of work the collection loaded first does not see rows added since,
    and every step added in one go would share position 0, leaving their order to the
    database."""
    last = await uow.session.scalar(select(func.max(position)).where(where))
    return 0 if last is None else int(last) + 1


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ValidationFailed("a title cannot be empty")
    if len(title) > 200:
        raise ValidationFailed("a title has at most 200 characters")
    return title


def _audit(
    uow: UnitOfWork,
    actor: StaffActor | None,
    action: str,
    adolescent_id: int,
    target: str,
    fields: list[str] | None = None,
) -> None:
    audit.record(
        uow,
        action,
        staff_id=actor.id if actor else None,
        actor="system" if actor is None else "staff",
        adolescent_id=adolescent_id,
        target=target,
        details={"fields": fields} if fields else None,
    )


# ------------------------------------------------------------------ steps coming due


def is_adolescents(step: Step, case: Adolescent) -> bool:
    """Whether the step's "responsible" names the adolescent (the alias, or "yo")."""
    responsible = " ".join(step.responsible.split()).casefold()
    return responsible == case.alias.strip().casefold() or responsible in ADOLESCENT_RESPONSIBLE


async def open_steps_due(
    uow: UnitOfWork, first: date, last: date
) -> list[tuple[Step, Goal, Adolescent, Home]]:
    """Steps not done, of open goals of open cases, due from ``first`` to ``last``."""
    rows = await uow.session.execute(
        select(Step, Goal, Adolescent, Home)
        .join(Goal, Goal.id == Step.goal_id)
        .join(LifePlan, LifePlan.id == Goal.plan_id)
        .join(Adolescent, Adolescent.id == LifePlan.adolescent_id)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status != CaseStatus.CLOSED,
            Goal.status.in_(OPEN_GOAL),
            Step.done_at.is_(None),
            Step.due_on >= first,
            Step.due_on <= last,
        )
        .order_by(Step.due_on, Step.id)
    )
    return [(s, g, c, h) for s, g, c, h in rows.all()]
