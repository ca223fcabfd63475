"""The evaluations: the board of cases due, and the sheet that prepares one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from plan_store.enums import AppointmentStatus, CaseStatus, GoalStatus, MessageDirection
from plan_store.models import (
    Adolescent,
    Appointment,
    Evaluation,
    Flag,
    Goal,
    Home,
    LifePlan,
    Message,
    OperatorRequest,
    Staff,
    Step,
)
from plan_store.services import evaluations
from plan_store.services import flags as flag_service
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.cases import local_today
from plan_store.unit_of_work import UnitOfWork
from staff_console.activity import Event, ProgrammeProgress, progress_by_programme
from staff_console.activity import period as activity_period
from staff_console.queries.case import HORIZONS, PROGRAMMES, FlagView
from staff_console.queries.common import (
    CASE_COLUMNS,
    CaseRef,
    as_date,
    case_ref,
    home_days,
    per_case,
    per_zone,
    scoped,
    staff_names,
)


@dataclass(frozen=True, slots=True)
class BoardRow:
    case: CaseRef
    due_on: date
    today: date
    last_held_on: date | None
    operator_name: str | None

    @property
    def days_late(self) -> int:
        return (self.today - self.due_on).days


async def evaluation_board(
    uow: UnitOfWork, actor: StaffActor, now: datetime, *, within_days: int, limit: int = 300
) -> list[BoardRow]:
    """Cases in care whose evaluation is overdue or due within ``within_days``."""
    days = await home_days(uow, now)
    last_held = per_case(func.max(Evaluation.held_on), Evaluation.adolescent_id).scalar_subquery()
    query = scoped(
        select(Adolescent.next_evaluation_on, last_held, Staff.display_name, *CASE_COLUMNS)
        .join(Home, Home.id == Adolescent.home_id)
        .outerjoin(Staff, Staff.id == Adolescent.reference_operator_id)
        .where(
            Adolescent.status == CaseStatus.IN_CARE,
            Adolescent.next_evaluation_on.is_not(None),
            per_zone(
                days,
                lambda today: Adolescent.next_evaluation_on <= today + timedelta(days=within_days),
            ),
        ),
        actor,
    )
    # The alias is encrypted: ties of the date are ordered here.
    found = (await uow.session.execute(query)).all()
    rows = sorted(found, key=lambda r: (r[0], r[4].casefold(), r[3]))[:limit]
    return [
        BoardRow(case_ref(r[3:]), r[0] or days[r[6]], days[r[6]], as_date(r[1]), r[2]) for r in rows
    ]


@dataclass(frozen=True, slots=True)
class GoalReview:
    goal: Goal
    done_in_period: list[Step]
    confirmed_in_period: list[Step]
    overdue: list[Step]


@dataclass(frozen=True, slots=True)
class MarkedMessage:
    id: int
    body: str
    created_at: datetime
    inbound: bool


@dataclass(slots=True)
class EvaluationSheet:
    case: Adolescent
    home: Home
    today: date
    period_start: date
    last: Evaluation | None
    operator_name: str | None
    goals: list[GoalReview]
    appointments: list[Appointment]
    attendance: dict[AppointmentStatus, int]
    flags_in_period: list[Flag]
    marked_flags: list[FlagView]
    marked_messages: list[MarkedMessage]
    requests_in_period: list[OperatorRequest]
    inbound_count: int
    next_default: date
    activity: list[Event] = field(default_factory=list)
    staff_names: dict[int, str] = field(default_factory=dict)
    progress: list[ProgrammeProgress] = field(default_factory=list)


async def evaluation_sheet(uow: UnitOfWork, actor: StaffActor, case_id: int) -> EvaluationSheet:
    """What happened since the last evaluation: the preparation sheet. Audited read."""
    case = await case_for_staff(uow, actor, case_id)
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    today = local_today(uow, home)
    last = await evaluations.last_of(uow, case.id)
    since = evaluations.period_since(case, home, last)
    now = uow.now()
    plan = await uow.session.scalar(
        select(LifePlan)
        .where(LifePlan.adolescent_id == case.id)
        .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
    )
    goals = list(plan.goals) if plan else []
    period_appointments = await _appointments_between(uow, case.id, since, now)
    attendance: dict[AppointmentStatus, int] = defaultdict(int)
    for appointment in period_appointments:
        attendance[appointment.status] += 1
    all_flags = await flag_service.for_case(uow, case.id)
    marked = [f for f in all_flags if f.marked_for_evaluation]
    message_rows = await _marked_messages(uow, case.id, marked)
    bodies = {m.id: uow.cipher.decrypt(m.body_ciphertext) for m in message_rows}
    events = await activity_period(uow, case.id, since, now)
    names = await staff_names(uow, {case.reference_operator_id} | {e.staff_id for e in events})
    return EvaluationSheet(
        case=case,
        home=home,
        today=today,
        period_start=evaluations.period_start_of(case, home, last),
        last=last,
        operator_name=names.get(case.reference_operator_id or 0),
        goals=_goal_reviews(goals, since, today),
        appointments=period_appointments,
        attendance=dict(attendance),
        flags_in_period=[f for f in all_flags if f.created_at >= since],
        marked_flags=[FlagView(f, bodies.get(f.message_id or 0)) for f in marked],
        marked_messages=[
            MarkedMessage(m.id, bodies[m.id], m.created_at, m.direction is MessageDirection.INBOUND)
            for m in message_rows
            if m.marked_for_evaluation
        ],
        requests_in_period=await _requests_since(uow, case.id, since),
        inbound_count=await _inbound_since(uow, case.id, since),
        next_default=today + timedelta(days=home.evaluation_cadence_days),
        activity=events,
        staff_names=names,
        progress=progress_by_programme(goals),
    )


def _goal_reviews(goals: list[Goal], since: datetime, today: date) -> list[GoalReview]:
    """The goals not dropped, by programme, horizon and position, with their steps
    done and confirmed in the period, and those overdue."""
    return [
        GoalReview(
            goal=goal,
            done_in_period=[s for s in goal.steps if s.done_at and s.done_at >= since],
            confirmed_in_period=[
                s for s in goal.steps if s.confirmed_at and s.confirmed_at >= since
            ],
            overdue=[s for s in goal.steps if s.done_at is None and s.due_on and s.due_on < today],
        )
        for goal in sorted(
            goals,
            key=lambda g: (PROGRAMMES.index(g.programme), HORIZONS.index(g.horizon), g.position),
        )
        if goal.status is not GoalStatus.DROPPED
    ]


async def _appointments_between(
    uow: UnitOfWork, case_id: int, since: datetime, now: datetime
) -> list[Appointment]:
    """The case's appointments that started in the period (their time is encrypted:
    the period is chosen here)."""
    return sorted(
        (
            a
            for a in await uow.session.scalars(
                select(Appointment).where(Appointment.adolescent_id == case_id)
            )
            if since <= a.starts_at <= now
        ),
        key=lambda a: (a.starts_at, a.id),
    )


async def _marked_messages(uow: UnitOfWork, case_id: int, marked: list[Flag]) -> list[Message]:
    """Messages marked for the evaluation, and those behind the flags marked for it."""
    marked_ids = {f.message_id for f in marked if f.message_id is not None}
    return list(
        await uow.session.scalars(
            select(Message)
            .where(
                Message.adolescent_id == case_id,
                or_(Message.marked_for_evaluation, Message.id.in_(sorted(marked_ids) or [0])),
            )
            .order_by(Message.created_at)
        )
    )


async def _inbound_since(uow: UnitOfWork, case_id: int, since: datetime) -> int:
    count = await uow.session.scalar(
        select(func.count(Message.id)).where(
            Message.adolescent_id == case_id,
            Message.direction == MessageDirection.INBOUND,
            Message.created_at >= since,
        )
    )
    return int(count or 0)


async def _requests_since(uow: UnitOfWork, case_id: int, since: datetime) -> list[OperatorRequest]:
    return list(
        await uow.session.scalars(
            select(OperatorRequest)
            .where(OperatorRequest.adolescent_id == case_id, OperatorRequest.created_at >= since)
            .order_by(OperatorRequest.created_at)
        )
    )
