"""Appointments as the sweeps see them: which start in a window, when a reminder is
due, and the keys of the messages and flags made about each.

A key carries a keyed hash of the start time (``start_mark``), so that an
appointment moved to another time is reminded again, and a reminder still waiting
for an appointment that changed is cancelled (``cancel_stale_messages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from plan_store.crypto import Cipher
from plan_store.enums import AppointmentStatus, CaseStatus
from plan_store.models import Adolescent, Appointment, Home
from plan_store.quiet_hours import local_instant
from plan_store.services import appointments, batches, outbox
from plan_store.unit_of_work import UnitOfWork

REMINDABLE = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
"""Still coming, or not answered about yet ("did you go?")."""


def start_mark(cipher: Cipher, appointment_id: int, starts_at: datetime) -> str:
    """A keyed hash of when an appointment starts: a key carries it (so a moved
    appointment is reminded again) without saying the time, which is encrypted."""
    return cipher.lookup_hash(f"appt:{appointment_id}:{int(starts_at.timestamp())}")[:20]


def start_marks(cipher: Cipher, appointment_id: int, starts_at: datetime) -> list[str]:
    """The mark under every key, so that keys made before a key rotation still match."""
    value = f"appt:{appointment_id}:{int(starts_at.timestamp())}"
    return [h[:20] for h in cipher.lookup_hashes(value)]


def appointment_key(cipher: Cipher, appointment: Appointment, what: str) -> str:
    mark = start_mark(cipher, appointment.id, appointment.starts_at)
    return f"appt:{appointment.id}:{mark}:{what}"


def reminder_time(starts_at: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """When the reminder ``offset`` before ``starts_at`` is due. Whole days are taken
    on the home's calendar: the day before at the same local time, even when the
    clocks change in between."""
    day = timedelta(days=1)
    if offset >= day and offset % day == timedelta(0):
        wall = starts_at.astimezone(zone).replace(tzinfo=None) - offset
        return local_instant(wall.date(), wall.time(), zone)
    return starts_at - offset


async def starting_between(
    uow: UnitOfWork,
    statuses: Sequence[AppointmentStatus],
    after: datetime,
    until: datetime,
) -> list[tuple[Appointment, Adolescent, Home]]:
    """Appointments of open cases in these states starting in ``(after, until]``,
    soonest first. ``starts_at`` is encrypted: the window comes from the index of
    start times (``appointments.start_times``), the rows from the database."""
    times = await appointments.start_times(uow)
    wanted = [
        row_id for row_id, _ in times.matching(statuses, lambda s: after < s.starts_at <= until)
    ]
    found: list[tuple[Appointment, Adolescent, Home]] = []
    for first in range(0, len(wanted), batches.CHUNK):
        rows = await uow.session.execute(
            select(Appointment, Adolescent, Home)
            .join(Adolescent, Adolescent.id == Appointment.adolescent_id)
            .join(Home, Home.id == Adolescent.home_id)
            .where(
                Adolescent.status != CaseStatus.CLOSED,
                Appointment.id.in_(wanted[first : first + batches.CHUNK]),
                Appointment.status.in_(list(statuses)),
            )
        )
        found += [(a, c, h) for a, c, h in rows.all() if after < a.starts_at <= until]
    return sorted(found, key=lambda row: (row[0].starts_at, row[0].id))


async def cancel_stale_messages(uow: UnitOfWork, now: datetime) -> None:
    """A reminder still waiting (quiet hours, a retry) for an appointment that was
    moved, cancelled or answered meanwhile must not go out. Only rows still pending
    when the update runs are cancelled: one a sender claimed meanwhile is its own."""
    waiting = await outbox.waiting_keyed(uow, "appt:")
    if not waiting:
        return
    parsed: dict[int, list[tuple[int, str, str]]] = {}
    for row_id, key in waiting:
        parts = (key or "").split(":", 3)  # appt, id, start mark, what
        if len(parts) == 4 and parts[1].isdigit():
            parsed.setdefault(int(parts[1]), []).append((row_id, parts[2], parts[3]))
    found = {
        a.id: a
        for a in await uow.session.scalars(
            select(Appointment).where(Appointment.id.in_(list(parsed)))
        )
    }
    stale_ids: list[int] = []
    for appointment_id, rows in parsed.items():
        appointment = found.get(appointment_id)
        marks = (
            start_marks(uow.cipher, appointment.id, appointment.starts_at) if appointment else []
        )
        for row_id, mark, what in rows:
            if appointment is None or mark not in marks:
                stale = True
            elif what == "went":
                stale = appointment.status not in REMINDABLE
            else:
                stale = appointment.status not in REMINDABLE or appointment.starts_at <= now
            if stale:
                stale_ids.append(row_id)
    await outbox.cancel_waiting(uow, stale_ids, "the appointment changed")
