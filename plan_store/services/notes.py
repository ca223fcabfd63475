"""Notes on a case by the people around the plan: the operator, coordination and the
team (psychologist, social worker, lawyer, educator). Staff only, never shown in the
chat; the words are encrypted at rest and every note is audited (never its content)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from plan_store.enums import CaseStatus, Role
from plan_store.errors import CaseClosed, ValidationFailed
from plan_store.models import CaseNote, Staff
from plan_store.services import audit
from plan_store.services.access import TEAM_ROLES, StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork

MAX_NOTE = 4000


@dataclass(frozen=True, slots=True)
class NoteView:
    id: int
    body: str
    author: str
    role: Role
    created_at: datetime


async def add_note(uow: UnitOfWork, actor: StaffActor, adolescent_id: int, body: str) -> CaseNote:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=TEAM_ROLES)
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    body = body.strip()
    if not body:
        raise ValidationFailed("a note needs words")
    if len(body) > MAX_NOTE:
        raise ValidationFailed(f"a note has at most {MAX_NOTE} characters")
    note = CaseNote(
        adolescent_id=case.id,
        staff_id=actor.id,
        role=actor.role,
        body_ciphertext=uow.cipher.encrypt(body),
        created_at=uow.now(),
    )
    uow.session.add(note)
    await uow.flush()
    audit.record(
        uow, "note.add", staff_id=actor.id, adolescent_id=case.id, target=f"note:{note.id}"
    )
    return note


async def notes_of(uow: UnitOfWork, adolescent_id: int, *, limit: int = 50) -> list[NoteView]:
    """The case's notes, newest first. The caller has checked the reader's scope."""
    rows = await uow.session.execute(
        select(CaseNote, Staff.display_name)
        .join(Staff, Staff.id == CaseNote.staff_id)
        .where(CaseNote.adolescent_id == adolescent_id)
        .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())
        .limit(limit)
    )
    return [
        NoteView(
            id=note.id,
            body=uow.cipher.decrypt(note.body_ciphertext),
            author=name,
            role=note.role,
            created_at=note.created_at,
        )
        for note, name in rows
    ]
