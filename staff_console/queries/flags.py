"""The flags page: the open and acknowledged flags of the cases in scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, select

from plan_store.enums import FlagStatus, Severity
from plan_store.models import Flag
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from staff_console.queries.common import (
    ACTIVE_FLAG,
    CASE_COLUMNS,
    SEVERITY_ORDER,
    CaseRef,
    Section,
    case_ref,
    open_cases,
    section_rows,
)


@dataclass(frozen=True, slots=True)
class FlagRow:
    id: int
    case: CaseRef
    category: StrEnum
    severity: Severity
    status: FlagStatus
    created_at: datetime
    marked_for_evaluation: bool


async def active_flags(uow: UnitOfWork, actor: StaffActor, *, limit: int = 200) -> Section[FlagRow]:
    return await flag_section(uow, actor, limit)


async def flag_section(
    uow: UnitOfWork, actor: StaffActor, limit: int, *conditions: ColumnElement[bool]
) -> Section[FlagRow]:
    """Open and acknowledged flags (that also meet ``conditions``) of the open cases in
    ``actor``'s scope, the most severe first, then the oldest."""
    query = open_cases(
        select(
            Flag.id,
            Flag.category,
            Flag.severity,
            Flag.status,
            Flag.created_at,
            Flag.marked_for_evaluation,
            *CASE_COLUMNS,
        ).where(Flag.status.in_(ACTIVE_FLAG), *conditions),
        Flag.adolescent_id,
        actor,
    ).order_by(SEVERITY_ORDER, Flag.created_at)
    rows, total = await section_rows(uow, query, limit)
    return Section(
        [FlagRow(r[0], case_ref(r[6:]), r[1], r[2], r[3], r[4], r[5]) for r in rows], total
    )
