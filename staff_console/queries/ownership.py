"""Whose is this? An object reached through a case must be that case's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from plan_store.errors import NotFound
from plan_store.models import Appointment, Flag, Goal, LifePlan, Message, OperatorRequest, Step
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork

_OWNERS: dict[type[Any], Any] = {
    Appointment: Appointment.adolescent_id,
    Flag: Flag.adolescent_id,
    Message: Message.adolescent_id,
    OperatorRequest: OperatorRequest.adolescent_id,
}


async def owner_of(uow: UnitOfWork, model: type[Any], object_id: int) -> int | None:
    """The adolescent a goal, step, appointment, flag, message or request belongs to."""
    if model is Goal:
        query = (
            select(LifePlan.adolescent_id)
            .join(Goal, Goal.plan_id == LifePlan.id)
            .where(Goal.id == object_id)
        )
    elif model is Step:
        query = (
            select(LifePlan.adolescent_id)
            .join(Goal, Goal.plan_id == LifePlan.id)
            .join(Step, Step.goal_id == Goal.id)
            .where(Step.id == object_id)
        )
    else:
        column = _OWNERS[model]
        query = select(column).where(model.id == object_id)
    found = await uow.session.scalar(query)
    return int(found) if found is not None else None


async def require_owned(
    uow: UnitOfWork, actor: StaffActor, case_id: int, model: type[Any], object_id: int
) -> None:
    """Refuse, as not found, a case out of scope or an object that is not this case's.
    When the object belongs to a case outside the caller's scope, that attempt is
    audited too."""
    await case_for_staff(uow, actor, case_id, purpose="reach")
    owner = await owner_of(uow, model, object_id)
    if owner == case_id:
        return
    if owner is not None:
        await case_for_staff(uow, actor, owner, purpose="probe")
    raise NotFound(f"no {model.__name__} {object_id} in case {case_id}")


async def require_owned_case(uow: UnitOfWork, actor: StaffActor, case_id: int) -> None:
    """The case must be in scope before anything about it is read (audited if not)."""
    await case_for_staff(uow, actor, case_id, purpose="reach")
