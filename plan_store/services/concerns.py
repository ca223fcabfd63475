"""Asking for another operator, or complaining: for the home's coordinators only.

A concern is about the reference operator the adolescent has when she makes it
(``about_staff_id``), so it never reaches that person: no operator reads concerns at
all (operators have no page, fragment, export or notice that shows them), and a
coordinator or admin who is the person it is about cannot read it either. Coordinators
read the concerns of their own home, admins every home's; each read is audited
(``concern.read``), as is each refusal.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, select

from plan_store.enums import Channel, ConcernKind, ConcernStatus, Role
from plan_store.errors import InvalidTransition, NotFound, OutOfScope, ValidationFailed
from plan_store.models import Adolescent, Concern, Home, Staff
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

ANSWER_WITHIN_DAYS = 3
"""The coordinators answer within this many days; the adolescent is told so."""
MAX_TEXT = 2000
MAX_NOTE = 2000
READERS = frozenset({Role.COORDINATOR, Role.ADMIN})


async def create(
    uow: UnitOfWork,
    adolescent_id: int,
    kind: ConcernKind,
    *,
    text: str = "",
    voice: bytes | None = None,
    urgent: bool = False,
    channel: Channel | None = None,
) -> Concern:
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        raise NotFound(f"no case {adolescent_id}")
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    text = text.strip()[:MAX_TEXT]
    concern = Concern(
        adolescent_id=case.id,
        home_id=case.home_id,
        kind=kind,
        about_staff_id=case.reference_operator_id,
        text_ciphertext=uow.cipher.encrypt(text) if text else None,
        voice_ciphertext=uow.cipher.encrypt_bytes(voice) if voice else None,
        urgent=urgent,
        channel=channel,
        status=ConcernStatus.OPEN,
        answer_by=answer_by(uow, home),
        created_at=uow.now(),
    )
    uow.session.add(concern)
    await uow.flush()
    audit.record(
        uow,
        "concern.create",
        actor="adolescent",
        adolescent_id=case.id,
        target=f"concern:{concern.id}",
        details={"kind": kind.value},
    )
    return concern


def answer_by(uow: UnitOfWork, home: Home) -> date:
    today = uow.now().astimezone(ZoneInfo(home.timezone)).date()
    return today + timedelta(days=ANSWER_WITHIN_DAYS)


async def add_to(
    uow: UnitOfWork,
    adolescent_id: int,
    concern_id: int,
    *,
    text: str = "",
    voice: bytes | None = None,
) -> Concern:
    """More of her words for a concern she just made (typed or a voice note)."""
    concern = await uow.session.get(Concern, concern_id)
    if concern is None or concern.adolescent_id != adolescent_id:
        raise NotFound(f"no concern {concern_id} of case {adolescent_id}")
    text = text.strip()
    if text:
        earlier = text_of(uow, concern)
        joined = f"{earlier}\n{text}" if earlier else text
        concern.text_ciphertext = uow.cipher.encrypt(joined[:MAX_TEXT])
    if voice:
        concern.voice_ciphertext = uow.cipher.encrypt_bytes(voice)
    return concern


async def readers(uow: UnitOfWork, home_id: int) -> list[Staff]:
    """Who reads a concern of the home: its active coordinators."""
    rows = await uow.session.scalars(
        select(Staff)
        .where(Staff.home_id == home_id, Staff.role == Role.COORDINATOR, Staff.active)
        .order_by(Staff.display_name)
    )
    return list(rows)


def may_read(actor: StaffActor, concern: Concern) -> bool:
    if actor.role not in READERS or actor.id == concern.about_staff_id:
        return False
    return actor.role is Role.ADMIN or concern.home_id == actor.home_id


def _scoped(query: Select[Concern, Adolescent], actor: StaffActor) -> Select[Concern, Adolescent]:
    if actor.role not in READERS:
        return query.where(Concern.id.is_(None))
    query = query.where((Concern.about_staff_id.is_(None)) | (Concern.about_staff_id != actor.id))
    if actor.role is Role.COORDINATOR:
        query = query.where(Concern.home_id == actor.home_id)
    return query


async def listing(
    uow: UnitOfWork, actor: StaffActor, *, open_only: bool = False, limit: int = 200
) -> list[tuple[Concern, Adolescent]]:
    """The concerns ``actor`` may read (none for an operator), urgent and oldest first."""
    query = select(Concern, Adolescent).join(Adolescent, Adolescent.id == Concern.adolescent_id)
    if open_only:
        query = query.where(Concern.status == ConcernStatus.OPEN)
    still_open = case((Concern.status == ConcernStatus.OPEN, 0), else_=1)
    query = _scoped(query, actor).order_by(still_open, Concern.urgent.desc(), Concern.created_at)
    rows = await uow.session.execute(query.limit(limit))
    return [(c, a) for c, a in rows.all()]


async def open_counts(uow: UnitOfWork, actor: StaffActor) -> tuple[int, int]:
    """How many open concerns ``actor`` may read, and how many of them are urgent."""
    found = await listing(uow, actor, open_only=True)
    return len(found), sum(concern.urgent for concern, _ in found)


async def read(uow: UnitOfWork, actor: StaffActor, concern_id: int) -> Concern:
    """One concern, if ``actor`` may read it; the read, or the refusal, is audited."""
    concern = await uow.session.get(Concern, concern_id)
    if concern is None:
        raise NotFound(f"no concern {concern_id}")
    if not may_read(actor, concern):
        await uow.commit_apart(
            audit.entry(
                uow,
                "concern.refused",
                staff_id=actor.id,
                adolescent_id=concern.adolescent_id,
                target=f"concern:{concern.id}",
            )
        )
        raise OutOfScope(f"concern {concern_id} is not for staff {actor.id}")
    audit.record(
        uow,
        "concern.read",
        staff_id=actor.id,
        adolescent_id=concern.adolescent_id,
        target=f"concern:{concern.id}",
    )
    return concern


async def handle(uow: UnitOfWork, actor: StaffActor, concern_id: int, note: str) -> Concern:
    concern = await read(uow, actor, concern_id)
    if concern.status is not ConcernStatus.OPEN:
        raise InvalidTransition(f"concern {concern_id} is {concern.status}")
    note = note.strip()[:MAX_NOTE]
    if not note:
        raise ValidationFailed("say what was done")
    concern.status = ConcernStatus.HANDLED
    concern.handled_at = uow.now()
    concern.handled_by_id = actor.id
    concern.note = note
    audit.record(
        uow,
        "concern.handle",
        staff_id=actor.id,
        adolescent_id=concern.adolescent_id,
        target=f"concern:{concern.id}",
    )
    return concern


def text_of(uow: UnitOfWork, concern: Concern) -> str:
    if concern.text_ciphertext is None:
        return ""
    return uow.cipher.decrypt(concern.text_ciphertext)


def voice_of(uow: UnitOfWork, concern: Concern) -> bytes | None:
    if concern.voice_ciphertext is None:
        return None
    return uow.cipher.decrypt_bytes(concern.voice_ciphertext)
