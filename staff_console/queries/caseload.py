"""The case list: the cases in scope, a page at a time, and a case by its number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select

from plan_store.enums import CaseStatus, RequestStatus
from plan_store.errors import NotFound
from plan_store.models import Adolescent, Flag, Home, OperatorRequest, Staff
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from staff_console.queries.common import ACTIVE_FLAG, per_case, scoped


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    alias: str
    case_number: str
    phase: StrEnum
    care_setting: StrEnum
    status: CaseStatus
    next_evaluation_on: date | None
    home_name: str
    operator_name: str | None
    open_flags: int
    open_requests: int


@dataclass(slots=True)
class CaseList:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


async def caseload(
    uow: UnitOfWork,
    actor: StaffActor,
    *,
    status: CaseStatus | None,
    page: int,
    per_page: int,
) -> CaseList:
    open_flags = per_case(
        func.count(Flag.id), Flag.adolescent_id, Flag.status.in_(ACTIVE_FLAG)
    ).scalar_subquery()
    open_requests = per_case(
        func.count(OperatorRequest.id),
        OperatorRequest.adolescent_id,
        OperatorRequest.status == RequestStatus.OPEN,
    ).scalar_subquery()
    query = scoped(
        select(
            Adolescent.id,
            Adolescent.alias,
            Adolescent.case_number,
            Adolescent.phase,
            Adolescent.care_setting,
            Adolescent.status,
            Adolescent.next_evaluation_on,
            Home.name,
            Staff.display_name,
            open_flags,
            open_requests,
        )
        .join(Home, Home.id == Adolescent.home_id)
        .outerjoin(Staff, Staff.id == Adolescent.reference_operator_id),
        actor,
    )
    if status is not None:
        query = query.where(Adolescent.status == status)
    # The alias is encrypted: the order (and so the page) is chosen here.
    keys = (
        await uow.session.execute(query.with_only_columns(Adolescent.id, Adolescent.alias))
    ).all()
    ordered = [r[0] for r in sorted(keys, key=lambda r: (r[1].casefold(), r[1], r[0]))]
    total = len(ordered)
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    wanted = ordered[(page - 1) * per_page : page * per_page]
    position = {case_id: n for n, case_id in enumerate(wanted)}
    found = await uow.session.execute(query.where(Adolescent.id.in_(wanted or [0])))
    rows = sorted(found.all(), key=lambda r: position[r[0]])
    return CaseList([CaseRow(*row) for row in rows], total, page, pages)


async def case_id_by_number(uow: UnitOfWork, case_number: str) -> int:
    found = await uow.session.scalar(
        select(Adolescent.id).where(Adolescent.case_number == case_number.strip().upper())
    )
    if found is None:
        raise NotFound("no such case number")
    return int(found)
