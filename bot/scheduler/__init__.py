"""When the sweeps run: reminders, flags for staff, follow-up after care.

``ticker.Scheduler`` runs APScheduler as a clock only; on each tick the one process
holding the database lease (``lease``) runs the due jobs of the job table
(``jobs``), each in its own transaction. The sweeps themselves are the domain's:
the messages, with their words, in ``dialogs.due``; the flags and the plan's
housekeeping in ``plan_store.services``. Nothing here knows a transport or speaks
SQL.
"""

from bot.scheduler.jobs import JOBS, Job
from bot.scheduler.ticker import Scheduler, run_job, run_jobs

__all__ = ["JOBS", "Job", "Scheduler", "run_job", "run_jobs"]
