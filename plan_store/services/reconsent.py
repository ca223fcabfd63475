"""Consent asked again at 18: who has come of age since consenting as a minor.

The consent service says whose consent needs renewing (``ConsentState``); this
module finds the cases that have turned 18 and are still reachable, and the key
under which each is asked once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from plan_store.enums import CaseStatus
from plan_store.models import Adolescent, ChatLink
from plan_store.services.consent import ADULTHOOD
from plan_store.unit_of_work import UnitOfWork


def key(case_id: int) -> str:
    """The outbox dedupe key of the one question at 18."""
    return f"reconsent18:{case_id}"


async def come_of_age(uow: UnitOfWork, now: datetime) -> list[Adolescent]:
    """Open cases with a linked chat whose adolescent is 18 by tomorrow's date (UTC);
    whether their consent needs renewing is the consent state's to say."""
    latest_birth = _years_before(now.date() + timedelta(days=1), ADULTHOOD)
    rows = await uow.session.scalars(
        select(Adolescent)
        .join(ChatLink, ChatLink.adolescent_id == Adolescent.id)
        .where(Adolescent.status != CaseStatus.CLOSED, ChatLink.active)
        .distinct()
        .order_by(Adolescent.id)
    )
    return [case for case in rows if case.birth_date <= latest_birth]  # encrypted: here


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)
