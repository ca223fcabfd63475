"""Message-to-alert latency: how soon a risk message reaches the person on duty.

100 adolescents (linked, consenting, each a case of its own) each write a risk
message, one after the other. Each message goes through the same path as a Telegram
update (``bot.inbound.receive``: stored, the dialogs, the flag and its alert, commit);
the commit's ``AlertRaised`` event wakes the alert dispatcher, which runs as in
``rumbo serve`` and sends the alert to the on-duty operator's Telegram chat (the
project's Telegram client against the fake Bot API on loopback) and by email
(aiosmtplib to a real SMTP server on loopback). The latency of one alert is from the
moment the message is handed to Rumbo until the alert has arrived on that channel.

Prints p50, p99 and the worst, per channel. Runs on an SQLite file, and on
PostgreSQL when one is reachable.

    uv run python -m bench.alert_latency [--alerts 100] [--postgres URL | --no-postgres]
        [--no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import time
from collections.abc import Callable, Sequence
from datetime import time as wall_time
from pathlib import Path

from pydantic import SecretStr

from bench._support import command_line, database_options, fresh_directory, in_schemas, postgres_url
from bot.alerts import AlertDispatcher, EmailAlerts, TelegramAlerts
from bot.inbound import Inbound, receive
from bot.telegram import build_client
from dialogs.events import Event
from plan_store.crypto import generate_key
from plan_store.enums import CareSetting, Channel, ConsentDecision, Phase, Role
from plan_store.events import AlertRaised
from plan_store.models import Base
from plan_store.services import cases, consent, duty, homes, linking, staff, staff_chats
from plan_store.services.access import StaffActor
from rumbo.container import Container, build_container
from rumbo.parts import telegram_config
from rumbo.settings import DatabaseSettings, Settings, SmtpSettings, TelegramSettings
from tests.fakes import FakeTelegram
from tests.fakes.smtp import Mailbox, smtp_server

STAFF_CHAT = 990_000
RISK = "ya no aguanto, me quiero morir"


async def fill(container: Container, alerts: int) -> StaffActor:
    """A home, a coordinator, Laura on duty all week (email, Telegram linked) and
    ``alerts`` linked, consenting cases of hers."""
    async with container.uow() as uow:
        home = await homes.create_home(uow, name="Casa Ceiba", kind=CareSetting.GROUP_HOME)
        marta = await staff.add_staff(
            uow,
            username="marta",
            display_name="Marta",
            password="x" * 12,
            role=Role.COORDINATOR,
            home_id=home.id,
        )
        laura = await staff.add_staff(
            uow,
            username="laura",
            display_name="Laura",
            password="x" * 12,
            role=Role.OPERATOR,
            home_id=home.id,
        )
        laura_actor = StaffActor.of(laura)
        await staff_chats.set_email(uow, laura_actor, "laura@casa.test")
        code = await staff_chats.issue_code(uow, laura_actor)
        await staff_chats.redeem(uow, Channel.TELEGRAM, str(STAFF_CHAT), code)
        await duty.add_shift(
            uow,
            StaffActor.of(marta),
            home.id,
            staff_id=laura.id,
            weekdays=range(7),
            starts=wall_time(0),
            ends=wall_time(0),
        )
        today = cases.local_today(uow, home)
        for n in range(alerts):
            case = await cases.create_case(
                uow,
                case_number=f"B-{n:04d}",
                alias=f"Caso {n}",
                birth_date=today.replace(year=today.year - 16),
                home_id=home.id,
                phase=Phase.LONG_TERM,
                care_setting=CareSetting.GROUP_HOME,
                reference_operator_id=laura.id,
            )
            link_code = await linking.issue_code(uow, laura_actor, case.id)
            await linking.redeem_code(uow, Channel.TELEGRAM, str(100_000 + n), link_code)
            await consent.decide(
                uow,
                case,
                decision=ConsentDecision.GIVEN,
                language="es",
                channel=Channel.TELEGRAM,
            )
        await uow.commit()
        return laura_actor


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def more_than(n: int, count: Callable[[], int]) -> Callable[[], bool]:
    return lambda: count() > n


async def wait_for(check: Callable[[], bool], within: float = 30.0) -> None:
    """Poll ``check`` (the fakes record arrivals; they signal nothing)."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.0005)


async def one_run(url: str, label: str, alerts: int) -> None:
    async with FakeTelegram() as tg, smtp_server() as mailbox:
        settings = Settings(
            database=DatabaseSettings(url=url),
            data_key=SecretStr(generate_key()),
            telegram=TelegramSettings(token=SecretStr(tg.token), api_url=tg.api_url),
            smtp=SmtpSettings(host=mailbox.host, port=mailbox.port, security="none"),
            _env_file=None,
        )
        container = build_container(settings)
        async with container.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        try:
            await fill(container, alerts)
            await measure(container, settings, tg, mailbox, label, alerts)
        finally:
            await container.aclose()


async def measure(
    container: Container,
    settings: Settings,
    tg: FakeTelegram,
    mailbox: Mailbox,
    label: str,
    alerts: int,
) -> None:
    async with build_client(telegram_config(settings)) as client:
        dispatcher = AlertDispatcher(
            container.uow,
            [
                TelegramAlerts(client, "http://console.test"),
                EmailAlerts(
                    "http://console.test",
                    hostname=mailbox.host,
                    port=mailbox.port,
                    sender="rumbo@casa.test",
                    security="none",
                ),
            ],
        )
        container.uow.bus.subscribe(AlertRaised, dispatcher.wake)
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run_forever(stop))
        stored: list[float] = []
        telegram: list[float] = []
        email: list[float] = []
        try:
            for n in range(alerts):
                started = time.perf_counter()
                inbound = Inbound(
                    Channel.TELEGRAM, f"bench-{n}", str(100_000 + n), Event.text(RISK)
                )
                await receive(container.uow, inbound)
                stored.append(time.perf_counter() - started)
                await wait_for(more_than(n, lambda: len(tg.messages_for(STAFF_CHAT))))
                telegram.append(time.perf_counter() - started)
                await wait_for(more_than(n, lambda: len(mailbox.messages)))
                email.append(time.perf_counter() - started)
        finally:
            stop.set()
            dispatcher.wake()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    print(f"\n{label}: {alerts} risk messages, each to one alert on two channels")
    for name, values in (("stored", stored), ("Telegram", telegram), ("email", email)):
        print(
            f"  {name:<9} p50 {percentile(values, 0.5) * 1000:7.1f} ms   "
            f"p99 {percentile(values, 0.99) * 1000:7.1f} ms   "
            f"worst {max(values) * 1000:7.1f} ms"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.alert_latency", __doc__)
    parser.add_argument("--alerts", type=int, default=100)
    database_options(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    directory = fresh_directory("alerts-*.sqlite3*")
    print("Message-to-alert latency (fake Bot API and SMTP server on loopback)")
    asyncio.run(run_all(args, directory))


async def run_all(args: argparse.Namespace, directory: Path) -> None:
    if not args.no_sqlite:
        await one_run(
            f"sqlite+aiosqlite:///{directory / 'alerts-run.sqlite3'}", "SQLite", args.alerts
        )
    if not args.no_postgres and (url := await postgres_url(args.postgres)):

        async def on_postgres(url_for: Callable[[str], str]) -> None:
            await one_run(url_for("alerts"), "PostgreSQL", args.alerts)

        await in_schemas(url, ["alerts"], on_postgres)


if __name__ == "__main__":
    main()
