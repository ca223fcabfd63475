"""Non-urgent flags reach the reference operator once a day, by email, without words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from plan_store.enums import FlagCategory, Severity
from plan_store.services import flags
from rumbo.container import Container
from rumbo.settings import Settings
from tests.conftest import FakeClock
from tests.e2e.alerts_support import a_team_on_duty, dispatcher, with_alert_channels
from tests.fakes.smtp import Mailbox, smtp_server


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_alert_channels(settings)


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    async with smtp_server() as box:
        yield box


async def test_the_days_non_urgent_flags_reach_the_operator_once_at_8_in_one_email(
    container: Container, clock: FakeClock, mailbox: Mailbox
) -> None:
    team = await a_team_on_duty(container.uow, alias="Xiomara")  # Monday 10:00 at the home
    async with container.uow() as uow:
        await flags.raise_flag(
            uow,
            team.case_id,
            category=FlagCategory.VOICE_NOTE,
            severity=Severity.MEDIUM,
            detail="me pegaron",
        )
        await flags.raise_flag(
            uow, team.case_id, category=FlagCategory.MISSED_APPOINTMENT, severity=Severity.LOW
        )
        await uow.commit()
    alerts = dispatcher(container.uow, mailbox=mailbox)
    await alerts.run_once()
    assert mailbox.messages == []  # no alert for these, and today's digest was before them

    clock.advance(hours=21, minutes=59)  # Tuesday 07:59
    await alerts.run_once()
    assert mailbox.messages == []
    clock.advance(minutes=1)  # 08:00
    await alerts.run_once()
    await alerts.run_once()
    (digest,) = mailbox.to("laura@casa.test")
    assert digest["Subject"] == "Rumbo: 2 alertas sin urgencia de ayer"
    body = digest.get_content()
    assert "CAS-001: Nota de voz por escuchar" in body and "CAS-001: Cita perdida" in body
    assert "Xiomara" not in body and "pegaron" not in body

    clock.advance(hours=5)
    await alerts.run_once()
    assert len(mailbox.messages) == 1
