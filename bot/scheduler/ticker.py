"""The ticker: APScheduler rings every ``tick``; the lease holder runs the due jobs.

APScheduler 3 keeps no coordination between processes and skips runs missed by
more than its grace time, so it is used only as a clock: its one job sets an event.
The work itself runs in ``run_forever``'s own task, in order, each job in its own
transaction, and a restart simply sweeps again. Each job has its own period
(reminders every tick, the daily kinds of flags every few minutes); a scheduler that
has just taken the lease runs them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import IntegrityError

from bot.scheduler import lease
from bot.scheduler.jobs import JOBS, Job
from plan_store.services import translations
from plan_store.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


async def run_job(uow_factory: UnitOfWorkFactory, job: Job, now: datetime) -> int | None:
    """One batch of a job in its own transaction; None when it failed (logged,
    nothing kept)."""
    try:
        async with uow_factory() as uow:
            # A reminder in K'iche' uses the console's reviewed words, in this process too.
            await translations.sync(uow)
            if job.batch is None:
                made = await job.run(uow, now)
            else:
                made = await job.run(uow, now, limit=job.batch)
            await uow.commit()
            return made
    except IntegrityError:
        # Another sweep made the same message or flag first: it exists, so it is done.
        log.info("job %s met a row another sweep made; it runs again next tick", job.name)
    except Exception:
        log.exception("job %s failed; it runs again next tick", job.name)
    return None


def more_to_do(job: Job, made: int | None) -> bool:
    return job.batch is not None and made is not None and made >= job.batch


async def run_jobs(
    uow_factory: UnitOfWorkFactory, now: datetime, jobs: Sequence[Job] = JOBS
) -> dict[str, int | None]:
    """Every job, in order, to the end of its work (what a tick does when all are due)."""
    results: dict[str, int | None] = {}
    for job in jobs:
        total: int | None = 0
        while True:
            made = await run_job(uow_factory, job, now)
            total = None if made is None else (total or 0) + made
            if not more_to_do(job, made):
                break
        results[job.name] = total
    return results


class Scheduler:
    """Ticks, holds the installation's scheduler lease, and runs the due jobs.

    ``on_work`` is called after a tick that made something (e.g. the outbox
    sender's ``wake``), so that a reminder leaves at once instead of at the
    sender's next poll.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        jobs: Sequence[Job] = JOBS,
        tick: timedelta = timedelta(seconds=30),
        lease_ttl: timedelta = timedelta(seconds=90),
        holder: str | None = None,
        on_work: Callable[[], None] | None = None,
    ) -> None:
        if lease_ttl <= tick:
            raise ValueError("the lease must outlast a tick, or it lapses between two")
        self._uow_factory = uow_factory
        self.jobs = tuple(jobs)
        self.tick_every = tick
        self.lease_ttl = lease_ttl
        self.holder = holder or lease.holder_name()
        self._on_work = on_work
        self._last_run: dict[str, datetime] = {}
        self._holding = False

    async def tick(self, now: datetime | None = None) -> bool:
        """Take or renew the lease and run the jobs that are due; False when another
        process holds the lease (nothing is run)."""
        when = now if now is not None else self._uow_factory.clock()
        if not await self._keep_lease():
            return False
        made = 0
        for job in self.jobs:
            last = self._last_run.get(job.name)
            if last is not None and when - last < job.every:
                continue
            while True:
                if not await self._keep_lease():  # never work on a lease another took
                    return False
                result = await run_job(self._uow_factory, job, when)
                if result is not None:
                    self._last_run[job.name] = when
                    made += result
                if not more_to_do(job, result):
                    break
        if made and self._on_work is not None:
            self._on_work()
        return True

    async def _keep_lease(self) -> bool:
        """Renewed on the clock of the moment: a long catch-up keeps its lease."""
        now = self._uow_factory.clock()
        held = await lease.acquire(self._uow_factory, self.holder, now, self.lease_ttl)
        if held != self._holding:
            log.info("scheduler %s %s the lease", self.holder, "took" if held else "lost")
            if not held:
                self._last_run.clear()  # a later take-over runs everything at once
        self._holding = held
        return held

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Tick until ``stop_event`` is set or the task is cancelled; then hand the
        lease over at once."""
        ring = asyncio.Event()

        async def _ring() -> None:
            ring.set()

        ticker = AsyncIOScheduler(timezone=UTC)
        ticker.add_job(
            _ring,
            "interval",
            seconds=self.tick_every.total_seconds(),
            next_run_time=datetime.now(UTC),
            id="rumbo-tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        ticker.start()
        try:
            while not stop_event.is_set():
                stopping = asyncio.ensure_future(stop_event.wait())
                ringing = asyncio.ensure_future(ring.wait())
                try:
                    await asyncio.wait({stopping, ringing}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stopping.cancel()
                    ringing.cancel()
                if stop_event.is_set():
                    break
                ring.clear()
                try:
                    await self.tick()
                except Exception:
                    log.exception("scheduler tick failed; trying again next tick")
        finally:
            ticker.shutdown(wait=False)
            if self._holding:
                with contextlib.suppress(Exception):
                    await asyncio.shield(
                        lease.release(self._uow_factory, self.holder, self._uow_factory.clock())
                    )
                self._holding = False
