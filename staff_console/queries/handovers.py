"""Handovers: the ones waiting for the actor on the dashboard, and a case's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from plan_store.models import Handover
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from staff_console.queries.common import CASE_COLUMNS, CaseRef, case_ref, open_cases, staff_names


@dataclass(frozen=True, slots=True)
class HandoverItem:
    id: int
    case: CaseRef
    created_at: datetime


async def handovers_for(uow: UnitOfWork, actor: StaffActor) -> list[HandoverItem]:
    """Cases handed to ``actor`` whose handover note she has not read yet."""
    rows = await uow.session.execute(
        open_cases(
            select(Handover.id, Handover.created_at, *CASE_COLUMNS).where(
                Handover.to_staff_id == actor.id, Handover.read_at.is_(None)
            ),
            Handover.adolescent_id,
            actor,
        ).order_by(Handover.created_at)
    )
    return [HandoverItem(r[0], case_ref(r[2:]), r[1]) for r in rows]


@dataclass(frozen=True, slots=True)
class HandoverView:
    id: int
    from_name: str | None
    to_staff_id: int
    to_name: str
    by_name: str
    note: str
    created_at: datetime
    read_at: datetime | None


async def handovers_of(uow: UnitOfWork, case_id: int, *, limit: int = 5) -> list[HandoverView]:
    """The case's handovers, newest first, with their notes."""
    rows = list(
        await uow.session.scalars(
            select(Handover)
            .where(Handover.adolescent_id == case_id)
            .order_by(Handover.created_at.desc(), Handover.id.desc())
            .limit(limit)
        )
    )
    names = await staff_names(
        uow, {i for r in rows for i in (r.from_staff_id, r.to_staff_id, r.by_staff_id)}
    )
    return [
        HandoverView(
            id=r.id,
            from_name=names.get(r.from_staff_id or 0),
            to_staff_id=r.to_staff_id,
            to_name=names.get(r.to_staff_id, ""),
            by_name=names.get(r.by_staff_id, ""),
            note=uow.cipher.decrypt(r.note_ciphertext),
            created_at=r.created_at,
            read_at=r.read_at,
        )
        for r in rows
    ]
