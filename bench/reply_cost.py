"""What one reply costs Rumbo, in process: time and SQL statements per update.

Applies ``--updates`` free texts from ``--chats`` linked, consenting chats with
``bot.inbound.receive`` (the transaction a transport runs: de-duplication, the
dialogs, the outbox), then claims, "delivers" (a client that answers at once) and
records them with the outbox sender, on the database of ``bench.replies``. Prints
milliseconds (wall and CPU) and statements per update for each half; ``--profile``
writes a pyinstrument profile of the inbound half to ``var/bench/reply_cost.html``,
``--cprofile`` cProfile statistics to ``var/bench/reply_cost-<database>.pstats``.

    uv run python -m bench.reply_cost [--updates 2000] [--chats 200] [--profile]
        [--operator] [--postgres URL | --no-postgres] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event, update

from bench._processes import TEXT
from bench._support import (
    command_line,
    database_options,
    fresh_directory,
    in_schemas,
    insert_rows,
    postgres_url,
    table_of,
)
from bench.replies import FIRST_CHAT, fill
from bot.inbound import Inbound, receive
from bot.outbox.limits import RateLimits
from bot.outbox.sender import OutboxSender
from dialogs.events import Event
from plan_store.crypto import Cipher, bound_cipher, generate_key
from plan_store.database import create_engine
from plan_store.enums import Channel, OutboxKind, Role
from plan_store.models import Adolescent, Staff
from plan_store.types import utcnow
from rumbo.container import build_container
from rumbo.settings import DatabaseSettings, Settings

_ids = itertools.count(1)
OPERATOR_ID = 900_001


class InstantClient:
    """A channel client that takes every message at once."""

    channel = Channel.TELEGRAM

    async def deliver(self, kind: OutboxKind, chat_id: str, payload: dict[str, Any]) -> str:
        return str(next(_ids))


async def give_operator(url: str, data_key: str) -> None:
    """One operator, with a second factor as staff have, the reference operator of
    every case: as in a home, where the answer to a free text names her."""
    now = utcnow()
    engine = create_engine(url)
    try:
        with bound_cipher(Cipher(data_key)):  # her TOTP secret is encrypted as it goes in
            await insert_rows(
                engine,
                table_of(Staff),
                [
                    {
                        "id": OPERATOR_ID,
                        "username": "laura.mendez",
                        "display_name": "Laura Méndez",
                        "password_hash": "-",
                        "role": Role.OPERATOR,
                        "home_id": 1,
                        "active": True,
                        "language": "es",
                        "session_epoch": 0,
                        "totp_secret": "JBSWY3DPEHPK3PXP",
                        "totp_enabled_at": now,
                        "recovery_code_hashes": [],
                        "created_at": now,
                    }
                ],
            )
        async with engine.begin() as connection:
            await connection.execute(
                update(table_of(Adolescent)).values(reference_operator_id=OPERATOR_ID)
            )
    finally:
        await engine.dispose()


async def measure(url: str, args: argparse.Namespace, label: str) -> None:
    data_key = generate_key()
    await fill(url, data_key, cases=max(args.chats, 1000), messages=args.messages)
    if args.operator:
        await give_operator(url, data_key)
    settings = Settings(
        database=DatabaseSettings(url=url), data_key=SecretStr(data_key), _env_file=None
    )
    container = build_container(settings)
    statements = 0

    @event.listens_for(container.engine.sync_engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    chats = [str(FIRST_CHAT + 1 + n) for n in range(args.chats)]
    try:
        # One each first: every chat's session exists, caches are warm.
        for chat in chats:
            await receive(
                container.uow, Inbound(Channel.TELEGRAM, f"w{chat}", chat, Event.text(TEXT))
            )
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled")
            profiler.start()
        cprofiler = cProfile.Profile(time.process_time) if args.cprofile else None
        if cprofiler is not None:
            cprofiler.enable()
        statements = 0
        started = time.perf_counter()
        cpu_started = time.process_time()
        for n in range(args.updates):
            chat = chats[n % len(chats)]
            await receive(container.uow, Inbound(Channel.TELEGRAM, str(n), chat, Event.text(TEXT)))
        inbound_seconds = time.perf_counter() - started
        inbound_cpu = time.process_time() - cpu_started
        if cprofiler is not None:
            cprofiler.disable()
            stats_path = Path(f"var/bench/reply_cost-{label.lower()}.pstats")
            cprofiler.dump_stats(stats_path)
            print(f"  cProfile of the inbound half: {stats_path}")
        inbound_statements = statements
        if profiler is not None:
            profiler.stop()
            path = Path("var/bench/reply_cost.html")
            path.write_text(profiler.output_html())  # noqa: ASYNC240 (after the timing)
            path.with_suffix(".txt").write_text(profiler.output_text(show_all=False))
            print(f"  profile of the inbound half: {path}")
        sender = OutboxSender(
            container.uow, {Channel.TELEGRAM: InstantClient()}, RateLimits.unlimited()
        )
        statements = 0
        started = time.perf_counter()
        cpu_started = time.process_time()
        sent = 0
        while made := await sender.run_once():
            sent += made
        outbound_seconds = time.perf_counter() - started
        outbound_cpu = time.process_time() - cpu_started
        print(f"\n{label}")
        print(
            f"  inbound: {args.updates} updates, {inbound_seconds / args.updates * 1000:.2f} ms"
            f" ({inbound_cpu / args.updates * 1000:.2f} ms CPU)"
            f" and {inbound_statements / args.updates:.1f} statements each"
            f" ({args.updates / inbound_seconds:.0f}/s)"
        )
        print(
            f"  outbox: {sent} rows, {outbound_seconds / max(sent, 1) * 1000:.2f} ms"
            f" ({outbound_cpu / max(sent, 1) * 1000:.2f} ms CPU)"
            f" and {statements / max(sent, 1):.1f} statements each"
            f" ({sent / outbound_seconds:.0f}/s)"
        )
    finally:
        await container.aclose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.reply_cost", __doc__)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--cprofile", action="store_true", help="write cProfile stats to var/bench/*.pstats"
    )
    parser.add_argument(
        "--operator",
        action="store_true",
        help="give every case a reference operator (the reply names her, as in a home)",
    )
    database_options(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    directory = fresh_directory("reply-cost*.sqlite3*").resolve()
    print(f"What one reply costs, in process (load {Path('/proc/loadavg').read_text()[:14]})")
    asyncio.run(run_all(args, directory))


async def run_all(args: argparse.Namespace, directory: Path) -> None:
    if not args.no_sqlite:
        await measure(f"sqlite+aiosqlite:///{directory / 'reply-cost.sqlite3'}", args, "SQLite")
    if not args.no_postgres and (url := await postgres_url(args.postgres)):

        async def job(url_for: Callable[[str], str]) -> None:
            await measure(url_for("cost"), args, "PostgreSQL")

        await in_schemas(url, ["cost"], job)


if __name__ == "__main__":
    main()
