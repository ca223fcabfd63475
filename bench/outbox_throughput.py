"""Outbox throughput: reminders made by the scheduler, delivered to the fake Bot API.

Two runs, each on a fresh database filled with linked, consenting cases (bulk
inserts: a fixture, not the services), whose appointments tomorrow make the
scheduler's reminders job queue one reminder each:

1. **Unlimited**: 10,000 reminders (4 per chat) with the rate limits lifted: how
   many messages per second the sender gets through, end to end (claim, the
   project's Telegram client over HTTP, record).
2. **Telegram's limits**: 900 reminders to 900 chats at 30 messages per second,
   against a fake that refuses (429) anything over the limit: the achieved rate over
   the allowed one, and how many calls the platform refused.

The fake Bot API runs in a process of its own, so that it does not share the
sender's CPU; it checks afterwards that every message arrived exactly once and in
order per chat. Runs on an SQLite file, and on PostgreSQL when one is reachable.

The second run also prints the calls' round trip as the sender saw it (start to
answer): the pacer keeps Telegram's window between a call's start and the earlier
calls' answers, so the round trip is what the window costs. ``--headroom`` sets the
pacer's grid (0.99 of the rate by default); a grid at or over the limit leaves the
window alone to keep it. ``--limited-per-chat`` sends the second run's reminders to
fewer chats, several each, where the per-chat limit (one a second, counted from the
answer) and the time to record and claim the next row of a chat come into play.

    uv run python -m bench.outbox_throughput [--reminders 10000] [--per-chat 4]
        [--limited 900] [--limited-per-chat 1] [--headroom 0.99]
        [--postgres URL | --no-postgres] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from bench._support import (
    command_line,
    consenting_cases,
    database_options,
    fresh_directory,
    in_schemas,
    insert_rows,
    postgres_url,
    table_of,
)
from bot.outbox.channel import ChannelClient
from bot.outbox.limits import DEFAULT_HEADROOM, ChannelLimits, RateLimits
from bot.outbox.sender import OutboxSender
from bot.scheduler import jobs
from plan_store.crypto import bound_cipher, generate_key
from plan_store.enums import (
    AppointmentKind,
    AppointmentStatus,
    Channel,
    OutboxKind,
    OutboxStatus,
)
from plan_store.models import (
    Appointment,
    OutboxMessage,
)
from plan_store.types import utcnow
from rumbo.container import Container, build_container
from rumbo.parts import telegram_config
from rumbo.settings import DatabaseSettings, Settings, TelegramSettings

TOKEN = "123456:BENCH-TOKEN"  # noqa: S105 (the fake Bot API's token, not a secret)
FIRST_CHAT = 10_000_000
TELEGRAM_RATE = 30.0


# ------------------------------------------------------------------ the fake, apart


def _serve_fake(conn: Connection, enforce_limits: bool) -> None:
    """Child process: serve the fake Bot API until told to stop, then report."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    asyncio.run(_fake_main(conn, enforce_limits))


async def _fake_main(conn: Connection, enforce_limits: bool) -> None:
    from tests.fakes import FakeTelegram

    async with FakeTelegram(token=TOKEN, enforce_limits=enforce_limits) as tg:
        conn.send(tg.api_url)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # "stop"
        sends = [r for r in tg.sent if r.method == "sendMessage"]
        per_chat: dict[int, list[str]] = {}
        for record in sends:
            per_chat.setdefault(record.chat_id, []).append(record.text or "")
        copies = Counter((r.chat_id, r.text) for r in sends)
        times = sorted(r.at for r in sends)
        busiest = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        conn.send(
            {
                "delivered": len(sends),
                "duplicates": sum(n - 1 for n in copies.values() if n > 1),
                "out_of_order": sum(texts != sorted(texts) for texts in per_chat.values()),
                "refused_429": sum(1 for c in tg.calls_to("sendMessage") if c.status == 429),
                "first": times[0] if times else 0.0,
                "last": times[-1] if times else 0.0,
                "busiest_second": busiest,
            }
        )


