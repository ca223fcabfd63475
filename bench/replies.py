"""Replies, side by side: a bare python-telegram-bot echo bot, then Rumbo.

Every figure is taken in one run against a baseline taken in the same run: the
echo bot of ``bench._echo_bot`` (its own process, no database) and Rumbo (real
``rumbo serve --only telegram`` and ``rumbo serve --only scheduler`` processes,
both delivering the outbox) take turns against one fake Bot API, itself in a
process of its own, with the platform's rate limits lifted (the fake enforces
none, Rumbo paces none) so that only each bot's own cost shows. The turns
alternate ``--rounds`` times (echo, Rumbo, echo, Rumbo, ...), so a change in the
machine's load hits both.

Rumbo's database holds ``--cases`` linked, consenting cases and ``--messages``
stored messages (half of them in the messages timeline, half as sent outbox rows;
set-based inserts; on PostgreSQL then vacuumed and analysed, as autovacuum would).
``--chats`` of the cases write:

- **burst**: ``--burst`` texts at once (spread evenly over the chats); updates
  answered per second, from the first update offered to the last reply received.
- **paced**: ``--rate`` texts a second for ``--paced-seconds``, round-robin over the
  chats; the latency of each reply (the update offered to Telegram -> the reply's
  first ``sendMessage`` reaching it), p50 and p99.
- **peak RSS** of every process (``VmHWM``), read before it stops.

On SQLite and on PostgreSQL (when reachable); then **webhook mode** on PostgreSQL:
the fake plays Telegram posting each update to ``--webhook-workers`` processes
(1, 2 and 4 by default; one chat always to the same worker, one update of a chat
at a time, at most 40 requests at once as Telegram's default), the echo bot
likewise in as many webhook processes, plus one scheduler process for Rumbo.

The load average of the machine is printed with every figure: on a shared machine
the figures are noisy, and the ratio to the baseline of the same round is the
figure to read.

    uv run python -m bench.replies [--rounds 3] [--chats 200] [--burst 5000]
        [--rate 50] [--paced-seconds 20] [--cases 5000] [--messages 50000 | --full]
        [--webhook-workers 1,2,4 [--webhook-rounds 1] | --no-webhook] [--no-polling]
        [--postgres URL | --no-postgres]
        [--no-sqlite]

``--full`` stores 500,000 messages and paces for 60 s (the issue's figures).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, literal, select

from bench._processes import (
    SECRET,
    TOKEN,
    FakeProcess,
    Proc,
    base_env,
    healthy,
    postgres_cpu_seconds,
    rumbo_env,
    spawn,
    stop_all,
)
from bench._support import (
    command_line,
    consenting_cases,
    database_options,
    free_ports,
    fresh_directory,
    in_schemas,
    postgres_url,
    table_of,
    vacuum_analyse,
)
from plan_store.crypto import Cipher, bound_cipher, generate_key
from plan_store.database import create_engine
from plan_store.enums import (
    Channel,
    MessageDirection,
    MessageKind,
    OutboxKind,
    OutboxStatus,
)
from plan_store.models import (
    ChatLink,
    Message,
    OutboxMessage,
)
from plan_store.types import UTCDateTime, utcnow

FIRST_CHAT = 20_000_000


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ------------------------------------------------------------------ the data


async def fill(url: str, data_key: str, *, cases: int, messages: int) -> None:
    """``cases`` linked, consenting cases on Telegram and ``messages`` stored messages."""
    engine = create_engine(url)
    now = utcnow()
    cipher = Cipher(data_key)
    try:
        with bound_cipher(cipher):  # aliases, chat addresses...: encrypted as they go in
            await _fill(engine, cipher, now, cases=cases, messages=messages)
        await vacuum_analyse(engine)
    finally:
        await engine.dispose()


async def _fill(engine: Any, cipher: Cipher, now: datetime, *, cases: int, messages: int) -> None:
    await consenting_cases(
        engine,
        now,
        range(1, cases + 1),
        number="R",
        born=date(2010, 1, 1),
        chat_of=lambda n: FIRST_CHAT + n,
    )
    await _many(
        engine,
        table_of(Message),
        messages // 2,
        lambda i: {
            "adolescent_id": 1 + i % cases,
            "direction": literal(MessageDirection.INBOUND.value),
            "kind": literal(MessageKind.TEXT.value),
            "channel": literal(Channel.TELEGRAM.value),
            "body_ciphertext": literal(cipher.encrypt("un mensaje de antes")),
            "marked_for_evaluation": literal(False),
            "created_at": literal(now - timedelta(days=30), UTCDateTime()),
        },
    )
    payload = cipher.encrypt('{"text": "Gracias, se lo paso a tu equipo."}')
    await _many(
        engine,
        table_of(OutboxMessage),
        messages - messages // 2,
        lambda i: {
            "channel": literal(Channel.TELEGRAM.value),
            "external_chat_id": _stored_address_of(1 + i % cases),
            "adolescent_id": 1 + i % cases,
            "kind": literal(OutboxKind.SCREEN.value),
            "payload_ciphertext": literal(payload),
            "urgent": literal(True),
            "status": literal(OutboxStatus.SENT.value),
            "not_before": literal(now - timedelta(days=30), UTCDateTime()),
            "created_at": literal(now - timedelta(days=30), UTCDateTime()),
            "sent_at": literal(now - timedelta(days=30), UTCDateTime()),
            "attempts": literal(1),
        },
    )


def _stored_address_of(case: Any) -> Any:
    """The chat address of ``case`` as its link stores it (already encrypted)."""
    links = table_of(ChatLink)
    return select(links.c.external_id).where(links.c.adolescent_id == case).scalar_subquery()


async def _many(
    engine: Any, table: Table, count: int, columns: Callable[[Any], dict[str, Any]]
) -> None:
    """``count`` rows in one ``INSERT ... SELECT`` over a generated series."""
    if count <= 0:
        return
    if engine.dialect.name == "postgresql":
        numbers: Any = func.generate_series(0, count - 1).table_valued("i").render_derived(name="n")
    else:
        numbers = select(literal(0).label("i")).cte("n", recursive=True)
        numbers = numbers.union_all(select(numbers.c.i + 1).where(numbers.c.i < count - 1))
    i = numbers.c.i
    values = columns(i)
    async with engine.begin() as connection:
        await connection.execute(
            insert(table).from_select(
                list(values), select(*(v.label(k) for k, v in values.items())).select_from(numbers)
            )
        )


# ------------------------------------------------------------------ one turn


@dataclass
class Turn:
    bot: str
    burst_rate: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_ms: float = 0.0
    """CPU time of the bot's own processes per update of the burst (the database
    server's not included): what a loaded machine stretches least."""
    cpu_ms_by: dict[str, float] = field(default_factory=dict)
    """The same, process by process."""
    fake_cpu_ms: float = 0.0
    """The fake Bot API's CPU time per update of the burst: on a 2-core machine it
    shares the cores with the bot."""
    database_cpu_ms: float | None = None
    """The PostgreSQL server's CPU time per update of the burst, when it runs on this
    machine (Rumbo on PostgreSQL only)."""
    rss_mb: dict[str, float] = field(default_factory=dict)
    load: str = ""
    slowest: list[tuple[float, float]] = field(default_factory=list)
    """The slowest hundredth of the paced replies: (latency, seconds into the paced
    phase when the update was offered), to tell a pause that hit several replies at
    once (a sweep, a collection) from replies slow one by one."""
    paced_from: float = 0.0
    """When the paced phase began (Unix time): to find a pause in the database's log."""


