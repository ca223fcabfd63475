"""Appointments: school, job training, health, legal, psychology; and the answers
about them ("I'll go", "I can't go", "let's change it", "did you go?")."""

from __future__ import annotations

import time
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    AppointmentStatus,
    CaseStatus,
    Channel,
)
from plan_store.errors import (
    AppointmentClosed,
    AppointmentInPast,
    CaseClosed,
    NotFound,
    NotOwnedByCase,
    ValidationFailed,
)
from plan_store.models import Appointment, AppointmentConfirmation
from plan_store.services import audit
from plan_store.services.access import (
    TEAM_ROLES,
    StaffActor,
    case_for_staff,
    may_schedule,
    refuse_role,
)
from plan_store.unit_of_work import UnitOfWork

CLOSED = {AppointmentStatus.CANCELLED, AppointmentStatus.ATTENDED, AppointmentStatus.MISSED}
ANSWER_STATUS = {
    AppointmentAnswer.WILL_GO: AppointmentStatus.CONFIRMED,
    AppointmentAnswer.CANNOT_GO: AppointmentStatus.CANNOT_GO,
    AppointmentAnswer.CHANGE: AppointmentStatus.CHANGE_REQUESTED,
    AppointmentAnswer.ATTENDED: AppointmentStatus.ATTENDED,
    AppointmentAnswer.MISSED: AppointmentStatus.MISSED,
}
BEFORE = {AppointmentAnswer.WILL_GO, AppointmentAnswer.CANNOT_GO, AppointmentAnswer.CHANGE}


async def schedule(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    *,
    kind: AppointmentKind,
    title: str,
    place: str,
    starts_at: datetime,
) -> Appointment:
    """The team around the plan schedules the appointments of its kind
    (``access.TEAM_APPOINTMENTS``); operators, coordinators and admins any kind."""
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=TEAM_ROLES)
    if not may_schedule(actor.role, kind):
        await refuse_role(uow, actor, case.id, f"a {actor.role} does not schedule {kind}")
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    _check_future(uow, starts_at)
    title = " ".join(title.split())
    if not title:
        raise ValidationFailed("an appointment needs a title")
    appointment = Appointment(
        adolescent_id=case.id,
        kind=kind,
        title=title[:200],
        place=" ".join(place.split())[:200],
        starts_at=starts_at,
        status=AppointmentStatus.SCHEDULED,
        created_by_id=actor.id,
        created_at=uow.now(),
        updated_at=uow.now(),
    )
    uow.session.add(appointment)
    await uow.flush()
    audit.record(
        uow,
        "appointment.schedule",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"appointment:{appointment.id}",
    )
    return appointment


async def move(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, appointment_id: int, starts_at: datetime
) -> Appointment:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=TEAM_ROLES)
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {adolescent_id} is closed")
    appointment = await appointment_of_case(uow, case.id, appointment_id)
    await _check_kind(uow, actor, appointment)
    if appointment.status in CLOSED:
        raise AppointmentClosed(f"appointment {appointment_id} is {appointment.status}")
    _check_future(uow, starts_at)
    appointment.starts_at = starts_at
    appointment.status = AppointmentStatus.SCHEDULED
    appointment.updated_at = uow.now()
    audit.record(
        uow,
        "appointment.move",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"appointment:{appointment.id}",
    )
    return appointment


async def cancel(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, appointment_id: int
) -> Appointment:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change", team=TEAM_ROLES)
    appointment = await appointment_of_case(uow, case.id, appointment_id)
    await _check_kind(uow, actor, appointment)
    if appointment.status in CLOSED:
        raise AppointmentClosed(f"appointment {appointment_id} is {appointment.status}")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.updated_at = uow.now()
    audit.record(
        uow,
        "appointment.cancel",
        staff_id=actor.id,
        adolescent_id=case.id,
        target=f"appointment:{appointment.id}",
    )
    return appointment


