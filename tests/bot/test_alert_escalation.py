"""An urgent alert nobody acknowledges escalates, each step exactly once.

With a clock moved by hand, on SQLite and on PostgreSQL: Laura (on duty) is told at
once, the case's backup Beto after 5 minutes, the coordinator Marta after 15, and the
adolescent gets the emergency numbers again after 20. The process restarts between
the steps, and two dispatchers (two worker processes, each with its own engine) run
every round side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import select

from bot.alerts import AlertDispatcher
from plan_store.database import create_engine, create_session_factory
from plan_store.enums import Channel, FlagCategory, OutboxStatus, Severity
from plan_store.models import Adolescent, AuditEntry, OutboxMessage
from plan_store.services import consent, flags
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWorkFactory
from rumbo.container import Container
from rumbo.settings import Settings
from tests.builders import a_linked_chat, consent_given
from tests.conftest import FakeClock, after_a_restart
from tests.e2e.alerts_support import Team, a_team_on_duty, dispatcher, with_alert_channels
from tests.fakes.smtp import Mailbox, smtp_server


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_alert_channels(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    async with smtp_server() as box:
        yield box


async def a_risk_flag(container: Container, team: Team) -> None:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, team.case_id)
        assert case is not None
        await a_linked_chat(uow, team.laura, case, external_id="7001")
        await consent_given(uow, case)
        await flags.raise_flag(
            uow, team.case_id, category=FlagCategory.SELF_HARM, severity=Severity.URGENT
        )
        await uow.commit()


async def two_workers(
    container: Container, stack: AsyncExitStack, mailbox: Mailbox
) -> list[AlertDispatcher]:
    """This process's dispatcher and another process's, with its own engine."""
    engine = create_engine(container.settings.database.url)
    stack.push_async_callback(engine.dispose)
    other = UnitOfWorkFactory(create_session_factory(engine), container.uow.cipher, container.clock)
    return [dispatcher(container.uow, mailbox=mailbox), dispatcher(other, mailbox=mailbox)]


async def a_round(workers: list[AlertDispatcher]) -> None:
    """Both workers at once; on SQLite one may find the other holding the write lock
    (it tries again on its next round, as ``run_forever`` does)."""
    await asyncio.gather(*(worker.run_once() for worker in workers), return_exceptions=True)
    await asyncio.gather(*(worker.run_once() for worker in workers))


def mails(mailbox: Mailbox) -> dict[str, int]:
    return {who: len(mailbox.to(f"{who}@casa.test")) for who in ("laura", "beto", "marta")}


async def unanswered_messages(container: Container) -> list[str]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == Channel.TELEGRAM,
                OutboxMessage.dedupe_key.like("alert:%"),
            )
        )
        return [payload_of(uow, row)["text"] for row in rows if row.status is OutboxStatus.PENDING]


async def test_an_unacknowledged_alert_reaches_the_backup_at_5_and_the_coordinators_at_15_once(
    container: Container, settings: Settings, clock: FakeClock, mailbox: Mailbox
) -> None:
    team = await a_team_on_duty(container.uow)
    await a_risk_flag(container, team)
    async with AsyncExitStack() as stack:
        workers = await two_workers(container, stack, mailbox)
        await a_round(workers)
        assert mails(mailbox) == {"laura": 1, "beto": 0, "marta": 0}
        clock.advance(minutes=4, seconds=59)
        await a_round(workers)
        assert mails(mailbox) == {"laura": 1, "beto": 0, "marta": 0}

    clock.advance(seconds=1)
    async with after_a_restart(container, settings, clock) as second, AsyncExitStack() as stack:
        workers = await two_workers(second, stack, mailbox)
        await a_round(workers)
        await a_round(workers)
        # The backup, and everyone on duty (Laura, told already: not again).
        assert mails(mailbox) == {"laura": 1, "beto": 1, "marta": 0}
        clock.advance(minutes=9, seconds=59)
        await a_round(workers)
        assert mails(mailbox) == {"laura": 1, "beto": 1, "marta": 0}
        assert await unanswered_messages(second) == []

        clock.advance(seconds=1)
        async with after_a_restart(second, settings, clock) as third, AsyncExitStack() as more:
            workers = await two_workers(third, more, mailbox)
            await a_round(workers)
            await a_round(workers)
            assert mails(mailbox) == {"laura": 1, "beto": 1, "marta": 1}
            assert "Nadie la ha visto todavía" in mailbox.to("marta@casa.test")[0].get_content()
            assert await unanswered_messages(third) == []

            clock.advance(minutes=5)
            await a_round(workers)
            await a_round(workers)
            (again,) = await unanswered_messages(third)
            assert again.startswith("Todavía nadie de tu equipo te ha contestado.")
            assert "📞 Emergencias: 911" in again

            clock.advance(hours=2)
            await a_round(workers)
            assert mails(mailbox) == {"laura": 1, "beto": 1, "marta": 1}
            assert len(await unanswered_messages(third)) == 1

            async with third.uow() as uow:
                steps = await uow.session.scalars(
                    select(AuditEntry.details).where(AuditEntry.action == "alert.escalate")
                )
                assert [d["step"] for d in steps] == ["backup", "coordinators", "unanswered"]
                case = await uow.session.get(Adolescent, team.case_id)
                assert case is not None and (await consent.state(uow, case)).valid


async def test_quiet_hours_never_hold_an_alert_back(
    container: Container, clock: FakeClock, mailbox: Mailbox
) -> None:
    team = await a_team_on_duty(container.uow)
    clock.advance(hours=13)  # 23:00 at the home: inside its quiet hours
    await a_risk_flag(container, team)
    await dispatcher(container.uow, mailbox=mailbox).run_once()
    assert mails(mailbox) == {"laura": 1, "beto": 0, "marta": 0}
