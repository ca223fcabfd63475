"""A country-sized installation for the console's page times: homes, their staff,
their cases with plans, appointments, chats and evaluations, and a long tail of
messages, bulk-inserted (bodies encrypted like real ones; this is a fixture, so it
bypasses the services) from one seeded random generator."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench._support import insert_rows, table_of, vacuum_analyse
from plan_store.crypto import Cipher, bound_cipher
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

PASSWORD = "bench-password-2026"  # noqa: S105 (a throwaway benchmark database)
TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"  # noqa: S105 (the same)
PER_HOME = 50
PER_OPERATOR = 8
GOALS = 6
STEPS = 3
APPOINTMENTS = 6
ZONES = ["America/Mexico_City"] * 8 + ["America/Tijuana", "America/Cancun"]
WORDS = [
    "hoy", "fui", "a", "la", "escuela", "y", "me", "fue", "bien,", "mañana", "tengo",
    "examen", "de", "historia,", "extraño", "a", "mi", "mamá,", "ya", "terminé", "el",
    "taller,", "me", "duele", "la", "cabeza,", "quiero", "hablar", "con", "Laura,", "gracias",
]  # fmt: skip

Rows = list[dict[str, Any]]


@dataclass
class Fixture:
    admin: str = "admin"
    coordinator: str = ""
    operator: str = ""
    operator_case: int = 0
    busiest_case: int = 0
    typical_case: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Cases:
    """The rows of every case, table by table, in the order they are made."""

    cases: Rows = field(default_factory=list)
    plans: Rows = field(default_factory=list)
    goals: Rows = field(default_factory=list)
    steps: Rows = field(default_factory=list)
    appointments: Rows = field(default_factory=list)
    confirmations: Rows = field(default_factory=list)
    links: Rows = field(default_factory=list)
    consents: Rows = field(default_factory=list)
    requests: Rows = field(default_factory=list)
    evaluations: Rows = field(default_factory=list)


async def fill(
    engine: AsyncEngine, cipher: Cipher, *, adolescents: int, messages: int, now: datetime
) -> Fixture:
    """Bulk-insert a country-sized installation. Returns who and what to measure."""
    rng = random.Random(2026)
    fixture = Fixture(coordinator="coordinacion.1", operator="operador.1.0")
    homes = math.ceil(adolescents / PER_HOME)
    home_rows = fill_homes(homes, now)
    staff_rows, operators_of = fill_staff(homes, now)
    cases = fill_cases(rng, cipher, adolescents, operators_of, now)
    linked = [int(row["adolescent_id"]) for row in cases.links]
    message_rows, flag_rows, per_case = fill_messages(rng, cipher, linked, messages, now)
    # Each case's latest message, as the database keeps it (``LAST_INBOUND_TRIGGER``):
    # set beforehand, the trigger finds nothing to move as the messages go in, instead
    # of rewriting a case's row once per message of a bulk load.
    last_inbound: dict[int, datetime] = {}
    for row in message_rows:
        if row["direction"] is MessageDirection.INBOUND:
            owner, at = int(row["adolescent_id"]), row["created_at"]
            last_inbound[owner] = max(at, last_inbound.get(owner, at))
    for row in cases.cases:
        row["last_inbound_at"] = last_inbound.get(int(row["id"]))
    tables: list[tuple[Table, Rows]] = [
        (table_of(Home), home_rows),
        (table_of(Staff), staff_rows),
        (table_of(Adolescent), cases.cases),
        (table_of(LifePlan), cases.plans),
        (table_of(Goal), cases.goals),
        (table_of(Step), cases.steps),
        (table_of(Appointment), cases.appointments),
        (table_of(AppointmentConfirmation), cases.confirmations),
        (table_of(ChatLink), cases.links),
        (table_of(Consent), cases.consents),
        (table_of(OperatorRequest), cases.requests),
        (table_of(Evaluation), cases.evaluations),
        (table_of(Message), message_rows),
        (table_of(Flag), flag_rows),
    ]
    with bound_cipher(cipher):  # aliases, titles, times...: encrypted as they go in
        for table, rows in tables:
            await insert_rows(engine, table, rows)
            fixture.counts[table.name] = len(rows)
    await settle(engine, tables)
    ordered = sorted(per_case.items(), key=lambda item: item[1])
    fixture.busiest_case = ordered[-1][0]
    fixture.typical_case = ordered[len(ordered) // 2][0]
    fixture.operator_case = next(
        int(row["id"]) for row in cases.cases if row["reference_operator_id"] == operators_of[1][0]
    )
    fixture.counts["messages of the busiest case"] = ordered[-1][1]
    fixture.counts["messages of a typical case"] = ordered[len(ordered) // 2][1]
    return fixture


def fill_homes(homes: int, now: datetime) -> Rows:
    return [
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


def fill_staff(homes: int, now: datetime) -> tuple[Rows, dict[int, list[int]]]:
    """The admin, and in each home a coordinator and an operator for every
    ``PER_OPERATOR`` cases; with the operators' ids, home by home."""
    password_hash = PasswordHasher().hash(PASSWORD)
    staff_rows: Rows = [_staff(1, "admin", Role.ADMIN, None, password_hash, now)]
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
    return staff_rows, operators_of


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
        "totp_secret": TOTP_SECRET,
        "totp_enabled_at": now - timedelta(days=400),
        "recovery_code_hashes": [],
        "created_at": now - timedelta(days=400),
    }


