"""The case as a picture: progress bars per programme, and a timeline of a period
(messages, flags, appointments, steps, notes, phases, family calls and visits, the
legal procedure's stages), newest first. Shown on the
case page and on the preparation sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select

from plan_store.enums import ContactWay, GoalStatus, MessageDirection, Programme
from plan_store.models import (
    Appointment,
    CaseNote,
    FamilyContact,
    FamilyContactRecord,
    Flag,
    Goal,
    LegalProcedure,
    LegalStageChange,
    LifePlan,
    Message,
    PhaseChange,
    Step,
)
from plan_store.unit_of_work import UnitOfWork

PERIOD_LIMIT = 400
"""The most entries a period shows; a fortnight of a talkative chat fits."""


@dataclass(frozen=True, slots=True)
class ProgrammeProgress:
    programme: Programme
    goals: int
    achieved: int
    steps: int
    confirmed: int

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.steps) if self.steps else 0


def progress_by_programme(goals: list[Goal]) -> list[ProgrammeProgress]:
    """Steps confirmed out of all steps, per programme (dropped goals left out)."""
    rows = []
    for programme in Programme:
        mine = [g for g in goals if g.programme is programme and g.status is not GoalStatus.DROPPED]
        if programme.optional and not mine:
            continue  # a route of the plan not begun
        steps = [s for g in mine for s in g.steps]
        rows.append(
            ProgrammeProgress(
                programme,
                goals=len(mine),
                achieved=sum(g.status is GoalStatus.ACHIEVED for g in mine),
                steps=len(steps),
                confirmed=sum(s.confirmed_at is not None for s in steps),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened. ``kind`` picks the words and the icon; ``topic`` is a
    label of a closed vocabulary (a flag's category, an appointment's status)."""

    at: datetime
    kind: str
    text: str = ""
    topic: StrEnum | None = None
    anchor: str = ""
    staff_id: int | None = None


async def period(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    """Everything in the case between ``since`` and ``until``, newest first. The
    caller has checked the reader's scope (and audited the read)."""
    events: list[Event] = []
    for kind in (_messages, _flags, _appointments, _steps, _notes, _phases, _family_and_papers):
        events += await kind(uow, adolescent_id, since, until)
    events.sort(key=lambda e: e.at, reverse=True)
    return events


async def _messages(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    messages = await uow.session.scalars(
        select(Message)
        .where(
            Message.adolescent_id == adolescent_id,
            Message.created_at >= since,
            Message.created_at <= until,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(PERIOD_LIMIT)
    )
    return [
        Event(
            m.created_at,
            "message_in" if m.direction is MessageDirection.INBOUND else "message_out",
            uow.cipher.decrypt(m.body_ciphertext),
            anchor=f"message-{m.id}",
            staff_id=m.staff_id,
        )
        for m in messages
    ]


async def _flags(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    flags = await uow.session.scalars(
        select(Flag).where(
            Flag.adolescent_id == adolescent_id, Flag.created_at >= since, Flag.created_at <= until
        )
    )
    return [Event(f.created_at, "flag", topic=f.category, anchor=f"flag-{f.id}") for f in flags]


async def _appointments(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    appointments = await uow.session.scalars(  # starts_at is encrypted: chosen here
        select(Appointment).where(Appointment.adolescent_id == adolescent_id)
    )
    return [
        Event(a.starts_at, "appointment", a.title, a.status, f"appointment-{a.id}")
        for a in appointments
        if since <= a.starts_at <= until
    ]


async def _steps(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    """Steps she marked done, and steps staff confirmed."""
    steps = await uow.session.scalars(
        select(Step)
        .join(Goal, Goal.id == Step.goal_id)
        .join(LifePlan, LifePlan.id == Goal.plan_id)
        .where(
            LifePlan.adolescent_id == adolescent_id,
            or_(Step.done_at >= since, Step.confirmed_at >= since),
        )
    )
    events = []
    for s in steps:
        if s.done_at is not None and since <= s.done_at <= until:
            events.append(Event(s.done_at, "step_done", s.title, anchor=f"step-{s.id}"))
        if s.confirmed_at is not None and since <= s.confirmed_at <= until:
            events.append(
                Event(
                    s.confirmed_at,
                    "step_confirmed",
                    s.title,
                    anchor=f"step-{s.id}",
                    staff_id=s.confirmed_by_id,
                )
            )
    return events


async def _notes(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    notes = await uow.session.scalars(
        select(CaseNote).where(
            CaseNote.adolescent_id == adolescent_id,
            CaseNote.created_at >= since,
            CaseNote.created_at <= until,
        )
    )
    return [
        Event(n.created_at, "note", uow.cipher.decrypt(n.body_ciphertext), staff_id=n.staff_id)
        for n in notes
    ]


async def _phases(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    phases = await uow.session.scalars(
        select(PhaseChange).where(
            PhaseChange.adolescent_id == adolescent_id,
            PhaseChange.started_at >= since,
            PhaseChange.started_at <= until,
        )
    )
    return [Event(p.started_at, "phase", topic=p.phase, staff_id=p.by_staff_id) for p in phases]


async def _family_and_papers(
    uow: UnitOfWork, adolescent_id: int, since: datetime, until: datetime
) -> list[Event]:
    """Calls and visits held with her family (when recorded; the text is who, and the
    team's note after a colon), and each new stage of her legal procedure."""
    held = await uow.session.execute(
        select(FamilyContactRecord, FamilyContact.name_ciphertext)
        .join(FamilyContact, FamilyContact.id == FamilyContactRecord.contact_id)
        .where(
            FamilyContactRecord.adolescent_id == adolescent_id,
            FamilyContactRecord.created_at >= since,
            FamilyContactRecord.created_at <= until,
        )
    )
    events = []
    for record, name in held:
        text = uow.cipher.decrypt(name)
        if record.note_ciphertext is not None:
            text += ": " + uow.cipher.decrypt(record.note_ciphertext)
        kind = "family_call" if record.way is ContactWay.CALL else "family_visit"
        events.append(
            Event(
                record.created_at,
                kind,
                text,
                anchor=f"contact-{record.contact_id}",
                staff_id=record.recorded_by_id,
            )
        )
    stages = await uow.session.scalars(
        select(LegalStageChange)
        .join(LegalProcedure, LegalProcedure.id == LegalStageChange.procedure_id)
        .where(
            LegalProcedure.adolescent_id == adolescent_id,
            LegalStageChange.at >= since,
            LegalStageChange.at <= until,
        )
    )
    events += [
        Event(
            c.at,
            "legal",
            topic=c.stage,
            anchor=f"procedure-{c.procedure_id}",
            staff_id=c.by_staff_id,
        )
        for c in stages
    ]
    return events
