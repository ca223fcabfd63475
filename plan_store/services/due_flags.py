"""The flags the plan raises by itself: an appointment nobody confirmed or that was
missed, an evaluation near or overdue, a step past its day.

Each is a sweep of ``(uow, now)`` that decides from the tables what is due at
``now`` and raises each flag once, under a dedupe key (``flags.raise_new``); it
returns how many it raised and never commits. Flags are for staff: their details
are in Spanish, dated in the home's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from locales import format_datetime
from plan_store.enums import AppointmentStatus, CaseStatus, FlagCategory, Severity
from plan_store.models import Adolescent, Appointment, Home
from plan_store.services import evaluations, plans
from plan_store.services.appointments_due import REMINDABLE, appointment_key, starting_between
from plan_store.services.flags import NewFlag, raise_new
from plan_store.unit_of_work import UnitOfWork

UNCONFIRMED_BEFORE = timedelta(hours=48)
MISSED_AFTER = timedelta(hours=24)
"""An appointment with no answer about attendance this long after it started is
flagged as missed (the adolescent may have gone: staff check)."""
LOOKBACK = timedelta(days=14)
EVALUATION_LEAD_DAYS = 2
STEP_OVERDUE_LOOKBACK_DAYS = 30


async def unconfirmed_appointment_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    before: timedelta = UNCONFIRMED_BEFORE,
    limit: int | None = None,
) -> int:
    """Tell staff about an appointment less than two days away that nobody confirmed."""
    found = await starting_between(uow, [AppointmentStatus.SCHEDULED], now, now + before)
    return await raise_new(
        uow,
        [
            NewFlag(
                case.id,
                appointment_key(uow.cipher, appointment, "unconfirmed"),
                FlagCategory.UNCONFIRMED_APPOINTMENT,
                Severity.MEDIUM,
                f"Cita sin confirmar: {_appointment_line(appointment, home)}",
            )
            for appointment, case, home in found
        ],
        limit,
    )


async def missed_appointment_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    after: timedelta = MISSED_AFTER,
    lookback: timedelta = LOOKBACK,
    limit: int | None = None,
) -> int:
    """Tell staff about an appointment the adolescent says they missed, or that
    nobody answered about a day after it started."""
    found = await starting_between(
        uow, [*REMINDABLE, AppointmentStatus.MISSED], now - lookback, now
    )
    planned: list[NewFlag] = []
    for appointment, case, home in found:
        if appointment.status is AppointmentStatus.MISSED:
            why = "dijo que no fue"
        elif appointment.starts_at <= now - after:
            why = "nadie respondió si fue"
        else:
            continue
        key = appointment_key(uow.cipher, appointment, "missed")
        detail = f"Cita perdida ({why}): {_appointment_line(appointment, home)}"
        planned.append(
            NewFlag(case.id, key, FlagCategory.MISSED_APPOINTMENT, Severity.MEDIUM, detail)
        )
    return await raise_new(uow, planned, limit)


def _appointment_line(appointment: Appointment, home: Home) -> str:
    """How a flag names an appointment: its title and when, in the home's time zone."""
    zone = ZoneInfo(home.timezone)
    when = format_datetime(appointment.starts_at, "es", zone, "EEE d 'de' MMM, HH:mm")
    return f"{appointment.title} — {when}"


async def evaluation_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    lead_days: int = EVALUATION_LEAD_DAYS,
    limit: int | None = None,
) -> int:
    """The fortnightly evaluation (the home's cadence): a flag when it is near, and
    another once it is overdue."""
    horizon = now.date() + timedelta(days=lead_days + 1)
    rows = await uow.session.execute(
        select(Adolescent, Home)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status == CaseStatus.IN_CARE,
            (Adolescent.next_evaluation_on <= horizon) | Adolescent.next_evaluation_on.is_(None),
        )
        .order_by(Adolescent.id)
    )
    planned: list[NewFlag] = []
    for case, home in rows.all():
        today = now.astimezone(ZoneInfo(home.timezone)).date()
        next_on = await evaluations.due_on(uow, case, home)
        day = next_on.isoformat()
        if today > next_on:
            key = f"eval:{case.id}:{day}:overdue"
            severity, detail = Severity.MEDIUM, f"Evaluación atrasada: era el {day}"
        elif today >= next_on - timedelta(days=lead_days):
            key = f"eval:{case.id}:{day}:due"
            severity, detail = Severity.LOW, f"Evaluación próxima: el {day}"
        else:
            continue
        planned.append(NewFlag(case.id, key, FlagCategory.EVALUATION_DUE, severity, detail))
    return await raise_new(uow, planned, limit)


async def step_overdue_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    lookback_days: int = STEP_OVERDUE_LOOKBACK_DAYS,
    limit: int | None = None,
) -> int:
    """A step past its due day and not done: a low flag for staff."""
    found = await plans.open_steps_due(
        uow, now.date() - timedelta(days=lookback_days), now.date() + timedelta(days=1)
    )
    late: list[NewFlag] = []
    for step, _goal, case, home in found:
        day = step.due_on
        if day is not None and day < now.astimezone(ZoneInfo(home.timezone)).date():
            key = f"step:{step.id}:{day.isoformat()}:overdue"
            detail = f"Paso sin hacer: {step.title} (era para el {day.isoformat()})"
            late.append(NewFlag(case.id, key, FlagCategory.STEP_DUE, Severity.LOW, detail))
    return await raise_new(uow, late, limit)
