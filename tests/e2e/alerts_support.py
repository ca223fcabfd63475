"""Helpers for the alert tests: a home with someone on duty, her Telegram chat
linked, and the dispatcher wired as ``rumbo serve`` wires it (against the fakes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from pydantic import SecretStr

from bot.alerts import AlertDispatcher, AlertSender, EmailAlerts, TelegramAlerts
from bot.telegram import TelegramClient
from plan_store.enums import Role
from plan_store.models import Staff
from plan_store.services import duty, linking, staff_chats
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWorkFactory
from rumbo.settings import Settings
from tests.builders import a_case, a_goal, a_home, a_staff_member
from tests.configured import configured
from tests.fakes.smtp import Mailbox

CONSOLE = "https://consola.rumbo.test"


def with_alert_channels(settings: Settings) -> Settings:
    """An installation that sends alerts by Telegram and email (the tests point both at
    fakes on loopback: the token and host here only switch the channels on)."""
    return configured(
        settings, telegram={"token": SecretStr("123456:ALERTS")}, smtp={"host": "127.0.0.1"}
    )


@dataclass(frozen=True, slots=True)
class Team:
    home_id: int
    case_id: int
    code: str
    laura: StaffActor  # reference operator, on duty all week
    beto: StaffActor  # the case's backup, not on duty
    marta: StaffActor  # the coordinator


async def a_team_on_duty(uow_factory: UnitOfWorkFactory, *, alias: str = "Lu") -> Team:
    """Casa Ceiba: Laura on duty every day, all day, with an email; Beto the case's
    backup; Marta the coordinator. A case of Laura's with a linking code."""
    async with uow_factory() as uow:
        home = await a_home(uow)
        marta = await a_staff_member(
            uow, home, "marta", Role.COORDINATOR, display_name="Marta Ruiz"
        )
        laura = await a_staff_member(uow, home, "laura", Role.OPERATOR, display_name="Laura Méndez")
        beto = await a_staff_member(uow, home, "beto", Role.OPERATOR, display_name="Beto Díaz")
        for actor, address in (
            (laura, "laura@casa.test"),
            (beto, "beto@casa.test"),
            (marta, "marta@casa.test"),
        ):
            await staff_chats.set_email(uow, actor, address)
        await duty.add_shift(
            uow, marta, home.id, staff_id=laura.id, weekdays=range(7), starts=time(0), ends=time(0)
        )
        case = await a_case(uow, home, laura, alias=alias)
        await duty.set_backup(uow, marta, case.id, beto.id)
        await a_goal(uow, laura, case)
        code = await linking.issue_code(uow, laura, case.id)
        await uow.commit()
        return Team(home.id, case.id, code, laura, beto, marta)


async def staff_code(uow_factory: UnitOfWorkFactory, actor: StaffActor) -> str:
    """What her console account page shows her: ``/start staff-CODE``."""
    async with uow_factory() as uow:
        code = await staff_chats.issue_code(uow, actor)
        await uow.commit()
        return f"/start staff-{code}"


async def staff_member(uow_factory: UnitOfWorkFactory, actor: StaffActor) -> Staff:
    async with uow_factory() as uow:
        found = await uow.session.get(Staff, actor.id)
        assert found is not None
        return found


def dispatcher(
    uow_factory: UnitOfWorkFactory,
    *,
    telegram: TelegramClient | None = None,
    mailbox: Mailbox | None = None,
) -> AlertDispatcher:
    senders: list[AlertSender] = []
    if telegram is not None:
        senders.append(TelegramAlerts(telegram, CONSOLE))
    if mailbox is not None:
        senders.append(
            EmailAlerts(
                CONSOLE,
                hostname=mailbox.host,
                port=mailbox.port,
                sender="Rumbo <alertas@casa.test>",
                security="none",
            )
        )
    return AlertDispatcher(uow_factory, senders)