async def _check_kind(uow: UnitOfWork, actor: StaffActor, appointment: Appointment) -> None:
    if not may_schedule(actor.role, appointment.kind):
        await refuse_role(
            uow, actor, appointment.adolescent_id, f"a {actor.role} does not change this kind"
        )


async def answer(
    uow: UnitOfWork,
    adolescent_id: int,
    appointment_id: int,
    given: AppointmentAnswer,
    *,
    reason: str = "",
    channel: Channel | None = None,
    by_staff: StaffActor | None = None,
) -> Appointment:
    """An answer about one of the adolescent's own appointments.

    Before it starts: will go / can't go / change. After it starts: attended or missed.
    """
    if by_staff is not None:
        await case_for_staff(uow, by_staff, adolescent_id, purpose="change", team=TEAM_ROLES)
    appointment = await appointment_of_case(uow, adolescent_id, appointment_id)
    if by_staff is not None:
        await _check_kind(uow, by_staff, appointment)
    if appointment.status in CLOSED:
        raise AppointmentClosed(f"appointment {appointment_id} is {appointment.status}")
    started = appointment.starts_at <= uow.now()
    if given in BEFORE and started:
        raise AppointmentInPast(f"appointment {appointment_id} has already started")
    if given not in BEFORE and not started:
        raise ValidationFailed("attendance is recorded after the appointment starts")
    appointment.status = ANSWER_STATUS[given]
    appointment.updated_at = uow.now()
    cleaned = " ".join(reason.split())[:500]
    uow.session.add(
        AppointmentConfirmation(
            appointment_id=appointment.id,
            answer=given,
            reason_ciphertext=uow.cipher.encrypt(cleaned) if cleaned else None,
            channel=channel,
            by_staff_id=by_staff.id if by_staff else None,
            answered_at=uow.now(),
        )
    )
    audit.record(
        uow,
        f"appointment.{given.value}",
        staff_id=by_staff.id if by_staff else None,
        actor="adolescent" if by_staff is None else "staff",
        adolescent_id=adolescent_id,
        target=f"appointment:{appointment.id}",
    )
    return appointment


def reason_of(uow: UnitOfWork, confirmation: AppointmentConfirmation) -> str:
    if confirmation.reason_ciphertext is None:
        return ""
    return uow.cipher.decrypt(confirmation.reason_ciphertext)


async def appointment_of_case(
    uow: UnitOfWork, adolescent_id: int, appointment_id: int
) -> Appointment:
    appointment = await uow.session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"no appointment {appointment_id}")
    if appointment.adolescent_id != adolescent_id:
        raise NotOwnedByCase(f"appointment {appointment_id} belongs to another adolescent")
    return appointment


async def upcoming(uow: UnitOfWork, adolescent_id: int, *, limit: int = 10) -> list[Appointment]:
    """Appointments still ahead and not cancelled, soonest first. (``starts_at`` is
    encrypted: one case's appointments are few, so they are chosen here.)"""
    now = uow.now()
    rows = await uow.session.scalars(
        select(Appointment).where(
            Appointment.adolescent_id == adolescent_id,
            Appointment.status != AppointmentStatus.CANCELLED,
        )
    )
    ahead = [a for a in rows if a.starts_at > now]
    return sorted(ahead, key=lambda a: (a.starts_at, a.id))[:limit]


async def with_history(uow: UnitOfWork, adolescent_id: int) -> list[Appointment]:
    rows = await uow.session.scalars(
        select(Appointment)
        .where(Appointment.adolescent_id == adolescent_id)
        .options(selectinload(Appointment.confirmations))
    )
    return sorted(rows, key=lambda a: (a.starts_at, a.id), reverse=True)


def _check_future(uow: UnitOfWork, starts_at: datetime) -> None:
    if starts_at.tzinfo is None:
        raise ValidationFailed("an appointment time needs a time zone")
    if starts_at <= uow.now():
        raise AppointmentInPast("an appointment cannot be scheduled in the past")


# ------------------------------------------------------------------ when they start


