"""Before an appointment, a reminder with its buttons; a few hours after, "did you go?"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialogs import reminders
from dialogs.due.outgoing import full, message
from plan_store.models import Adolescent, Appointment
from plan_store.services import outbox
from plan_store.services.appointments_due import (
    REMINDABLE,
    appointment_key,
    cancel_stale_messages,
    reminder_time,
    starting_between,
)
from plan_store.services.recipients import Targets
from plan_store.unit_of_work import UnitOfWork

REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=2))
"""Before an appointment. Whole days count on the home's calendar ("the day before,
at the same time"), whatever daylight-saving time does in between."""
ATTENDANCE_AFTER = timedelta(hours=3)
ATTENDANCE_WINDOW = timedelta(days=3)


async def appointment_reminders(
    uow: UnitOfWork,
    now: datetime,
    *,
    offsets: Sequence[timedelta] = REMINDER_OFFSETS,
    limit: int | None = None,
) -> int:
    """Remind the adolescent of each coming appointment, with its buttons."""
    if not offsets:
        return 0
    await cancel_stale_messages(uow, now)
    found = await starting_between(uow, REMINDABLE, now, now + max(offsets) + timedelta(hours=2))
    due: list[tuple[Appointment, Adolescent, ZoneInfo, str]] = []
    for appointment, case, home in found:
        zone = ZoneInfo(home.timezone)
        opened = [o for o in offsets if reminder_time(appointment.starts_at, o, zone) <= now]
        if opened:
            minutes = int(min(opened).total_seconds() // 60)
            key = appointment_key(uow.cipher, appointment, f"remind:{minutes}m")
            due.append((appointment, case, zone, key))
    existing = await outbox.taken_keys(uow, (d[3] for d in due))
    due = [item for item in due if item[3] not in existing]
    targets = Targets(uow)
    await targets.preload(case for _, case, _, _ in due)
    queued: list[outbox.Outgoing] = []
    for appointment, case, zone, key in due:
        target = await targets.of(case)
        if target is None:
            continue
        payload = reminders.appointment_reminder(appointment, case.alias, target.lang, zone, now)
        queued.append(message(target, case, payload, key, now, expires_at=appointment.starts_at))
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def attendance_checks(
    uow: UnitOfWork,
    now: datetime,
    *,
    after: timedelta = ATTENDANCE_AFTER,
    window: timedelta = ATTENDANCE_WINDOW,
    limit: int | None = None,
) -> int:
    """ "Did you go?" a few hours after an appointment nobody has answered about."""
    found = await starting_between(uow, REMINDABLE, now - window, now - after)
    keyed = [(a, c, h, appointment_key(uow.cipher, a, "went")) for a, c, h in found]
    existing = await outbox.taken_keys(uow, (k for *_, k in keyed))
    keyed = [item for item in keyed if item[3] not in existing]
    targets = Targets(uow)
    await targets.preload(case for _, case, _, _ in keyed)
    queued: list[outbox.Outgoing] = []
    for appointment, case, home, key in keyed:
        target = await targets.of(case)
        if target is None:
            continue
        zone = ZoneInfo(home.timezone)
        payload = reminders.attendance_question(appointment, case.alias, target.lang, zone, now)
        expires_at = appointment.starts_at + window
        queued.append(message(target, case, payload, key, now, expires_at=expires_at))
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)