async def one_turn(
    bot: str,
    fake: FakeProcess,
    args: argparse.Namespace,
    *,
    url: str,
    data_key: str,
    workdir: Path,
    workers: int,
) -> Turn:
    """Start ``bot`` (``echo`` or ``rumbo``), warm it up, burst, pace, read its RSS."""
    webhook = workers > 0
    procs: list[Proc] = []
    chats = [FIRST_CHAT + 1 + n for n in range(args.chats)]
    *ports, scheduler_port = free_ports(max(workers, 1) + 1)
    try:
        if bot == "echo":
            for n in range(max(workers, 1)):
                argv = ["-m", "bench._echo_bot"]
                argv += (
                    ["webhook", fake.api_url, TOKEN, str(ports[n]), SECRET]
                    if webhook
                    else ["polling", fake.api_url, TOKEN]
                )
                procs.append(await spawn(f"echo {n + 1}", argv, base_env(), workdir))
        else:
            serve = ["-m", "rumbo.cli", "serve", "--only"]
            for n in range(max(workers, 1)):
                env = rumbo_env(url, data_key, fake.api_url, ports[n], webhook)
                procs.append(await spawn(f"telegram {n + 1}", [*serve, "telegram"], env, workdir))
            env = rumbo_env(url, data_key, fake.api_url, scheduler_port, False)
            procs.append(await spawn("scheduler", [*serve, "scheduler"], env, workdir))
        if webhook:
            for port in ports[:workers]:
                await healthy(port)
        await fake.call(
            "use",
            targets=[f"http://127.0.0.1:{p}/telegram/webhook" for p in ports[:workers]],
        )
        replies_each = await fake.call("warm", chats=chats, timeout=180)
        on_postgres = bot == "rumbo" and url.startswith("postgresql")
        cpu_before = {p.name: p.cpu_seconds() for p in procs}
        fake_before = fake.cpu_seconds()
        database_before = postgres_cpu_seconds() if on_postgres else None
        burst = await fake.call("burst", chats=chats, total=args.burst, replies_each=replies_each)
        cpu_by = {p.name: p.cpu_seconds() - cpu_before[p.name] for p in procs}
        fake_cpu = fake.cpu_seconds() - fake_before
        database_after = postgres_cpu_seconds() if on_postgres else None
        paced = await fake.call(
            "paced",
            chats=chats,
            rate=args.rate,
            seconds=args.paced_seconds,
            replies_each=replies_each,
        )
        latencies = sorted(paced["latencies"])
        quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
        turn = Turn(
            bot,
            burst_rate=burst["updates"] / burst["seconds"],
            p50_ms=quantiles[49] * 1000,
            p99_ms=quantiles[98] * 1000,
            cpu_ms=sum(cpu_by.values()) / burst["updates"] * 1000,
            cpu_ms_by={name: cpu / burst["updates"] * 1000 for name, cpu in cpu_by.items()},
            fake_cpu_ms=fake_cpu / burst["updates"] * 1000,
            database_cpu_ms=(
                (database_after - database_before) / burst["updates"] * 1000
                if database_before is not None and database_after is not None
                else None
            ),
            rss_mb={p.name: p.peak_rss_mb() for p in procs},
            load=load(),
            slowest=[(float(s), float(t)) for s, t in paced["slowest"]],
            paced_from=float(paced["started_at"]),
        )
    except BaseException:
        for proc in procs:
            print(f"----- {proc.name} -----\n{proc.output.decode(errors='replace')[-4000:]}")
        raise
    finally:
        await stop_all(procs)
        for proc in procs:
            log = workdir / f"replies-{bot}-{proc.name.replace(' ', '')}.log"
            log.write_bytes(bytes(proc.output))
    return turn


