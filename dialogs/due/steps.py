"""On a step's due day, a gentle word to the adolescent, if the step is theirs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogs import reminders
from dialogs.due.outgoing import full, message
from plan_store.models import Adolescent, Goal, Step
from plan_store.quiet_hours import local_instant
from plan_store.services import outbox, plans
from plan_store.services.recipients import Targets
from plan_store.unit_of_work import UnitOfWork

STEP_REMINDER_AT = time(9, 0)


async def step_reminders(
    uow: UnitOfWork, now: datetime, *, at: time = STEP_REMINDER_AT, limit: int | None = None
) -> int:
    """On a step's due day (from ``at`` local time), a gentle word to the adolescent,
    if the step is theirs."""
    found = await plans.open_steps_due(
        uow, now.date() - timedelta(days=1), now.date() + timedelta(days=1)
    )
    due: list[tuple[Step, Goal, Adolescent, date, ZoneInfo, str]] = []
    for step, goal, case, home in found:
        zone = ZoneInfo(home.timezone)
        local = now.astimezone(zone)
        day = step.due_on
        if day != local.date() or local.time() < at or not plans.is_adolescents(step, case):
            continue
        due.append((step, goal, case, day, zone, f"step:{step.id}:{day.isoformat()}:remind"))
    existing = await outbox.taken_keys(uow, (d[5] for d in due))
    due = [item for item in due if item[5] not in existing]
    targets = Targets(uow)
    await targets.preload(item[2] for item in due)
    queued: list[outbox.Outgoing] = []
    for step, goal, case, day, zone, key in due:
        target = await targets.of(case)
        if target is None:
            continue
        payload = reminders.step_reminder(step, goal, day, case.alias, target.lang)
        end_of_day = local_instant(day + timedelta(days=1), time(0), zone)
        queued.append(message(target, case, payload, key, now, expires_at=end_of_day))
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)