def fill_cases(
    rng: random.Random,
    cipher: Cipher,
    adolescents: int,
    operators_of: dict[int, list[int]],
    now: datetime,
) -> Cases:
    """Every case and what hangs from it, case after case (the order in which they
    draw from ``rng`` is the fixture's: the same seed, the same installation)."""
    rows = Cases()
    for a in range(1, adolescents + 1):
        home = (a - 1) // PER_HOME + 1
        operator = operators_of[home][(a - 1) % PER_HOME % len(operators_of[home])]
        rows.cases.append(_case(rng, a, home, operator, now))
        rows.plans.append({"id": a, "adolescent_id": a, "drafted_at": now - timedelta(days=200)})
        fill_plan(rng, rows, a, operator, now)
        fill_appointments(rng, rows, a, operator, now)
        if a % 5:
            fill_chat(rng, rows, a, now)
        if a % 5 == 0:
            rows.requests.append(_request(rng, cipher, len(rows.requests) + 1, a, now))
        rows.evaluations.append(_evaluation(rng, a, now))
    return rows


def _case(rng: random.Random, a: int, home: int, operator: int, now: datetime) -> dict[str, Any]:
    return {
        "id": a,
        "case_number": f"MX-B-{a:06d}",
        "alias": f"Alias{a}",
        "birth_date": date(2009 + a % 5, 1 + a % 12, 1 + a % 28),
        "language": "es",
        "phase": list(Phase)[a % len(Phase)],
        "care_setting": list(CareSetting)[a % 4],
        "status": CaseStatus.IN_CARE if a % 20 else CaseStatus.FOLLOW_UP,
        "home_id": home,
        "reference_operator_id": operator,
        "next_evaluation_on": now.date() + timedelta(days=rng.randint(-20, 14)),
        "created_at": now - timedelta(days=rng.randint(30, 365)),
    }


