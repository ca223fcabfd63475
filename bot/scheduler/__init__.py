"""Reminders, evaluation flags and follow-up after care.

``ticker.Scheduler`` runs APScheduler as a clock only; on each tick the one process
holding the database lease (``lease``) runs the jobs (``jobs``), which sweep our own
tables and write to the outbox and the flags, idempotently. ``texts`` holds what the
jobs say, with the dialogs' button actions (the follow-up check-in's ``fu:`` actions
are defined in ``dialogs.follow_up``, and the question whether to get them, ``fuc:``,
in ``dialogs.follow_up_consent``).
"""

from bot.scheduler.ticker import JOBS, Job, Scheduler, run_job, run_jobs

__all__ = ["JOBS", "Job", "Scheduler", "run_job", "run_jobs"]
