"""The scheduler's ticker and lease: one working scheduler per installation, and the
``scheduler`` part of ``rumbo serve`` (ticker and outbox sender together)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.scheduler import JOBS, Job, Scheduler, jobs, lease, run_jobs
from bot.scheduler.ticker import run_job
from locales import translator
from plan_store.database import create_engine, create_session_factory
from plan_store.enums import AppointmentKind, Role
from plan_store.models import OutboxMessage, SchedulerLease
from plan_store.services import appointments, translations
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from rumbo.container import Container, build_container
from rumbo.server import build_parts
from tests.bot.outbox_support import a_home_in, a_linked_case, detached, texts_to
from tests.builders import a_home, a_staff_member
from tests.conftest import FakeClock
from tests.e2e.support import telegram_settings
from tests.fakes import FakeTelegram

REMINDERS = (Job("appointment_reminders", jobs.appointment_reminders),)


async def holder_of(uow_factory: UnitOfWorkFactory, now: datetime) -> str | None:
    """Who holds a live scheduler lease now, if anyone (read from its row)."""
    async with uow_factory() as uow:
        held = await uow.session.get(SchedulerLease, lease.SCHEDULER)
        return held.holder if held is not None and held.lease_until > now else None


async def a_reminder_due(container: Container, chat: str = "6001") -> None:
    """A linked case with an appointment tomorrow: its 24-hour reminder is due."""
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, chat)
        await appointments.schedule(
            uow,
            lu.operator,
            lu.case.id,
            kind=AppointmentKind.HEALTH,
            title="Consulta",
            place="Centro de salud",
            starts_at=uow.now() + timedelta(hours=20),
        )
        await uow.commit()


async def outbox_count(container: Container) -> int:
    return len(await detached(container.uow, select(OutboxMessage)))


async def test_only_the_lease_holder_works_and_another_takes_over_when_it_lapses(
    container: Container, clock: FakeClock
) -> None:
    await a_reminder_due(container)
    first = Scheduler(container.uow, jobs=REMINDERS, holder="first")
    second = Scheduler(container.uow, jobs=REMINDERS, holder="second")

    assert await first.tick() is True
    assert await second.tick() is False
    clock.advance(seconds=60)
    assert await first.tick() is True  # renewed
    assert await second.tick() is False
    clock.advance(seconds=91)  # the first one died: its lease lapses
    assert await second.tick() is True
    assert await first.tick() is False  # back, but the lease is taken
    assert await holder_of(container.uow, clock.now) == "second"

    assert await outbox_count(container) == 1


@pytest.mark.parametrize("db_backend", ["sqlite", "postgresql"], indirect=False)
async def test_two_schedulers_ticking_at_once_in_two_processes_send_once(
    container: Container, clock: FakeClock, db_backend: str
) -> None:
    await a_reminder_due(container)
    engine = create_engine(container.settings.database.url)
    try:
        other = UnitOfWorkFactory(create_session_factory(engine), container.uow.cipher, clock)
        schedulers = [
            Scheduler(container.uow, jobs=REMINDERS, holder="a"),
            Scheduler(other, jobs=REMINDERS, holder="b"),
        ]
        for _ in range(3):
            worked = await asyncio.gather(*(s.tick() for s in schedulers))
            assert sorted(worked) == [False, True]
            clock.advance(seconds=30)
    finally:
        await engine.dispose()

    assert await outbox_count(container) == 1


async def test_a_failing_job_does_not_stop_the_others(
    container: Container, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await a_reminder_due(container)

    async def broken(uow: UnitOfWork, now: datetime) -> int:
        raise RuntimeError("a bug in a job")

    results = await run_jobs(container.uow, clock.now, (Job("broken", broken), *REMINDERS))

    assert results == {"broken": None, "appointment_reminders": 1}
    assert "job broken failed" in caplog.text


async def test_every_job_runs_on_an_empty_database(container: Container, clock: FakeClock) -> None:
    results = await run_jobs(container.uow, clock.now)
    assert results == {job.name: 0 for job in JOBS}


async def test_the_ticker_sweeps_at_once_and_hands_the_lease_over_when_stopped(
    container: Container, clock: FakeClock
) -> None:
    await a_reminder_due(container)
    worked = asyncio.Event()
    ticker = Scheduler(
        container.uow,
        tick=timedelta(seconds=0.05),
        lease_ttl=timedelta(seconds=5),
        holder="ticker",
        on_work=worked.set,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(ticker.run_forever(stop))

    await asyncio.wait_for(worked.wait(), timeout=5)
    assert await holder_of(container.uow, clock.now) == "ticker"
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    assert await outbox_count(container) == 1
    assert await holder_of(container.uow, clock.now) is None


async def test_the_serve_part_reminds_through_telegram(
    container: Container, clock: FakeClock, tg: FakeTelegram
) -> None:
    await a_reminder_due(container, chat="6101")
    served = build_container(telegram_settings(container.settings, tg), clock=clock)
    try:
        built = build_parts(served, ["scheduler"])
        assert [part.name for part in built] == ["scheduler", "outbox"]
        assert built[0].note.endswith("alerts by telegram")
        # A process that only sends says it sends for all the others.
        assert built[1].note == "delivers to telegram as soon as queued, for all"
        tasks = [asyncio.create_task(task()) for part in built for task in part.tasks]
        try:
            (sent,) = await tg.wait_for_sent(1, chat_id=6101)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await served.aclose()

    assert (sent.text or "").startswith("📅 Mañana,")
    assert texts_to(tg, 6101) == [sent.text]
    assert await holder_of(container.uow, clock.now) is None  # handed over on stop


def test_without_a_platform_the_part_runs_the_jobs_and_the_alerts_but_no_outbox(
    container: Container,
) -> None:
    (part,) = build_parts(container, ["scheduler"])
    # The alerts still escalate, reach open console pages and answer the web chat.
    assert [task.__name__ for task in part.tasks] == ["run_scheduler", "run_alerts"]
    assert "no platform configured" in part.note and "alerts by the console only" in part.note


async def test_a_job_speaks_with_the_translations_reviewed_since_the_last_tick(
    container: Container,
) -> None:
    """A scheduler-only process reads the console's reviewed translations too."""
    back = "⬅️ Volver"
    heard: list[str] = []

    async def speaking(uow: UnitOfWork, now: datetime) -> int:
        heard.append(translator("quc").gettext(back))
        return 0

    job = Job("speaking", speaking)
    await run_job(container.uow, job, container.clock())
    async with container.uow() as uow:
        home = await a_home(uow)
        marta = await a_staff_member(uow, home, "marta", Role.COORDINATOR)
        rosa = await a_staff_member(uow, home, "rosa", Role.COORDINATOR)
        await translations.save(uow, marta, language="quc", context="", msgid=back, text="⬅️ Chi'j")
        await translations.review(uow, rosa, language="quc", context="", msgid=back)
        await uow.commit()
    await run_job(container.uow, job, container.clock())
    assert heard == [back, "⬅️ Chi'j"]
