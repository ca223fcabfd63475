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
import random
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench._support import (
    command_line,
    database_options,
    fresh_directory,
    in_schemas,
    insert_rows,
    postgres_url,
    table_of,
)
from plan_store import migrate
from plan_store.crypto import Cipher, generate_key
from plan_store.database import create_engine, create_session_factory
from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    AppointmentStatus,
    CareSetting,
    CaseStatus,
    Channel,
    ConsentDecision,
    ConsentPurpose,
    FlagCategory,
    FlagStatus,
    GoalStatus,
    Horizon,
    MessageDirection,
    Phase,
    Programme,
    RequestReason,
    RequestStatus,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import (
    Adolescent,
    Appointment,
    AppointmentConfirmation,
    ChatLink,
    Consent,
    Evaluation,
    Flag,
    Goal,
    Home,
    LifePlan,
    Message,
    OperatorRequest,
    Staff,
    Step,
)
from plan_store.unit_of_work import UnitOfWorkFactory
from staff_console.app import create_app

PASSWORD = "bench-password-2026"  # noqa: S105 (a throwaway benchmark database)
PER_HOME = 50
PER_OPERATOR = 8
ZONES = ["America/Mexico_City"] * 8 + ["America/Tijuana", "America/Cancun"]
WORDS = [
    "hoy", "fui", "a", "la", "escuela", "y", "me", "fue", "bien,", "mañana", "tengo",
    "examen", "de", "historia,", "extraño", "a", "mi", "mamá,", "ya", "terminé", "el",
    "taller,", "me", "duele", "la", "cabeza,", "quiero", "hablar", "con", "Laura,", "gracias",
]  # fmt: skip


@dataclass
class Fixture:
    admin: str = "admin"
    coordinator: str = ""
    operator: str = ""
    operator_case: int = 0
    busiest_case: int = 0
    typical_case: int = 0
    counts: dict[str, int] = field(default_factory=dict)


