"""Who may see which case: operators their caseload, coordinators their home,
admins everything. A case out of scope is reported as not found, and audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from plan_store.enums import Role
from plan_store.errors import NotFound, OutOfScope
from plan_store.models import Adolescent, Staff
from plan_store.services import audit
from plan_store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class StaffActor:
    id: int
    role: Role
    home_id: int | None

    @classmethod
    def of(cls, staff: Staff) -> StaffActor:
        return cls(id=staff.id, role=staff.role, home_id=staff.home_id)


def scope_cases(query: Select[Adolescent], actor: StaffActor) -> Select[Adolescent]:
    """Narrow a query over adolescents to what ``actor`` may see."""
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.where(Adolescent.home_id == actor.home_id)
    return query.where(Adolescent.reference_operator_id == actor.id)


def may_see(actor: StaffActor, case: Adolescent) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.COORDINATOR:
        return case.home_id == actor.home_id
    return case.reference_operator_id == actor.id


async def case_for_staff(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, *, purpose: str = "read"
) -> Adolescent:
    """The case, if ``actor`` may see it; the read itself is audited."""
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        raise NotFound(f"no case {adolescent_id}")
    if not may_see(actor, case):
        await uow.commit_apart(
            audit.entry(
                uow,
                "case.out_of_scope",
                staff_id=actor.id,
                adolescent_id=adolescent_id,
                details={"purpose": purpose},
            )
        )
        raise OutOfScope(f"case {adolescent_id} is outside the caller's scope")
    if purpose == "read":
        audit.record(uow, "case.read", staff_id=actor.id, adolescent_id=adolescent_id)
    return case


async def case_by_number(uow: UnitOfWork, case_number: str) -> Adolescent:
    case = await uow.session.scalar(select(Adolescent).where(Adolescent.case_number == case_number))
    if case is None:
        raise NotFound(f"no case numbered {case_number}")
    return case
