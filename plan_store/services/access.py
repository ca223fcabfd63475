"""Who may see which case: operators their caseload, coordinators and the team
around the plan (psychologists, social workers, lawyers, educators) their home,
admins everything. A case out of scope is reported as not found, and audited.

Who may change what: operators, coordinators and admins change the cases they see.
The team writes only what its role writes (a note, a step they answer for, an
appointment of their kind, the social worker's evaluation): a service lets them
through with ``case_for_staff(..., team=...)``; any other change by them is refused
(``RoleRefused``) and audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from plan_store.enums import AppointmentKind, Role
from plan_store.errors import NotFound, OutOfScope, RoleRefused
from plan_store.models import Adolescent, Staff
from plan_store.services import audit
from plan_store.unit_of_work import UnitOfWork

TEAM_ROLES = frozenset(
    {
        Role.PSYCHOLOGIST,
        Role.SOCIAL_WORKER,
        Role.LAWYER,
        Role.EDUCATOR,
    }
)
"""The team around the plan: they read their home's cases and write what their role writes."""
HOME_WIDE = TEAM_ROLES | {Role.COORDINATOR}
"""Roles that read every case of their home."""
RESPONSIBLE_ROLES = TEAM_ROLES | {Role.OPERATOR, Role.COORDINATOR}
"""Who can answer for a step of a plan."""
FAMILY_WRITERS = frozenset({Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.COORDINATOR})
"""Who records her family contacts (allowed by the authority) and the calls and visits;
everyone else who sees the case reads them."""
LEGAL_WRITERS = frozenset({Role.LAWYER})
"""Who records her legal and migration procedure; everyone else who sees the case reads it."""

TEAM_APPOINTMENTS: dict[Role, frozenset[AppointmentKind]] = {
    Role.PSYCHOLOGIST: frozenset({AppointmentKind.PSYCHOLOGY}),
    Role.SOCIAL_WORKER: frozenset({AppointmentKind.HEALTH, AppointmentKind.OTHER}),
    Role.LAWYER: frozenset({AppointmentKind.LEGAL}),
    Role.EDUCATOR: frozenset({AppointmentKind.SCHOOL, AppointmentKind.JOB_TRAINING}),
}
"""The appointments each role of the team schedules; the others schedule any kind."""


def may_schedule(role: Role, kind: AppointmentKind) -> bool:
    return role not in TEAM_ROLES or kind in TEAM_APPOINTMENTS.get(role, frozenset())


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
    if actor.role in HOME_WIDE:
        return query.where(Adolescent.home_id == actor.home_id)
    return query.where(Adolescent.reference_operator_id == actor.id)


def may_see(actor: StaffActor, case: Adolescent) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if actor.role in HOME_WIDE:
        return case.home_id == actor.home_id
    return case.reference_operator_id == actor.id


async def case_for_staff(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    *,
    purpose: str = "read",
    team: frozenset[Role] = frozenset(),
) -> Adolescent:
    """The case, if ``actor`` may see it; the read itself is audited.

    ``purpose="change"`` also refuses the team around the plan, except the roles in
    ``team`` (``RoleRefused``, audited); ``"reach"`` checks the scope only, for a
    caller that leaves the role check to the service it calls next."""
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
    if purpose == "change" and actor.role in TEAM_ROLES and actor.role not in team:
        await refuse_role(uow, actor, adolescent_id, f"a {actor.role} does not make this change")
    if purpose == "read":
        audit.record(uow, "case.read", staff_id=actor.id, adolescent_id=adolescent_id)
    return case


async def refuse_role(uow: UnitOfWork, actor: StaffActor, adolescent_id: int, why: str) -> None:
    """Refuse a change that is not ``actor``'s role to make; the attempt stays audited."""
    await uow.commit_apart(
        audit.entry(
            uow,
            "case.role_refused",
            staff_id=actor.id,
            adolescent_id=adolescent_id,
            details={"role": actor.role.value},
        )
    )
    raise RoleRefused(why)


async def case_for_writers(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, writers: frozenset[Role]
) -> Adolescent:
    """The case, for a change only ``writers`` make (whatever else the actor's role may
    change): out of scope is ``OutOfScope``, another role ``RoleRefused``; both audited."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="reach")
    if actor.role not in writers:
        await refuse_role(uow, actor, adolescent_id, f"a {actor.role} does not make this change")
    return case


async def case_by_number(uow: UnitOfWork, case_number: str) -> Adolescent:
    case = await uow.session.scalar(select(Adolescent).where(Adolescent.case_number == case_number))
    if case is None:
        raise NotFound(f"no case numbered {case_number}")
    return case