async def fill(
    engine: AsyncEngine, cipher: Cipher, *, adolescents: int, messages: int, now: datetime
) -> Fixture:
    """Bulk-insert a country-sized installation. Returns who and what to measure."""
    rng = random.Random(2026)
    fixture = Fixture()
    password_hash = PasswordHasher().hash(PASSWORD)
    homes = math.ceil(adolescents / PER_HOME)
    today = now.date()

    home_rows = [
        {
            "id": h,
            "name": f"Casa {h:03d}",
            "kind": CareSetting.RESIDENTIAL_CENTRE if h % 3 else CareSetting.GROUP_HOME,
            "timezone": ZONES[h % len(ZONES)],
            "evaluation_cadence_days": 14,
            "retention_days": 0,
            "quiet_start": wall_time(21),
            "quiet_end": wall_time(8),
            "emergency_numbers": {"Emergencias": "911"},
            "created_at": now - timedelta(days=400),
        }
        for h in range(1, homes + 1)
    ]
    staff_rows: list[dict[str, Any]] = [_staff(1, "admin", Role.ADMIN, None, password_hash, now)]
    operators_of: dict[int, list[int]] = {}
    next_staff = 2
    for h in range(1, homes + 1):
        staff_rows.append(
            _staff(next_staff, f"coordinacion.{h}", Role.COORDINATOR, h, password_hash, now)
        )
        next_staff += 1
        operators_of[h] = []
        for o in range(math.ceil(PER_HOME / PER_OPERATOR)):
            staff_rows.append(
                _staff(next_staff, f"operador.{h}.{o}", Role.OPERATOR, h, password_hash, now)
            )
            operators_of[h].append(next_staff)
            next_staff += 1
    fixture.coordinator = "coordinacion.1"
    fixture.operator = "operador.1.0"

    Rows = list[dict[str, Any]]
    case_rows: Rows = []
    plan_rows: Rows = []
    goal_rows: Rows = []
    step_rows: Rows = []
    appointment_rows: Rows = []
    confirmation_rows: Rows = []
    link_rows: Rows = []
    consent_rows: Rows = []
    request_rows: Rows = []
    evaluation_rows: Rows = []
    goal_id = step_id = appointment_id = confirmation_id = request_id = 0
    for a in range(1, adolescents + 1):
        home = (a - 1) // PER_HOME + 1
        index = (a - 1) % PER_HOME
        operator = operators_of[home][index % len(operators_of[home])]
        status = CaseStatus.IN_CARE if a % 20 else CaseStatus.FOLLOW_UP
        case_rows.append(
            {
                "id": a,
                "case_number": f"MX-B-{a:06d}",
                "alias": f"Alias{a}",
                "birth_date": date(2009 + a % 5, 1 + a % 12, 1 + a % 28),
                "language": "es",
                "phase": list(Phase)[a % len(Phase)],
                "care_setting": list(CareSetting)[a % 4],
                "status": status,
                "home_id": home,
                "reference_operator_id": operator,
                "next_evaluation_on": today + timedelta(days=rng.randint(-20, 14)),
                "created_at": now - timedelta(days=rng.randint(30, 365)),
            }
        )
        plan_rows.append({"id": a, "adolescent_id": a, "drafted_at": now - timedelta(days=200)})
        for g in range(6):
            goal_id += 1
            goal_rows.append(
                {
                    "id": goal_id,
                    "plan_id": a,
                    "programme": list(Programme)[g % 3],
                    "horizon": list(Horizon)[g % 3],
                    "title": f"Meta {g + 1} del plan",
                    "status": GoalStatus.IN_PROGRESS,
                    "position": g,
                    "created_at": now - timedelta(days=200),
                    "updated_at": now - timedelta(days=10),
                }
            )
            for s in range(3):
                step_id += 1
                done = rng.random() < 0.4
                step_rows.append(
                    {
                        "id": step_id,
                        "goal_id": goal_id,
                        "title": f"Paso {s + 1}",
                        "responsible": "Tú",
                        "due_on": today + timedelta(days=rng.randint(-30, 60)),
                        "position": s,
                        "done_at": now - timedelta(days=5) if done else None,
                        "confirmed_at": now - timedelta(days=4) if done and s % 2 else None,
                        "confirmed_by_id": operator if done and s % 2 else None,
                    }
                )
        for _ in range(6):
            appointment_id += 1
            starts = now + timedelta(hours=rng.randint(-24 * 30, 24 * 30))
            if starts > now:
                state = rng.choice([AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED])
            else:
                state = rng.choice([AppointmentStatus.ATTENDED, AppointmentStatus.MISSED])
            appointment_rows.append(
                {
                    "id": appointment_id,
                    "adolescent_id": a,
                    "kind": rng.choice(list(AppointmentKind)),
                    "title": "Cita de seguimiento",
                    "place": "Centro",
                    "starts_at": starts,
                    "status": state,
                    "created_by_id": operator,
                    "created_at": starts - timedelta(days=10),
                    "updated_at": starts - timedelta(days=9),
                }
            )
            if state is not AppointmentStatus.SCHEDULED:
                confirmation_id += 1
                answer = {
                    AppointmentStatus.CONFIRMED: AppointmentAnswer.WILL_GO,
                    AppointmentStatus.ATTENDED: AppointmentAnswer.ATTENDED,
                    AppointmentStatus.MISSED: AppointmentAnswer.MISSED,
                }[state]
                confirmation_rows.append(
                    {
                        "id": confirmation_id,
                        "appointment_id": appointment_id,
                        "answer": answer,
                        "reason_ciphertext": None,
                        "channel": Channel.TELEGRAM,
                        "answered_at": starts - timedelta(days=1),
                    }
                )
        if a % 5:
            link_rows.append(
                {
                    "id": a,
                    "adolescent_id": a,
                    "channel": Channel.TELEGRAM,
                    "external_id": str(100000 + a),
                    "active": True,
                    "linked_at": now - timedelta(days=rng.randint(10, 300)),
                }
            )
            consent_rows.append(
                {
                    "id": a,
                    "adolescent_id": a,
                    "purpose": ConsentPurpose.MESSAGING,
                    "text_version": 1,
                    "language": "es",
                    "decision": ConsentDecision.GIVEN,
                    "channel": Channel.TELEGRAM,
                    "decided_at": now - timedelta(days=300),
                }
            )
        if a % 5 == 0:
            request_id += 1
            request_rows.append(
                {
                    "id": request_id,
                    "adolescent_id": a,
                    "reason": RequestReason.TALK,
                    "urgency": Urgency.URGENT if a % 50 == 0 else Urgency.NORMAL,
                    "message_ciphertext": cipher.encrypt("¿Podemos hablar?"),
                    "status": RequestStatus.OPEN if a % 10 == 0 else RequestStatus.ANSWERED,
                    "created_at": now - timedelta(hours=rng.randint(1, 300)),
                }
            )
        evaluation_rows.append(
            {
                "id": a,
                "adolescent_id": a,
                "held_on": today - timedelta(days=14),
                "period_start": today - timedelta(days=28),
                "summary": "Avanza en la escuela.",
                "goals_reviewed": "",
                "next_on": today + timedelta(days=rng.randint(-20, 14)),
                "recorded_by_id": 2,
                "created_at": now - timedelta(days=14),
            }
        )

    # Messages: a long tail, as in life (a few adolescents write a lot).
    linked: list[int] = [int(row["adolescent_id"]) for row in link_rows]
    weights = [rng.paretovariate(1.5) for _ in linked]
    owners = rng.choices(linked, weights=weights, k=messages)
    message_rows: Rows = []
    flag_rows: Rows = []
    per_case: dict[int, int] = {}
    for m, owner in enumerate(owners, start=1):
        inbound = rng.random() < 0.7
        body = " ".join(rng.choices(WORDS, k=rng.randint(4, 16)))
        message_rows.append(
            {
                "id": m,
                "adolescent_id": owner,
                "direction": MessageDirection.INBOUND if inbound else MessageDirection.STAFF_REPLY,
                "kind": "text",
                "channel": Channel.TELEGRAM,
                "body_ciphertext": cipher.encrypt(body),
                "staff_id": None if inbound else 2,
                "marked_for_evaluation": m % 97 == 0,
                "created_at": now - timedelta(minutes=rng.randint(60, 60 * 24 * 120)),
            }
        )
        per_case[owner] = per_case.get(owner, 0) + 1
        if inbound and m % 100 == 0:
            open_flag = m % 300 == 0
            flag_rows.append(
                {
                    "id": len(flag_rows) + 1,
                    "adolescent_id": owner,
                    "message_id": m,
                    "category": rng.choice(
                        [FlagCategory.HEALTH, FlagCategory.RUNNING_AWAY, FlagCategory.SELF_HARM]
                    ),
                    "severity": Severity.URGENT if m % 1500 == 0 else Severity.MEDIUM,
                    "status": FlagStatus.OPEN if open_flag else FlagStatus.RESOLVED,
                    "detail": "",
                    "note": "" if open_flag else "Hablamos.",
                    "marked_for_evaluation": False,
                    "created_at": message_rows[-1]["created_at"],
                }
            )

    tables: list[tuple[Table, list[dict[str, Any]]]] = [
        (table_of(Home), home_rows),
        (table_of(Staff), staff_rows),
        (table_of(Adolescent), case_rows),
        (table_of(LifePlan), plan_rows),
        (table_of(Goal), goal_rows),
        (table_of(Step), step_rows),
        (table_of(Appointment), appointment_rows),
        (table_of(AppointmentConfirmation), confirmation_rows),
        (table_of(ChatLink), link_rows),
        (table_of(Consent), consent_rows),
        (table_of(OperatorRequest), request_rows),
        (table_of(Evaluation), evaluation_rows),
        (table_of(Message), message_rows),
        (table_of(Flag), flag_rows),
    ]
    for table, rows in tables:
        await insert_rows(engine, table, rows)
        fixture.counts[table.name] = len(rows)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            for table, rows in tables:
                if rows:
                    # Table names come from our own metadata, never from input.
                    statement = (
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                    await connection.execute(text(statement))
        # A steady-state database has been vacuumed (visibility map set, statistics).
        autocommit = await engine.connect()
        try:
            await autocommit.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
        finally:
            await autocommit.close()
    else:
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    ordered = sorted(per_case.items(), key=lambda item: item[1])
    fixture.busiest_case = ordered[-1][0]
    fixture.typical_case = ordered[len(ordered) // 2][0]
    fixture.operator_case = next(
        int(row["id"]) for row in case_rows if row["reference_operator_id"] == operators_of[1][0]
    )
    fixture.counts["messages of the busiest case"] = ordered[-1][1]
    fixture.counts["messages of a typical case"] = ordered[len(ordered) // 2][1]
    return fixture


def _staff(
    staff_id: int, username: str, role: Role, home: int | None, password_hash: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": staff_id,
        "username": username,
        "display_name": username.split(".")[0].title(),
        "password_hash": password_hash,
        "role": role,
        "home_id": home,
        "active": True,
        "language": "es",
        "session_epoch": 0,
        "created_at": now - timedelta(days=400),
    }


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