def show(turn: Turn, baseline: Turn | None) -> None:
    rss = ", ".join(f"{name} {mb:.0f} MB" for name, mb in turn.rss_mb.items())
    line = (
        f"    {turn.bot:<6} burst {turn.burst_rate:6.0f} updates/s"
        f"  CPU {turn.cpu_ms:5.2f} ms/update"
        f"  paced p50 {turn.p50_ms:6.1f} ms  p99 {turn.p99_ms:7.1f} ms"
        f"  peak RSS: {rss}  (load {turn.load})"
    )
    print(line, flush=True)
    if turn.slowest:
        slow = ", ".join(
            f"{s * 1000:.0f} ms at {t:.1f} s" for s, t in sorted(turn.slowest, key=lambda x: x[1])
        )
        began = datetime.fromtimestamp(turn.paced_from, UTC).strftime("%H:%M:%S.%f")[:-3]
        print(f"           slowest paced replies (paced from {began} UTC): {slow}", flush=True)
    split = ", ".join(f"{name} {ms:.2f}" for name, ms in turn.cpu_ms_by.items())
    if turn.database_cpu_ms is not None:
        split += f"; the PostgreSQL server {turn.database_cpu_ms:.2f}"
    print(f"           CPU ms/update: {split}; the fake Bot API {turn.fake_cpu_ms:.2f}", flush=True)
    if baseline is not None:
        print(
            f"           ratio to the echo bot: burst {turn.burst_rate / baseline.burst_rate:.2f},"
            f" CPU per update x{turn.cpu_ms / baseline.cpu_ms:.1f},"
            f" p50 x{turn.p50_ms / baseline.p50_ms:.1f}, p99 x{turn.p99_ms / baseline.p99_ms:.1f}",
            flush=True,
        )


