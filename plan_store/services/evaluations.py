"""The fortnightly evaluation of the life plan (the cadence is the home's setting).

Staff mark flags and messages "for the evaluation" during the period; recording the
evaluation clears those marks, so the next period's sheet starts empty (the audit
entry counts what was discussed).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from plan_store.enums import CaseStatus, Role
from plan_store.errors import CaseClosed, ValidationFailed
from plan_store.models import Adolescent, Evaluation, Flag, Home, Message
from plan_store.services import audit
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.cases import local_today
from plan_store.unit_of_work import UnitOfWork


async def last_of(uow: UnitOfWork, adolescent_id: int) -> Evaluation | None:
    evaluation: Evaluation | None = await uow.session.scalar(
        select(Evaluation)
        .where(Evaluation.adolescent_id == adolescent_id)
        .order_by(Evaluation.held_on.desc(), Evaluation.id.desc())
        .limit(1)
    )
    return evaluation


async def due_on(uow: UnitOfWork, case: Adolescent, home: Home) -> date:
    """When the case's next evaluation is due: as set, else one cadence after the
    last one (or after the case was opened)."""
    if case.next_evaluation_on is not None:
        return case.next_evaluation_on
    last = await uow.session.scalar(
        select(Evaluation.held_on)
        .where(Evaluation.adolescent_id == case.id)
        .order_by(Evaluation.held_on.desc())
        .limit(1)
    )
    start = last or case.created_at.astimezone(ZoneInfo(home.timezone)).date()
    return start + timedelta(days=home.evaluation_cadence_days)


def period_start_of(case: Adolescent, home: Home, last: Evaluation | None) -> date:
    """The first day an evaluation looks back on: the day of the last one. Before the
    first, the day the case was opened or one cadence before the day the evaluation
    is due, whichever is earlier (a case recorded in Rumbo after it arrived has lived
    that fortnight too)."""
    if last is not None:
        return last.held_on
    opened = case.created_at.astimezone(ZoneInfo(home.timezone)).date()
    if case.next_evaluation_on is None:
        return opened
    return min(opened, case.next_evaluation_on - timedelta(days=home.evaluation_cadence_days))


def period_since(case: Adolescent, home: Home, last: Evaluation | None) -> datetime:
    """The moment the period begins: the start of ``period_start_of``'s day, or, for
    an evaluation recorded on the day it was held, the moment it was recorded (what
    came before was discussed in it)."""
    zone = ZoneInfo(home.timezone)
    since = datetime.combine(period_start_of(case, home, last), time.min, zone)
    if last is not None and last.created_at.astimezone(zone).date() == last.held_on:
        # What was there when it was recorded, to the microsecond, belongs to it.
        since = max(since, last.created_at + timedelta(microseconds=1))
    return since


async def record(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    *,
    summary: str,
    goals_reviewed: str = "",
    held_on: date | None = None,
    next_on: date | None = None,
) -> Evaluation:
    """Record an evaluation; the next one is due ``next_on`` (default: one cadence on)."""
    case = await case_for_staff(
        uow, actor, adolescent_id, purpose="change", team=frozenset({Role.SOCIAL_WORKER})
    )
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    summary = summary.strip()
    if not summary:
        raise ValidationFailed("an evaluation needs a summary")
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    today = local_today(uow, home)
    held_on = held_on or today
    if held_on > today:
        raise ValidationFailed("an evaluation cannot be recorded before it is held")
    next_on = next_on or held_on + timedelta(days=home.evaluation_cadence_days)
    if next_on <= held_on:
        raise ValidationFailed("the next evaluation comes after this one")
    period_start = period_start_of(case, home, await last_of(uow, case.id))
    evaluation = Evaluation(
        adolescent_id=case.id,
        held_on=held_on,
        period_start=period_start,
        summary=summary,
        goals_reviewed=goals_reviewed.strip(),
        next_on=next_on,
        recorded_by_id=actor.id,
        created_at=uow.now(),
    )
    uow.session.add(evaluation)
    case.next_evaluation_on = next_on
    await uow.flush()
    discussed = {
        "flags": await _clear_marks(uow, Flag, case.id),
        "messages": await _clear_marks(uow, Message, case.id),
    }
    audit.record(
        uow,
        "evaluation.record",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"evaluation:{evaluation.id}",
        details=discussed,
    )
    return evaluation


async def _clear_marks(uow: UnitOfWork, model: type[Flag] | type[Message], case_id: int) -> int:
    """Unmark the case's flags or messages marked for the evaluation; how many were."""
    marked = list(
        await uow.session.scalars(
            select(model.id).where(model.adolescent_id == case_id, model.marked_for_evaluation)
        )
    )
    if marked:
        await uow.session.execute(
            update(model)
            .where(model.id.in_(marked))
            .values(marked_for_evaluation=False)
            .execution_options(synchronize_session="fetch")
        )
    return len(marked)
