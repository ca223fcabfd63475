"""Console page times on a large installation.

Fills a database with 5,000 adolescents and 500,000 messages (bulk inserts, bodies
encrypted like real ones; this is a fixture, so it bypasses the services) and times
the dashboard and a case page through the ASGI app, in process, for an admin (all
cases), a coordinator (one home) and an operator (a caseload). Runs on an SQLite
file, and on PostgreSQL when one is reachable.

    uv run python -m bench.console_pages [--adolescents 5000] [--messages 500000]
        [--runs 40] [--profile] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
from sqlalchemy import func, select

from bench._installation import PASSWORD, TOTP_SECRET, Fixture, fill
from bench._support import (
    command_line,
    database_options,
    fresh_directory,
    in_schemas,
    postgres_url,
    table_of,
)
from plan_store import migrate
from plan_store.crypto import Cipher, generate_key
from plan_store.database import create_engine, create_session_factory
from plan_store.models import Message
from plan_store.unit_of_work import UnitOfWorkFactory
from staff_console.app import create_app


class Timer:
    """ASGI middleware that records the server time of each request: wall time, and
    the CPU time of this process (every thread: SQLite's work included, PostgreSQL's
    not), which a loaded machine stretches far less than the wall time."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0
        self.last_cpu = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started, started_cpu = time.perf_counter(), time.process_time()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - started
                self.last_cpu = time.process_time() - started_cpu

        await self.app(scope, receive, timed_send)


async def _login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = await client.post(
        "/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD}
    )
    assert response.headers.get("location") == "/login/code", response.status_code
    page = await client.get("/login/code")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    code = pyotp.TOTP(TOTP_SECRET).now()
    response = await client.post("/login/code", data={"csrf_token": token.group(1), "code": code})
    assert response.status_code == 303, response.status_code


async def measure(
    uow_factory: UnitOfWorkFactory, fixture: Fixture, runs: int, profile: str | None = None
) -> list[tuple[str, str, float, float, float]]:
    """Median, p95 and median CPU milliseconds of each page; with ``profile``, a
    pyinstrument profile of the admin dashboard's runs written to that path."""
    timer = Timer(create_app(uow_factory, secret_key=generate_key()))
    figures = []
    pages = [
        ("admin", "/", "dashboard"),
        ("admin", "/dashboard/urgent", "urgent fragment"),
        ("admin", f"/cases/{fixture.busiest_case}", "case page (busiest case)"),
        ("admin", f"/cases/{fixture.typical_case}", "case page (typical case)"),
        ("admin", "/cases", "case list"),
        ("admin", "/evaluations", "evaluation board"),
        ("coordinator", "/", "dashboard"),
        ("coordinator", "/flags", "flags"),
        ("operator", "/", "dashboard"),
        ("operator", f"/cases/{fixture.operator_case}", "case page"),
    ]
    users = {
        "admin": fixture.admin,
        "coordinator": fixture.coordinator,
        "operator": fixture.operator,
    }
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        for role, username in users.items():
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=timer), base_url="http://bench.local"
            )
            clients[role] = client
            await _login(client, username)
        for role, path, what in pages:
            client = clients[role]
            samples, cpu = [], []
            profiler = None
            if profile is not None and (role, what) == ("admin", "dashboard"):
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
            for run in range(runs + 3):
                if profiler is not None and run == 3:
                    profiler.start()
                response = await client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                if run >= 3:  # the first ones warm caches and compile templates
                    samples.append(timer.last * 1000)
                    cpu.append(timer.last_cpu * 1000)
            if profiler is not None and profile is not None:
                profiler.stop()
                with open(profile, "w") as out:  # noqa: ASYNC230 (after the timing)
                    out.write(profiler.output_text(show_all=False))
                print(f"  profile of the admin dashboard: {profile}")
            samples.sort()
            p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
            figures.append((role, what, statistics.median(samples), p95, statistics.median(cpu)))
    finally:
        for client in clients.values():
            await client.aclose()
    return figures


async def run_on(url: str, label: str, args: argparse.Namespace) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        cipher = Cipher(generate_key())
        now = datetime.now(UTC)
        started = time.perf_counter()
        fixture = await fill(
            engine, cipher, adolescents=args.adolescents, messages=args.messages, now=now
        )
        filled = time.perf_counter() - started
        async with engine.connect() as connection:
            total = await connection.scalar(select(func.count()).select_from(table_of(Message)))
        uow_factory = UnitOfWorkFactory(create_session_factory(engine), cipher)
        profile = f"var/bench/dashboard-{label.lower()}.txt" if args.profile else None
        figures = await measure(uow_factory, fixture, args.runs, profile)
    finally:
        await engine.dispose()
    print(
        f"\n== {label}: {args.adolescents:,} adolescents, {total:,} messages "
        f"(filled in {filled:.0f} s) =="
    )
    for name in (
        "flags",
        "appointments",
        "steps",
        "messages of the busiest case",
        "messages of a typical case",
    ):
        print(f"   {name}: {fixture.counts.get(name, 0):,}")
    print("   load average: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    print(
        f"   {'who':<12}{'page':<28}{'median ms':>10}{'p95 ms':>10}{'CPU ms':>10}"
        f"   ({args.runs} runs; CPU: median, this process)"
    )
    for role, what, median, p95, cpu in figures:
        print(f"   {role:<12}{what:<28}{median:>10.1f}{p95:>10.1f}{cpu:>10.1f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.console_pages", __doc__)
    parser.add_argument("--adolescents", type=int, default=5_000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--profile", action="store_true", help="profile the admin dashboard")
    database_options(parser)
    args = parser.parse_args(argv)
    sqlite_url = None
    if not args.no_sqlite:
        database = fresh_directory("console-pages.sqlite3*") / "console-pages.sqlite3"
        sqlite_url = f"sqlite+aiosqlite:///{database}"
    asyncio.run(run_all(args, sqlite_url))


async def run_all(args: argparse.Namespace, sqlite_url: str | None) -> None:
    if sqlite_url is not None:
        await run_on(sqlite_url, "SQLite", args)
    if not args.no_postgres and (url := await postgres_url(args.postgres)):
        await in_schemas(
            url, ["pages"], lambda url_for: run_on(url_for("pages"), "PostgreSQL", args)
        )


if __name__ == "__main__":
    main()
