"""Her contact with her family: the people the authority allows her to be in touch with
(who, relation, how, allowed by whom, since when), and the calls and visits held
with them. The steps towards living with her family again are the goals and steps of
the plan's ``family_contact`` route (``plans``).

Social workers, psychologists and coordinators record them (``access.FAMILY_WRITERS``);
everyone else who sees the case reads them. Who a person is and the notes are
encrypted; every change is audited, never its words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from plan_store.enums import CaseStatus, ContactWay
from plan_store.errors import CaseClosed, NotFound, NotOwnedByCase, ValidationFailed
from plan_store.models import Adolescent, FamilyContact, FamilyContactRecord, Home, Staff
from plan_store.services import audit
from plan_store.services.access import FAMILY_WRITERS, StaffActor, case_for_writers
from plan_store.services.cases import local_today
from plan_store.unit_of_work import UnitOfWork

MAX_NAME = 80
MAX_RELATION = 40
MAX_ALLOWED_BY = 160
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class ContactView:
    id: int
    name: str
    relation: str
    way: ContactWay
    allowed_by: str
    allowed_since: date
    ended_on: date | None

    def active_on(self, day: date) -> bool:
        return self.allowed_since <= day and (self.ended_on is None or day < self.ended_on)


@dataclass(frozen=True, slots=True)
class RecordView:
    id: int
    contact_id: int
    with_name: str
    way: ContactWay
    held_on: date
    note: str
    recorded_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Family:
    contacts: list[ContactView]
    records: list[RecordView]
    """Newest first."""

    def allowed(self, day: date) -> list[ContactView]:
        return [c for c in self.contacts if c.active_on(day)]

    @property
    def empty(self) -> bool:
        return not self.contacts


def _words(value: str, limit: int, *, required: bool = True) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise ValidationFailed("a family contact needs its words")
    if len(value) > limit:
        raise ValidationFailed(f"at most {limit} characters")
    return value


async def _open_case(uow: UnitOfWork, actor: StaffActor, adolescent_id: int) -> Adolescent:
    case = await case_for_writers(uow, actor, adolescent_id, FAMILY_WRITERS)
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    return case


async def add_contact(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    *,
    name: str,
    relation: str,
    way: ContactWay,
    allowed_by: str,
    allowed_since: date,
) -> FamilyContact:
    case = await _open_case(uow, actor, adolescent_id)
    contact = FamilyContact(
        adolescent_id=case.id,
        name_ciphertext=uow.cipher.encrypt(_words(name, MAX_NAME)),
        relation_ciphertext=uow.cipher.encrypt(_words(relation, MAX_RELATION)),
        way=way,
        allowed_by_ciphertext=uow.cipher.encrypt(_words(allowed_by, MAX_ALLOWED_BY)),
        allowed_since=allowed_since,
        created_by_id=actor.id,
        created_at=uow.now(),
    )
    uow.session.add(contact)
    await uow.flush()
    audit.record(
        uow,
        "family.contact_add",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"family_contact:{contact.id}",
        details={"way": way.value},
    )
    return contact


async def _contact(uow: UnitOfWork, case_id: int, contact_id: int) -> FamilyContact:
    contact = await uow.session.get(FamilyContact, contact_id)
    if contact is None:
        raise NotFound(f"no family contact {contact_id}")
    if contact.adolescent_id != case_id:
        raise NotOwnedByCase(f"family contact {contact_id} is not of case {case_id}")
    return contact


async def end_contact(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, contact_id: int, *, on: date
) -> FamilyContact:
    """The authority no longer allows the contact, from ``on``."""
    case = await _open_case(uow, actor, adolescent_id)
    contact = await _contact(uow, case.id, contact_id)
    if on < contact.allowed_since:
        raise ValidationFailed("a contact cannot end before it was allowed")
    contact.ended_on = on
    audit.record(
        uow,
        "family.contact_end",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"family_contact:{contact.id}",
    )
    return contact


async def record_contact(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    contact_id: int,
    *,
    way: ContactWay,
    held_on: date,
    note: str = "",
) -> FamilyContactRecord:
    """A call or a visit held with an allowed contact, on a day that has come."""
    case = await _open_case(uow, actor, adolescent_id)
    contact = await _contact(uow, case.id, contact_id)
    if way is ContactWay.CALL_AND_VISIT:
        raise ValidationFailed("one record is a call or a visit")
    home = await uow.session.get_one(Home, case.home_id)
    if held_on > local_today(uow, home):
        raise ValidationFailed("a call or visit is recorded once it was held")
    if held_on < contact.allowed_since or (
        contact.ended_on is not None and held_on >= contact.ended_on
    ):
        raise ValidationFailed("the contact was not allowed that day")
    if contact.way is not ContactWay.CALL_AND_VISIT and contact.way is not way:
        raise ValidationFailed(f"this contact is allowed by {contact.way.value} only")
    words = _words(note, MAX_NOTE, required=False)
    record = FamilyContactRecord(
        adolescent_id=case.id,
        contact_id=contact.id,
        way=way,
        held_on=held_on,
        note_ciphertext=uow.cipher.encrypt(words) if words else None,
        recorded_by_id=actor.id,
        created_at=uow.now(),
    )
    uow.session.add(record)
    await uow.flush()
    audit.record(
        uow,
        "family.contact_record",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"family_contact:{contact.id}",
        details={"way": way.value},
    )
    return record


async def family_of(uow: UnitOfWork, adolescent_id: int, *, records: int = 20) -> Family:
    """Her contacts (allowed first, by name) and the latest calls and visits. The caller
    has checked the reader's scope, or is her own chat."""
    rows = await uow.session.scalars(
        select(FamilyContact)
        .where(FamilyContact.adolescent_id == adolescent_id)
        .order_by(FamilyContact.id)
    )
    contacts = [
        ContactView(
            id=c.id,
            name=uow.cipher.decrypt(c.name_ciphertext),
            relation=uow.cipher.decrypt(c.relation_ciphertext),
            way=c.way,
            allowed_by=uow.cipher.decrypt(c.allowed_by_ciphertext),
            allowed_since=c.allowed_since,
            ended_on=c.ended_on,
        )
        for c in rows
    ]
    contacts.sort(key=lambda c: (c.ended_on is not None, c.name.casefold(), c.id))
    names = {c.id: c.name for c in contacts}
    held = await uow.session.execute(
        select(FamilyContactRecord, Staff.display_name)
        .join(Staff, Staff.id == FamilyContactRecord.recorded_by_id)
        .where(FamilyContactRecord.adolescent_id == adolescent_id)
        .order_by(FamilyContactRecord.held_on.desc(), FamilyContactRecord.id.desc())
        .limit(records)
    )
    return Family(
        contacts=contacts,
        records=[
            RecordView(
                id=r.id,
                contact_id=r.contact_id,
                with_name=names.get(r.contact_id, ""),
                way=r.way,
                held_on=r.held_on,
                note=uow.cipher.decrypt(r.note_ciphertext) if r.note_ciphertext else "",
                recorded_by=by,
                created_at=r.created_at,
            )
            for r, by in held
        ],
    )
