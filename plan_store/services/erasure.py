"""Full erasure of a case (the right to erasure), by two admins.

One admin asks (``request``), a different admin confirms (``confirm``) within a
week; then every row about the adolescent goes: the case, its plan, appointments,
messages, flags, requests, evaluations, consents, chats and their sessions, queued
messages, and any table added later that points at the case (found through the
foreign keys). The audit log keeps its lines without naming the case, plus one line
saying a case was erased, by whom: no content, no case number, no alias.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, Table, delete, select, update

from plan_store.enums import Role
from plan_store.errors import InvalidTransition, NotFound, OutOfScope, ValidationFailed
from plan_store.models import Adolescent, AuditEntry, Base, ChatLink, ChatSession, ErasureRequest
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

CONFIRM_WITHIN = timedelta(days=7)


def _admin(by: StaffActor) -> None:
    if by.role is not Role.ADMIN:
        raise OutOfScope("only admins erase a case")


async def pending(uow: UnitOfWork, case_id: int) -> ErasureRequest | None:
    """The open request to erase ``case_id``, if one is waiting for a second admin."""
    found: ErasureRequest | None = await uow.session.scalar(
        select(ErasureRequest)
        .where(
            ErasureRequest.case_id == case_id,
            ErasureRequest.confirmed_at.is_(None),
            ErasureRequest.cancelled_at.is_(None),
            ErasureRequest.requested_at > uow.now() - CONFIRM_WITHIN,
        )
        .order_by(ErasureRequest.id.desc())
        .limit(1)
    )
    return found


async def request(uow: UnitOfWork, by: StaffActor, case_id: int) -> ErasureRequest:
    _admin(by)
    if await uow.session.get(Adolescent, case_id) is None:
        raise NotFound(f"no case {case_id}")
    if await pending(uow, case_id) is not None:
        raise InvalidTransition("an erasure of this case is already waiting")
    asked = ErasureRequest(case_id=case_id, requested_by_id=by.id, requested_at=uow.now())
    uow.session.add(asked)
    audit.record(uow, "case.erasure_requested", staff_id=by.id, adolescent_id=case_id)
    await uow.flush()
    return asked


async def cancel(uow: UnitOfWork, by: StaffActor, case_id: int) -> None:
    _admin(by)
    asked = await pending(uow, case_id)
    if asked is None:
        raise InvalidTransition("no erasure of this case is waiting")
    asked.cancelled_at = uow.now()
    audit.record(uow, "case.erasure_cancelled", staff_id=by.id, adolescent_id=case_id)


async def confirm(uow: UnitOfWork, by: StaffActor, case_id: int) -> None:
    """The second admin's confirmation: the case is erased in this transaction."""
    _admin(by)
    asked = await pending(uow, case_id)
    if asked is None:
        raise InvalidTransition("no erasure of this case is waiting")
    if asked.requested_by_id == by.id:
        raise ValidationFailed("a second admin confirms an erasure")
    asked.confirmed_by_id, asked.confirmed_at = by.id, uow.now()
    requested_by, erasure_id = asked.requested_by_id, asked.id
    await uow.flush()
    await erase_case(uow, case_id)
    audit.record(
        uow,
        "case.erased",
        staff_id=by.id,
        target=f"erasure:{erasure_id}",
        details={"requested_by": requested_by},
    )


async def erase_case(uow: UnitOfWork, case_id: int) -> None:
    chats = (
        await uow.session.execute(
            select(ChatLink.channel, ChatLink.external_id).where(ChatLink.adolescent_id == case_id)
        )
    ).all()
    for channel, external_id in chats:
        await uow.session.execute(
            delete(ChatSession).where(
                ChatSession.channel == channel, ChatSession.external_id == external_id
            )
        )
    adolescents = Base.metadata.tables[Adolescent.__tablename__]
    await _delete(uow, adolescents, adolescents.c.id == case_id)
    uow.session.expunge_all()


async def _delete(uow: UnitOfWork, table: Table, condition: ColumnElement[bool]) -> None:
    """Delete the rows of ``table`` matching ``condition``, and first every row that
    points at them (the audit log's lines only lose the pointer)."""
    for child in Base.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is not table:
                continue
            pointed = select(key.column).where(condition)
            if child.name == AuditEntry.__tablename__:
                await uow.session.execute(
                    update(child).where(key.parent.in_(pointed)).values({key.parent.name: None})
                )
            else:
                await _delete(uow, child, key.parent.in_(pointed))
    await uow.session.execute(delete(table).where(condition))
