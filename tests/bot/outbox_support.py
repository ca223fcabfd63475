"""Helpers for the outbox and scheduler tests: homes in chosen time zones, linked and
consenting cases, rows in the outbox, and a Telegram client on the fake Bot API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any, TypeVar

from sqlalchemy import Select, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.outbox.sender import OutboxSender
from bot.telegram.client import TelegramClient
from dialogs.screens import Button, Screen
from plan_store.enums import CareSetting, Channel, ConsentDecision, OutboxKind, Phase, Role
from plan_store.models import Adolescent, Home, OutboxMessage
from plan_store.services import cases, consent, homes, linking, outbox
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.fakes import FakeTelegram
from tests.plan_store.builders import a_staff_member, birth_date_for_age

T = TypeVar("T")


def telegram_client(tg: FakeTelegram, *, read_timeout: float = 2.0) -> TelegramClient:
    """The project's Telegram client on the fake, with short time-outs for the tests."""
    request = HTTPXRequest(
        connection_pool_size=64,
        connect_timeout=2.0,
        read_timeout=read_timeout,
        write_timeout=2.0,
        pool_timeout=5.0,
    )
    return TelegramClient(
        Bot(tg.token, base_url=tg.base_url, base_file_url=tg.file_url, request=request)
    )


def sender(uow_factory: UnitOfWorkFactory, client: TelegramClient, **options: Any) -> OutboxSender:
    """A sender with the rate limits lifted unless the test gives some."""
    from bot.outbox.limits import RateLimits

    options.setdefault("limits", RateLimits.unlimited())
    return OutboxSender(uow_factory, {Channel.TELEGRAM: client}, **options)


async def a_home_in(
    uow: UnitOfWork,
    timezone: str,
    name: str | None = None,
    *,
    quiet_start: time = time(21, 0),
    quiet_end: time = time(8, 0),
    retention_days: int = 0,
) -> Home:
    return await homes.create_home(
        uow,
        name=name or f"Casa {timezone}",
        kind=CareSetting.RESIDENTIAL_CENTRE,
        timezone=timezone,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        retention_days=retention_days,
    )


@dataclass(frozen=True, slots=True)
class LinkedCase:
    case: Adolescent
    operator: StaffActor
    chat_id: str


async def a_linked_case(
    uow: UnitOfWork,
    home: Home,
    chat_id: str,
    *,
    alias: str = "Lu",
    age: int = 15,
    birth_date: date | None = None,
    operator: StaffActor | None = None,
    consented: bool = True,
    linked: bool = True,
    language: str = "es",
) -> LinkedCase:
    """A case in ``home`` whose Telegram chat ``chat_id`` is linked, with consent given."""
    if operator is None:
        operator = await a_staff_member(uow, home, f"op{home.id}x{chat_id}", Role.OPERATOR)
    today = cases.local_today(uow, home)
    case = await cases.create_case(
        uow,
        case_number=f"C-{home.id}-{chat_id}",
        alias=alias,
        birth_date=birth_date or birth_date_for_age(today, age),
        home_id=home.id,
        phase=Phase.INTEGRATION,
        care_setting=home.kind,
        reference_operator_id=operator.id,
        language=language,
    )
    if linked:
        code = await linking.issue_code(uow, operator, case.id)
        await linking.redeem_code(uow, Channel.TELEGRAM, chat_id, code)
    if consented:
        await consent.decide(
            uow, case, decision=ConsentDecision.GIVEN, language=language, channel=Channel.TELEGRAM
        )
    return LinkedCase(case, operator, chat_id)


async def queue_screen(
    uow: UnitOfWork,
    chat_id: str,
    text: str,
    *,
    adolescent_id: int | None = None,
    urgent: bool = True,
    buttons: tuple[tuple[Button, ...], ...] = (),
    key: str | None = None,
) -> OutboxMessage:
    return await outbox.enqueue(
        uow,
        channel=Channel.TELEGRAM,
        external_chat_id=chat_id,
        adolescent_id=adolescent_id,
        payload=Screen(text, buttons).to_payload(),
        urgent=urgent,
        dedupe_key=key,
    )


async def queue_deletion(uow: UnitOfWork, chat_id: str, message_ids: list[str]) -> OutboxMessage:
    return await outbox.enqueue(
        uow,
        channel=Channel.TELEGRAM,
        external_chat_id=chat_id,
        kind=OutboxKind.DELETE,
        payload={"message_ids": message_ids},
        urgent=True,
    )


async def outbox_rows(uow_factory: UnitOfWorkFactory) -> list[OutboxMessage]:
    """Every outbox row, oldest first, detached (readable after the unit of work)."""
    return await detached(uow_factory, select(OutboxMessage).order_by(OutboxMessage.id))


async def detached(uow_factory: UnitOfWorkFactory, query: Select[T]) -> list[T]:
    """The rows of ``query``, loaded and detached before the unit of work rolls back."""
    async with uow_factory() as uow:
        rows = list(await uow.session.scalars(query))
        uow.session.expunge_all()
        return rows


def texts_to(tg: FakeTelegram, chat_id: str | int) -> list[str | None]:
    return [r.text for r in tg.sent_to(int(chat_id)) if r.method == "sendMessage"]


def all_sent_texts(tg: FakeTelegram) -> list[str | None]:
    return [r.text for r in tg.sent if r.method == "sendMessage"]
