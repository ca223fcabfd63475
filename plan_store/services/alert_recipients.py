"""Who an alert is told to, at each step, and whom it really reaches."""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import AlertStep, DeliveryStatus
from plan_store.models import Adolescent, AlertDelivery, Staff
from plan_store.services import duty
from plan_store.unit_of_work import UnitOfWork


async def recipients(uow: UnitOfWork, case: Adolescent, step: AlertStep) -> list[Staff]:
    if step is AlertStep.ON_DUTY:
        return await duty.on_duty(uow, case.home_id)
    if step is AlertStep.BACKUP:
        people = []
        if case.backup_operator_id is not None:
            backup = await uow.session.get(Staff, case.backup_operator_id)
            if backup is not None and backup.active:
                people.append(backup)
        return people + await duty.on_duty(uow, case.home_id)
    if step is AlertStep.COORDINATORS:
        return await duty.coordinators(uow, case.home_id)
    return []


async def told(uow: UnitOfWork, alert_id: int) -> list[Staff]:
    """The people this alert really reaches: by Telegram or email, or on a console
    page they have open right now; by name."""
    delivered = select(AlertDelivery.staff_id).where(
        AlertDelivery.alert_id == alert_id,
        AlertDelivery.status != DeliveryStatus.FAILED,
    )
    # A subquery, not DISTINCT over the staff rows: PostgreSQL cannot compare their
    # JSON column (the recovery codes).
    rows = await uow.session.scalars(
        select(Staff).where(Staff.id.in_(delivered)).order_by(Staff.display_name)
    )
    people = list(rows)
    reached = await duty.reachable(uow, people)
    return [member for member in people if member.id in reached]
