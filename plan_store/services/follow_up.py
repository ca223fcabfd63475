"""Follow-up after care: light, periodic check-ins until the plan's follow-up ends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from plan_store.enums import CaseStatus
from plan_store.errors import InvalidTransition, NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import Adolescent, FollowUpCheckin
from plan_store.services import audit
from plan_store.services.cases import twenty_first_birthday
from plan_store.unit_of_work import UnitOfWork

QUESTIONS = ("housing", "school_work", "health", "wants_contact")


def last_day(case: Adolescent) -> date | None:
    """The last day of the case's follow-up: its end date, and the day before 21."""
    if case.follow_up_until is None:
        return None
    return min(case.follow_up_until, twenty_first_birthday(case.birth_date) - timedelta(days=1))


def in_follow_up(case: Adolescent, today: date) -> bool:
    """Whether the case is in follow-up after care on ``today`` (the home's day)."""
    end = last_day(case)
    return case.status is CaseStatus.FOLLOW_UP and end is not None and today <= end


async def checkin_due(uow: UnitOfWork, adolescent_id: int, due_on: date) -> FollowUpCheckin:
    """The check-in due on ``due_on``, made on first call (a job may run it often).

    Only for a case in follow-up, and not after its follow-up ends."""
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        raise NotFound(f"no case {adolescent_id}")
    if case.status is not CaseStatus.FOLLOW_UP:
        raise InvalidTransition(f"case {adolescent_id} is {case.status}, not in follow-up")
    if case.follow_up_until is None or due_on > case.follow_up_until:
        raise ValidationFailed(f"the follow-up of case {adolescent_id} ends before {due_on}")
    checkin = await uow.session.scalar(
        select(FollowUpCheckin).where(
            FollowUpCheckin.adolescent_id == adolescent_id, FollowUpCheckin.due_on == due_on
        )
    )
    if checkin is None:
        checkin = FollowUpCheckin(adolescent_id=adolescent_id, due_on=due_on, answers={})
        uow.session.add(checkin)
        await uow.flush()
        audit.record(
            uow,
            "follow_up.due",
            actor="system",
            adolescent_id=adolescent_id,
            target=f"checkin:{checkin.id}",
        )
    return checkin


async def answer_checkin(
    uow: UnitOfWork, adolescent_id: int, checkin_id: int, answers: dict[str, Any]
) -> FollowUpCheckin:
    checkin = await uow.session.get(FollowUpCheckin, checkin_id)
    if checkin is None:
        raise NotFound(f"no check-in {checkin_id}")
    if checkin.adolescent_id != adolescent_id:
        raise NotOwnedByCase(f"check-in {checkin_id} belongs to another adolescent")
    merged = dict(checkin.answers)
    merged.update({k: v for k, v in answers.items() if k in QUESTIONS})
    checkin.answers = merged
    checkin.answered_at = uow.now()
    audit.record(
        uow,
        "follow_up.answer",
        actor="adolescent",
        adolescent_id=adolescent_id,
        target=f"checkin:{checkin.id}",
    )
    return checkin