@dataclass(frozen=True, slots=True)
class Start:
    adolescent_id: int
    status: AppointmentStatus
    starts_at: datetime


class StartTimes:
    """When each appointment of one database starts, decrypted once per process.

    ``starts_at`` is encrypted, so "appointments in this window" cannot be asked of
    the database. The dashboard and the scheduler ask this index instead: each
    ``refresh`` reads only the rows changed since the last one (``updated_at``, with a
    margin for transactions that committed late) and, every ``FULL_EVERY``, all of
    them (which also forgets erased rows). What it returns are candidates: callers
    load the rows themselves, in their own scope.
    """

    MARGIN = timedelta(minutes=5)
    FULL_EVERY = timedelta(minutes=10)

    def __init__(self) -> None:
        self.starts: dict[int, Start] = {}
        self._seen: datetime | None = None
        self._full_at = 0.0
        self._by_status: dict[AppointmentStatus, list[tuple[datetime, int, Start]]] | None = None
        """Each status's appointments by start time, built again after a change: a
        window is then a bisection, not a pass over every appointment."""

    async def refresh(self, uow: UnitOfWork) -> None:
        full = (
            self._seen is None or time.monotonic() - self._full_at > self.FULL_EVERY.total_seconds()
        )
        query = select(
            Appointment.id,
            Appointment.adolescent_id,
            Appointment.status,
            Appointment.starts_at,
            Appointment.updated_at,
        )
        if not full and self._seen is not None:
            query = query.where(Appointment.updated_at >= self._seen - self.MARGIN)
        rows = (await uow.session.execute(query)).all()
        if full:
            self.starts = {}
            self._full_at = time.monotonic()
        if full:
            self._by_status = None
        for row_id, case_id, status, starts_at, updated_at in rows:
            start = Start(case_id, status, starts_at)
            if self.starts.get(row_id) != start:
                self.starts[row_id] = start
                self._by_status = None
            if self._seen is None or updated_at > self._seen:
                self._seen = updated_at

    def matching(
        self,
        statuses: Iterable[AppointmentStatus],
        keep: Callable[[Start], bool],
        cases: set[int] | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[tuple[int, Start]]:
        """The appointments in ``statuses`` (of ``cases``, if given) that ``keep``
        accepts, soonest first. ``since`` and ``until`` (both included) narrow the
        appointments ``keep`` is asked about to those that start between them."""
        found = []
        wanted = set(statuses)
        for status in wanted:
            timed = self._sorted().get(status, [])
            first = 0 if since is None else bisect_left(timed, since, key=_start_of)
            end = len(timed) if until is None else bisect_right(timed, until, key=_start_of)
            found += [
                (row_id, start)
                for _, row_id, start in timed[first:end]
                if (cases is None or start.adolescent_id in cases) and keep(start)
            ]
        if len(wanted) > 1:  # each status's list is in order already
            found.sort(key=lambda pair: (pair[1].starts_at, pair[0]))
        return found

    def _sorted(self) -> dict[AppointmentStatus, list[tuple[datetime, int, Start]]]:
        if self._by_status is None:
            by_status: dict[AppointmentStatus, list[tuple[datetime, int, Start]]] = {}
            for row_id, start in self.starts.items():
                by_status.setdefault(start.status, []).append((start.starts_at, row_id, start))
            for timed in by_status.values():
                timed.sort(key=lambda entry: (entry[0], entry[1]))
            self._by_status = by_status
        return self._by_status


def _start_of(timed: tuple[datetime, int, Start]) -> datetime:
    return timed[0]


_indexes: weakref.WeakKeyDictionary[Any, StartTimes] = weakref.WeakKeyDictionary()


async def start_times(uow: UnitOfWork) -> StartTimes:
    """The refreshed index of this database's appointment times."""
    bind = uow.session.get_bind()
    index = _indexes.get(bind)
    if index is None:
        index = _indexes[bind] = StartTimes()
    await index.refresh(uow)
    return index
