"""The job table: which sweep runs, how often, and in what batches.

A sweep is a plain function of ``(uow, now)`` (and ``limit=`` for one that runs in
batches) that decides from the tables what is due at ``now``, makes it under unique
dedupe keys, returns how many things it made and never commits. The scheduler
decides only when each runs; the sweeps are the domain's:

- the messages the adolescent reads, with their words, are the dialogs'
  (``dialogs.due``);
- the flags for staff and the housekeeping of the plan (erasure of expired content,
  anonymous web chats, stale outbox rows) are the plan store's
  (``plan_store.services``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialogs.due.appointments import appointment_reminders, attendance_checks
from dialogs.due.checkins import follow_up_checkins, follow_up_consent_asks
from dialogs.due.coming_of_age import reconsent_at_18
from dialogs.due.her_voice import participation_news, pre_evaluation_asks
from dialogs.due.steps import step_reminders
from plan_store.services import consent
from plan_store.services.chats import purge_anonymous_webchats
from plan_store.services.due_flags import (
    evaluation_flags,
    missed_appointment_flags,
    step_overdue_flags,
    unconfirmed_appointment_flags,
)
from plan_store.services.outbox import cancel_expired as cancel_stale_outbox
from plan_store.unit_of_work import UnitOfWork

JobFunction = Callable[..., Awaitable[int]]
"""``(uow, now)``, and ``limit=`` for a job that runs in batches."""


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: JobFunction
    every: timedelta = timedelta(0)
    """At most this often (0: every tick)."""
    batch: int | None = None
    """At most this many messages or flags per transaction; the job runs again while
    it makes a full batch (a catch-up of thousands never holds one long transaction)."""


async def erase_expired_content(uow: UnitOfWork, now: datetime) -> int:
    """Chat content of withdrawn cases, once the home's retention period is over."""
    return await consent.erase_expired_content(uow)


BATCH = 200

JOBS: tuple[Job, ...] = (
    Job("appointment_reminders", appointment_reminders, batch=BATCH),
    Job("attendance_checks", attendance_checks, batch=BATCH),
    Job(
        "unconfirmed_appointment_flags",
        unconfirmed_appointment_flags,
        timedelta(minutes=5),
        BATCH,
    ),
    Job("missed_appointment_flags", missed_appointment_flags, timedelta(minutes=5), BATCH),
    Job("step_reminders", step_reminders, timedelta(minutes=5), BATCH),
    Job("step_overdue_flags", step_overdue_flags, timedelta(minutes=30), BATCH),
    Job("evaluation_flags", evaluation_flags, timedelta(minutes=30), BATCH),
    Job("pre_evaluation_asks", pre_evaluation_asks, timedelta(minutes=10), BATCH),
    Job("participation_news", participation_news, batch=BATCH),
    # The question about the check-ins goes before the check-ins themselves.
    Job("follow_up_consent_asks", follow_up_consent_asks, timedelta(minutes=10), BATCH),
    Job("follow_up_checkins", follow_up_checkins, timedelta(minutes=10), BATCH),
    Job("reconsent_at_18", reconsent_at_18, timedelta(minutes=30), BATCH),
    Job("erase_expired_content", erase_expired_content, timedelta(minutes=30)),
    Job("cancel_stale_outbox", cancel_stale_outbox, timedelta(minutes=5)),
    Job("purge_anonymous_webchats", purge_anonymous_webchats, timedelta(hours=1)),
)

__all__ = [
    "BATCH",
    "JOBS",
    "Job",
    "JobFunction",
    "appointment_reminders",
    "attendance_checks",
    "cancel_stale_outbox",
    "erase_expired_content",
    "evaluation_flags",
    "follow_up_checkins",
    "follow_up_consent_asks",
    "missed_appointment_flags",
    "participation_news",
    "pre_evaluation_asks",
    "purge_anonymous_webchats",
    "reconsent_at_18",
    "step_overdue_flags",
    "step_reminders",
    "unconfirmed_appointment_flags",
]