class FakeProcess:
    def __init__(self, *, enforce_limits: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child, enforce_limits))
        self.api_url = ""

    def __enter__(self) -> FakeProcess:
        self._process.start()
        self.api_url = self._conn.recv()
        return self

    def report(self) -> dict[str, Any]:
        self._conn.send("stop")
        report: dict[str, Any] = self._conn.recv()
        return report

    def __exit__(self, *exc_info: object) -> None:
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()


# ------------------------------------------------------------------ the data


async def fill(container: Container, chats: int, per_chat: int, now: datetime) -> None:
    """``chats`` linked, consenting cases, each with ``per_chat`` appointments
    tomorrow (their 24-hour reminders are due ``now``)."""
    engine = container.engine
    ids = range(1, chats + 1)
    await consenting_cases(
        engine, now, ids, number="B", born=date(2011, 1, 1), chat_of=lambda n: FIRST_CHAT + n - 1
    )
    appointments = [
        {
            "adolescent_id": case_id,
            "kind": AppointmentKind.SCHOOL,
            "title": f"Taller {k + 1:02d}",
            "place": "CECATI 42",
            "starts_at": now + timedelta(hours=20, minutes=k),
            "status": AppointmentStatus.SCHEDULED,
            "created_at": now,
            "updated_at": now,
        }
        for case_id in ids
        for k in range(per_chat)
    ]
    await insert_rows(engine, table_of(Appointment), appointments)


# ------------------------------------------------------------------ one run


class Timed:
    """The Telegram client, with the round trip of every call (start to answer)."""

    def __init__(self, client: ChannelClient) -> None:
        self._client = client
        self.channel = client.channel
        self.round_trips: list[float] = []

    async def deliver(self, kind: OutboxKind, chat_id: str, payload: dict[str, Any]) -> str | None:
        started = time.perf_counter()
        try:
            return await self._client.deliver(kind, chat_id, payload)
        finally:
            self.round_trips.append(time.perf_counter() - started)


@dataclass
class Figures:
    label: str
    reminders: int
    chats: int
    job_seconds: float
    send_seconds: float
    report: dict[str, Any]
    round_trips: list[float]

    @property
    def platform_rate(self) -> float:
        span = self.report["last"] - self.report["first"]
        return (self.report["delivered"] - 1) / span if span > 0 else 0.0


async def one_run(
    url: str, label: str, *, chats: int, per_chat: int, limits: RateLimits, enforce: bool
) -> Figures:
    now = utcnow()
    with FakeProcess(enforce_limits=enforce) as fake:
        settings = Settings(
            database=DatabaseSettings(url=url),
            data_key=SecretStr(generate_key()),
            telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=fake.api_url),
            _env_file=None,
        )
        container = build_container(settings)
        try:
            with bound_cipher(container.uow.cipher):  # aliases, chats: encrypted going in
                await fill(container, chats, per_chat, now)
            started = time.perf_counter()
            async with container.uow() as uow:
                made = await jobs.appointment_reminders(uow, now)
                await uow.commit()
            job_seconds = time.perf_counter() - started

            from bot.telegram import build_client

            async with build_client(telegram_config(settings)) as client:
                timed = Timed(client)
                sender = OutboxSender(container.uow, {Channel.TELEGRAM: timed}, limits)
                stop = asyncio.Event()
                started = time.perf_counter()
                task = asyncio.create_task(sender.run_forever(stop))
                await _until_sent(container, made, task)
                send_seconds = time.perf_counter() - started
                stop.set()
                await task
        finally:
            await container.aclose()
        report = fake.report()
    return Figures(label, made, chats, job_seconds, send_seconds, report, timed.round_trips)