async def run_on(
    label: str, url: str, args: argparse.Namespace, workdir: Path, workers: int
) -> None:
    rounds = args.webhook_rounds if workers else args.rounds
    data_key = generate_key()
    started = time.perf_counter()
    await fill(url, data_key, cases=args.cases, messages=args.messages)
    print(
        f"\n{label}: {args.cases:,} cases, {args.messages:,} messages stored"
        f" in {time.perf_counter() - started:.0f} s (load {load()})",
        flush=True,
    )
    with FakeProcess() as fake:
        for round_ in range(1, rounds + 1):
            print(f"  round {round_}", flush=True)
            echo = await one_turn(
                "echo", fake, args, url=url, data_key=data_key, workdir=workdir, workers=workers
            )
            show(echo, None)
            rumbo = await one_turn(
                "rumbo", fake, args, url=url, data_key=data_key, workdir=workdir, workers=workers
            )
            show(rumbo, echo)


# ------------------------------------------------------------------ entry point


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.replies", __doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--full", action="store_true", help="500,000 messages, 60 s paced")
    parser.add_argument("--webhook-workers", default="1,2,4")
    parser.add_argument("--webhook-rounds", type=int, default=1)
    parser.add_argument("--no-webhook", action="store_true")
    parser.add_argument("--no-polling", action="store_true", help="only the webhook runs")
    database_options(parser)
    args = parser.parse_args(argv)
    if args.full:
        args.messages = max(args.messages, 500_000)
        args.paced_seconds = max(args.paced_seconds, 60.0)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    directory = fresh_directory("replies-*.sqlite3*").resolve()
    print(
        "Replies: a bare python-telegram-bot echo bot, then Rumbo, against one fake Bot API"
        f" (its own process); {os.cpu_count()} CPUs, load {load()}",
        flush=True,
    )
    asyncio.run(run_all(args, directory))


async def run_all(args: argparse.Namespace, directory: Path) -> None:
    if not args.no_sqlite and not args.no_polling:
        url = f"sqlite+aiosqlite:///{directory / 'replies-polling.sqlite3'}"
        await run_on("SQLite, polling", url, args, directory, workers=0)
    if args.no_postgres or not (pg := await postgres_url(args.postgres)):
        return
    runs = [] if args.no_polling else ["polling"]
    workers = [] if args.no_webhook else [int(w) for w in args.webhook_workers.split(",") if w]
    runs += [f"webhook{w}" for w in workers]

    async def job(url_for: Callable[[str], str]) -> None:
        if not args.no_polling:
            await run_on("PostgreSQL, polling", url_for("polling"), args, directory, workers=0)
        for w in workers:
            await run_on(
                f"PostgreSQL, webhook, {w} worker process{'es' if w > 1 else ''}",
                url_for(f"webhook{w}"),
                args,
                directory,
                workers=w,
            )

    await in_schemas(pg, runs, job)


if __name__ == "__main__":
    main()