def fill_plan(rng: random.Random, rows: Cases, a: int, operator: int, now: datetime) -> None:
    """The goals of case ``a``'s plan, each with its steps, some done and confirmed."""
    for g in range(GOALS):
        goal_id = (a - 1) * GOALS + g + 1
        rows.goals.append(
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
        for s in range(STEPS):
            done = rng.random() < 0.4
            rows.steps.append(
                {
                    "id": (goal_id - 1) * STEPS + s + 1,
                    "goal_id": goal_id,
                    "title": f"Paso {s + 1}",
                    "responsible": "Tú",
                    "due_on": now.date() + timedelta(days=rng.randint(-30, 60)),
                    "position": s,
                    "done_at": now - timedelta(days=5) if done else None,
                    "confirmed_at": now - timedelta(days=4) if done and s % 2 else None,
                    "confirmed_by_id": operator if done and s % 2 else None,
                }
            )


def fill_appointments(
    rng: random.Random, rows: Cases, a: int, operator: int, now: datetime
) -> None:
    """Case ``a``'s appointments, a month either side of now; every one but those
    still only scheduled with the adolescent's answer."""
    answers = {
        AppointmentStatus.CONFIRMED: AppointmentAnswer.WILL_GO,
        AppointmentStatus.ATTENDED: AppointmentAnswer.ATTENDED,
        AppointmentStatus.MISSED: AppointmentAnswer.MISSED,
    }
    for i in range(APPOINTMENTS):
        appointment_id = (a - 1) * APPOINTMENTS + i + 1
        starts = now + timedelta(hours=rng.randint(-24 * 30, 24 * 30))
        if starts > now:
            state = rng.choice([AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED])
        else:
            state = rng.choice([AppointmentStatus.ATTENDED, AppointmentStatus.MISSED])
        rows.appointments.append(
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
            rows.confirmations.append(
                {
                    "id": len(rows.confirmations) + 1,
                    "appointment_id": appointment_id,
                    "answer": answers[state],
                    "reason_ciphertext": None,
                    "channel": Channel.TELEGRAM,
                    "answered_at": starts - timedelta(days=1),
                }
            )


def fill_chat(rng: random.Random, rows: Cases, a: int, now: datetime) -> None:
    """Case ``a`` linked to Telegram, consenting to messages."""
    rows.links.append(
        {
            "id": a,
            "adolescent_id": a,
            "channel": Channel.TELEGRAM,
            "external_id": str(100000 + a),
            "active": True,
            "linked_at": now - timedelta(days=rng.randint(10, 300)),
        }
    )
    rows.consents.append(
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


def _request(
    rng: random.Random, cipher: Cipher, request_id: int, a: int, now: datetime
) -> dict[str, Any]:
    return {
        "id": request_id,
        "adolescent_id": a,
        "reason": RequestReason.TALK,
        "urgency": Urgency.URGENT if a % 50 == 0 else Urgency.NORMAL,
        "message_ciphertext": cipher.encrypt("¿Podemos hablar?"),
        "status": RequestStatus.OPEN if a % 10 == 0 else RequestStatus.ANSWERED,
        "created_at": now - timedelta(hours=rng.randint(1, 300)),
    }


def _evaluation(rng: random.Random, a: int, now: datetime) -> dict[str, Any]:
    today = now.date()
    return {
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


def fill_messages(
    rng: random.Random, cipher: Cipher, linked: list[int], messages: int, now: datetime
) -> tuple[Rows, Rows, dict[int, int]]:
    """``messages`` messages of the ``linked`` cases in a long tail, as in life (a few
    adolescents write a lot), every hundredth inbound one flagged; with each case's
    count of messages."""
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
            flag_rows.append(_flag(rng, len(flag_rows) + 1, message_rows[-1]))
    return message_rows, flag_rows, per_case


def _flag(rng: random.Random, flag_id: int, message: dict[str, Any]) -> dict[str, Any]:
    m = message["id"]
    open_flag = m % 300 == 0
    return {
        "id": flag_id,
        "adolescent_id": message["adolescent_id"],
        "message_id": m,
        "category": rng.choice(
            [FlagCategory.HEALTH, FlagCategory.RUNNING_AWAY, FlagCategory.SELF_HARM]
        ),
        "severity": Severity.URGENT if m % 1500 == 0 else Severity.MEDIUM,
        "status": FlagStatus.OPEN if open_flag else FlagStatus.RESOLVED,
        "detail": "",
        "note": "" if open_flag else "Hablamos.",
        "marked_for_evaluation": False,
        "created_at": message["created_at"],
    }


async def settle(engine: AsyncEngine, tables: list[tuple[Table, Rows]]) -> None:
    """The database as a steady-state one: on PostgreSQL the id sequences past the
    rows inserted with their ids, vacuumed (visibility map set) and analysed; on
    SQLite analysed."""
    if engine.dialect.name != "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
        return
    async with engine.begin() as connection:
        for table, rows in tables:
            if rows:
                # Table names come from our own metadata, never from input.
                statement = (
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table.name}))"
                )
                await connection.execute(text(statement))
    await vacuum_analyse(engine)
