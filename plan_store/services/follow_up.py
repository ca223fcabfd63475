"""Follow-up after care: light, periodic check-ins until the plan's follow-up ends."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from plan_store.enums import CaseStatus
from plan_store.errors import InvalidTransition, NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import Adolescent, FollowUpCheckin, Home
from plan_store.services import audit, batches
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


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of a shorter month)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_checkin_due(case: Adolescent, today: date, every_months: int) -> date | None:
    """The last check-in date on or before ``today``: every ``every_months`` after
    leaving care, until the follow-up ends (and before 21)."""
    if case.left_care_on is None or case.follow_up_until is None:
        return None
    end = min(case.follow_up_until, twenty_first_birthday(case.birth_date) - timedelta(days=1))
    latest = None
    step = 1
    while True:
        due = add_months(case.left_care_on, step * every_months)
        if due > today or due > end:
            return latest
        latest = due
        step += 1


async def cases_in_follow_up(uow: UnitOfWork, now: datetime) -> list[tuple[Adolescent, datetime]]:
    """The cases in follow-up whose follow-up may still last, each with ``now`` at its
    home (``in_follow_up`` says whether it still does)."""
    rows = await uow.session.execute(
        select(Adolescent, Home)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status == CaseStatus.FOLLOW_UP,
            Adolescent.follow_up_until >= now.date() - timedelta(days=1),
        )
        .order_by(Adolescent.id)
    )
    return [(case, now.astimezone(ZoneInfo(home.timezone))) for case, home in rows.all()]


async def checkins_made(
    uow: UnitOfWork, due_on: Sequence[tuple[Adolescent, date]]
) -> dict[tuple[int, date], FollowUpCheckin]:
    """The check-ins already made among ``due_on``, by (case id, day due)."""
    wanted = {(case.id, due) for case, due in due_on}
    ids = sorted({case_id for case_id, _ in wanted})
    days = sorted({due for _, due in wanted})
    found: dict[tuple[int, date], FollowUpCheckin] = {}
    for start in range(0, len(ids), batches.CHUNK):
        rows = await uow.session.scalars(
            select(FollowUpCheckin).where(
                FollowUpCheckin.adolescent_id.in_(ids[start : start + batches.CHUNK]),
                FollowUpCheckin.due_on.in_(days),
            )
        )
        for row in rows:
            if (row.adolescent_id, row.due_on) in wanted:
                found[row.adolescent_id, row.due_on] = row
    return found


def still_to_send(checkin: FollowUpCheckin | None) -> bool:
    """Not made yet, or made and neither sent nor answered."""
    return checkin is None or (checkin.sent_at is None and checkin.answered_at is None)


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
