"""Flags: what staff must look at, from risk in a message to a missed appointment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from plan_store.enums import FlagCategory, FlagStatus, Severity
from plan_store.errors import InvalidTransition, NotFound, ValidationFailed
from plan_store.models import Flag
from plan_store.services import alerts, audit, batches
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork


async def raise_flag(
    uow: UnitOfWork,
    adolescent_id: int,
    *,
    category: FlagCategory,
    severity: Severity,
    message_id: int | None = None,
    detail: str = "",
    dedupe_key: str | None = None,
) -> Flag:
    """A new open flag; with a ``dedupe_key`` seen before, the existing flag."""
    if dedupe_key is not None:
        existing = await uow.session.scalar(select(Flag).where(Flag.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    flag = Flag(
        adolescent_id=adolescent_id,
        message_id=message_id,
        category=category,
        severity=severity,
        status=FlagStatus.OPEN,
        detail=detail[:300],
        dedupe_key=dedupe_key,
        created_at=uow.now(),
    )
    uow.session.add(flag)
    await uow.flush()
    audit.record(
        uow,
        "flag.raise",
        actor="system",
        adolescent_id=adolescent_id,
        target=f"flag:{flag.id}",
        details={"category": category.value, "severity": severity.value},
    )
    if severity in alerts.ALERTING:
        await alerts.raise_alert(
            uow, adolescent_id, category=category.value, severity=severity, flag_id=flag.id
        )
    return flag


@dataclass(frozen=True, slots=True)
class NewFlag:
    """A flag for staff that a sweep raises once: unless one under ``key`` exists."""

    case_id: int
    key: str
    category: FlagCategory
    severity: Severity
    detail: str


async def raise_new(uow: UnitOfWork, planned: Sequence[NewFlag], limit: int | None) -> int:
    """Raise, in order, each of ``planned`` whose key is not taken yet (``limit`` at most)."""
    existing = await batches.taken(uow, Flag.dedupe_key, (flag.key for flag in planned))
    made = 0
    for flag in planned:
        if flag.key in existing:
            continue
        await raise_flag(
            uow,
            flag.case_id,
            category=flag.category,
            severity=flag.severity,
            detail=flag.detail,
            dedupe_key=flag.key,
        )
        made += 1
        if limit is not None and made >= limit:
            break
    return made


async def _flag_for(uow: UnitOfWork, actor: StaffActor, adolescent_id: int, flag_id: int) -> Flag:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    flag = await uow.session.get(Flag, flag_id)
    if flag is None or flag.adolescent_id != case.id:
        raise NotFound(f"no flag {flag_id} for case {adolescent_id}")
    return flag


async def acknowledge(uow: UnitOfWork, actor: StaffActor, adolescent_id: int, flag_id: int) -> Flag:
    flag = await _flag_for(uow, actor, adolescent_id, flag_id)
    if flag.status is not FlagStatus.OPEN:
        raise InvalidTransition(f"flag {flag_id} is {flag.status}")
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_at = uow.now()
    flag.acknowledged_by_id = actor.id
    audit.record(
        uow,
        "flag.acknowledge",
        staff_id=actor.id,
        adolescent_id=adolescent_id,
        target=f"flag:{flag.id}",
    )
    await alerts.settle_for(uow, actor, flag_id=flag.id)
    return flag


async def resolve(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, flag_id: int, note: str
) -> Flag:
    flag = await _flag_for(uow, actor, adolescent_id, flag_id)
    if flag.status is FlagStatus.RESOLVED:
        raise InvalidTransition(f"flag {flag_id} is already resolved")
    note = note.strip()
    if not note:
        raise ValidationFailed("resolving a flag needs a note")
    now = uow.now()
    if flag.acknowledged_at is None:
        flag.acknowledged_at = now
        flag.acknowledged_by_id = actor.id
    flag.status = FlagStatus.RESOLVED
    flag.resolved_at = now
    flag.resolved_by_id = actor.id
    flag.note = note[:2000]
    audit.record(
        uow,
        "flag.resolve",
        staff_id=actor.id,
        adolescent_id=adolescent_id,
        target=f"flag:{flag.id}",
    )
    await alerts.settle_for(uow, actor, flag_id=flag.id)
    return flag


async def mark_for_evaluation(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, flag_id: int, marked: bool = True
) -> Flag:
    flag = await _flag_for(uow, actor, adolescent_id, flag_id)
    flag.marked_for_evaluation = marked
    audit.record(
        uow,
        "flag.mark_for_evaluation",
        staff_id=actor.id,
        adolescent_id=adolescent_id,
        target=f"flag:{flag.id}",
        details={"marked": marked},
    )
    return flag


async def for_case(uow: UnitOfWork, adolescent_id: int) -> list[Flag]:
    rows = await uow.session.scalars(
        select(Flag).where(Flag.adolescent_id == adolescent_id).order_by(Flag.created_at.desc())
    )
    return list(rows)
