"""Her legal and migration procedure: its kind (refugee recognition, humanitarian
card, regularisation, family reunification, assisted return), its stage, the next
date and what happens then, and the lawyer who follows it. Each change of stage is
kept (``LegalStageChange``): they are the steps she sees in her chat.

Lawyers record it (``access.LEGAL_WRITERS``); everyone else who sees the case reads
it. The next date says where she will be: encrypted. Every change is audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from plan_store.enums import CaseStatus, LegalKind, LegalStage, Role
from plan_store.errors import CaseClosed, NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import Adolescent, LegalProcedure, LegalStageChange, Staff
from plan_store.services import audit
from plan_store.services.access import LEGAL_WRITERS, StaffActor, case_for_writers
from plan_store.unit_of_work import UnitOfWork

MAX_WHAT = 160


@dataclass(frozen=True, slots=True)
class StageView:
    stage: LegalStage
    at: datetime


@dataclass(frozen=True, slots=True)
class ProcedureView:
    id: int
    kind: LegalKind
    stage: LegalStage
    next_on: date | None
    next_what: str
    followed_by_id: int | None
    followed_by: str | None
    """The display name of the lawyer who follows it, when an active one does."""
    stages: list[StageView]
    """Oldest first: the way it went."""
    updated_at: datetime

    @property
    def open(self) -> bool:
        return not self.stage.finished


async def lawyers_of(uow: UnitOfWork, home_id: int) -> list[Staff]:
    """Who of the home can follow a procedure."""
    rows = await uow.session.scalars(
        select(Staff)
        .where(Staff.home_id == home_id, Staff.active, Staff.role == Role.LAWYER)
        .order_by(Staff.display_name, Staff.id)
    )
    return list(rows)


async def _open_case(uow: UnitOfWork, actor: StaffActor, adolescent_id: int) -> Adolescent:
    case = await case_for_writers(uow, actor, adolescent_id, LEGAL_WRITERS)
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    return case


async def _follower(uow: UnitOfWork, case: Adolescent, staff_id: int | None) -> int | None:
    if staff_id is None:
        return None
    person = await uow.session.get(Staff, staff_id)
    if person is None or not person.active or person.role is not Role.LAWYER:
        raise ValidationFailed("a procedure is followed by a lawyer")
    if person.home_id != case.home_id:
        raise ValidationFailed("a procedure is followed by a lawyer of the case's home")
    return person.id


def _next(uow: UnitOfWork, next_on: date | None, next_what: str) -> bytes | None:
    what = " ".join(next_what.split())
    if len(what) > MAX_WHAT:
        raise ValidationFailed(f"at most {MAX_WHAT} characters")
    if next_on is None:
        if what:
            raise ValidationFailed("what happens next needs its date")
        return None
    return uow.cipher.encrypt(json.dumps({"on": next_on.isoformat(), "what": what}))


async def open_procedure(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    *,
    kind: LegalKind,
    stage: LegalStage = LegalStage.PREPARING,
    next_on: date | None = None,
    next_what: str = "",
    followed_by_id: int | None = None,
) -> LegalProcedure:
    case = await _open_case(uow, actor, adolescent_id)
    now = uow.now()
    procedure = LegalProcedure(
        adolescent_id=case.id,
        kind=kind,
        stage=stage,
        next_ciphertext=_next(uow, next_on, next_what),
        followed_by_id=await _follower(uow, case, followed_by_id),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(procedure)
    await uow.flush()
    uow.session.add(
        LegalStageChange(procedure_id=procedure.id, stage=stage, at=now, by_staff_id=actor.id)
    )
    audit.record(
        uow,
        "legal.open",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"legal:{procedure.id}",
        details={"kind": kind.value, "stage": stage.value},
    )
    return procedure


async def update_procedure(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    procedure_id: int,
    *,
    stage: LegalStage,
    next_on: date | None,
    next_what: str = "",
    followed_by_id: int | None,
) -> LegalProcedure:
    """Record where the procedure stands now; a new stage is a new step in its history."""
    case = await _open_case(uow, actor, adolescent_id)
    procedure = await uow.session.get(LegalProcedure, procedure_id)
    if procedure is None:
        raise NotFound(f"no procedure {procedure_id}")
    if procedure.adolescent_id != case.id:
        raise NotOwnedByCase(f"procedure {procedure_id} is not of case {case.id}")
    now = uow.now()
    moved = stage is not procedure.stage
    procedure.next_ciphertext = _next(uow, next_on, next_what)
    procedure.followed_by_id = await _follower(uow, case, followed_by_id)
    procedure.updated_at = now
    if moved:
        procedure.stage = stage
        uow.session.add(
            LegalStageChange(procedure_id=procedure.id, stage=stage, at=now, by_staff_id=actor.id)
        )
    audit.record(
        uow,
        "legal.stage" if moved else "legal.update",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"legal:{procedure.id}",
        details={"stage": stage.value} if moved else {},
    )
    return procedure


async def procedures_of(uow: UnitOfWork, adolescent_id: int) -> list[ProcedureView]:
    """Her procedures, open ones first, newest first. The caller has checked the
    reader's scope, or is her own chat."""
    rows = list(
        await uow.session.scalars(
            select(LegalProcedure)
            .where(LegalProcedure.adolescent_id == adolescent_id)
            .order_by(LegalProcedure.id.desc())
        )
    )
    if not rows:
        return []
    changes = await uow.session.scalars(
        select(LegalStageChange)
        .where(LegalStageChange.procedure_id.in_([p.id for p in rows]))
        .order_by(LegalStageChange.at, LegalStageChange.id)
    )
    stages: dict[int, list[StageView]] = {}
    for change in changes:
        stages.setdefault(change.procedure_id, []).append(StageView(change.stage, change.at))
    follower_ids = {p.followed_by_id for p in rows if p.followed_by_id is not None}
    followers = {
        s.id: s.display_name
        for s in await uow.session.scalars(select(Staff).where(Staff.id.in_(follower_ids)))
        if s.active
    }
    views = [_view(uow, p, stages.get(p.id, []), followers) for p in rows]
    views.sort(key=lambda v: not v.open)
    return views


def _view(
    uow: UnitOfWork,
    procedure: LegalProcedure,
    stages: list[StageView],
    followers: dict[int, str],
) -> ProcedureView:
    next_on: date | None = None
    what = ""
    if procedure.next_ciphertext is not None:
        data = json.loads(uow.cipher.decrypt(procedure.next_ciphertext))
        next_on = date.fromisoformat(data["on"])
        what = str(data.get("what", ""))
    follower = procedure.followed_by_id
    return ProcedureView(
        id=procedure.id,
        kind=procedure.kind,
        stage=procedure.stage,
        next_on=next_on,
        next_what=what,
        followed_by_id=follower,
        followed_by=followers.get(follower) if follower is not None else None,
        stages=stages,
        updated_at=procedure.updated_at,
    )