async def _until_sent(container: Container, expected: int, task: asyncio.Task[None]) -> None:
    while True:
        async with container.uow() as uow:
            sent = await uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED])
                )
            )
        if (sent or 0) >= expected:
            return
        if task.done():
            task.result()
            raise RuntimeError("the sender stopped before the outbox was empty")
        await asyncio.sleep(0.05)


def show(figures: Figures, allowed: float | None) -> None:
    r = figures.report
    print(f"  {figures.label}")
    print(
        f"    scheduler job: {figures.reminders:,} reminders queued in "
        f"{figures.job_seconds:.1f} s ({figures.reminders / figures.job_seconds:,.0f}/s)"
    )
    print(
        f"    sender: {r['delivered']:,} delivered to {figures.chats:,} chats in "
        f"{figures.send_seconds:.1f} s -> {r['delivered'] / figures.send_seconds:,.0f} msg/s "
        f"(at the platform, first to last: {figures.platform_rate:,.1f} msg/s)"
    )
    if allowed is not None:
        print(
            f"    achieved/allowed: {figures.platform_rate:.1f}/{allowed:.0f} = "
            f"{figures.platform_rate / allowed:.1%}; busiest second at the platform: "
            f"{r['busiest_second']} messages; refused (429): {r['refused_429']}"
        )
        trips = sorted(figures.round_trips)
        print(
            f"    round trip at the sender: median {statistics.median(trips) * 1000:.1f} ms, "
            f"99th percentile {trips[int(0.99 * (len(trips) - 1))] * 1000:.1f} ms, "
            f"longest {trips[-1] * 1000:.1f} ms"
        )
    print(
        f"    exactly once: {r['duplicates']} duplicates, "
        f"{r['out_of_order']} chats out of order, "
        f"{figures.reminders - r['delivered']} missing"
    )


async def run_on(url_for: Callable[[str], str], label: str, args: argparse.Namespace) -> None:
    """Both runs; ``url_for(run)`` is a fresh database for each."""
    print(f"\n{label}")
    unlimited = await one_run(
        url_for("unlimited"),
        f"rate limits lifted: {args.reminders:,} reminders, {args.per_chat} per chat",
        chats=max(1, args.reminders // args.per_chat),
        per_chat=args.per_chat,
        limits=RateLimits.unlimited(),
        enforce=False,
    )
    show(unlimited, None)
    telegram = RateLimits(headroom=args.headroom).replace(
        Channel.TELEGRAM, ChannelLimits(per_second=TELEGRAM_RATE, chat_interval=1.0)
    )
    each = args.limited_per_chat
    limited = await one_run(
        url_for("limited"),
        f"Telegram's limits (30/s, 1/s per chat): {args.limited:,} reminders, {each} per chat"
        f" (the pacer's grid at {args.headroom:.0%} of the rate)",
        chats=max(1, args.limited // each),
        per_chat=each,
        limits=telegram,
        enforce=True,
    )
    show(limited, TELEGRAM_RATE)


# ------------------------------------------------------------------ entry point


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.outbox_throughput", __doc__)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--per-chat", type=int, default=4)
    parser.add_argument("--limited", type=int, default=900)
    parser.add_argument("--limited-per-chat", type=int, default=1)
    parser.add_argument("--headroom", type=float, default=DEFAULT_HEADROOM)
    database_options(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    directory = fresh_directory("outbox-*.sqlite3*")
    print("Outbox throughput (the fake Bot API in its own process, on loopback)")
    asyncio.run(run_all(args, directory))


async def run_all(args: argparse.Namespace, directory: Path) -> None:
    if not args.no_sqlite:
        await run_on(
            lambda run: f"sqlite+aiosqlite:///{directory / f'outbox-{run}.sqlite3'}",
            "SQLite",
            args,
        )
    if not args.no_postgres and (url := await postgres_url(args.postgres)):
        await in_schemas(
            url, ["unlimited", "limited"], lambda url_for: run_on(url_for, "PostgreSQL", args)
        )


if __name__ == "__main__":
    main()
