"""The scheduler's jobs, driven with a controlled clock on a real database.

Each job is a plain function of ``(uow, now)``; the tests call it, commit, and read
what it wrote (outbox rows, flags, check-ins). Some deliver through the outbox sender
to the fake Bot API to see what the adolescent would read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.scheduler import jobs
from bot.telegram.client import TelegramClient
from dialogs import follow_up
from plan_store.enums import (
    AppointmentAnswer,
    Channel,
    ConsentDecision,
    ConsentPurpose,
    FlagCategory,
    Horizon,
    OutboxStatus,
    Programme,
    Severity,
)
from plan_store.models import Appointment, Flag, FollowUpCheckin, Home, Message, OutboxMessage
from plan_store.services import appointments, batches, cases, consent, homes, messages, plans
from plan_store.services.appointments_due import appointment_key
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container
from tests import builders
from tests.bot.outbox_support import (
    LinkedCase,
    a_home_in,
    a_linked_case,
    detached,
    sender,
    telegram_client,
    texts_to,
)
from tests.builders import birth_date_for_age
from tests.conftest import FakeClock
from tests.fakes import FakeTelegram
from tests.statements import statements

Job = Callable[..., Awaitable[int]]


@pytest.fixture
async def client(tg: FakeTelegram) -> AsyncIterator[TelegramClient]:
    async with telegram_client(tg) as built:
        yield built


async def run(container: Container, job: Job, now: datetime, **options: Any) -> int:
    async with container.uow() as uow:
        made = await job(uow, now, **options)
        await uow.commit()
        return made


async def queued(container: Container) -> list[tuple[str, dict[str, Any]]]:
    """(dedupe key, payload) of every outbox row, oldest first."""
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.dedupe_key or "", payload_of(uow, row)) for row in rows]


async def all_flags(container: Container) -> list[Flag]:
    return await detached(container.uow, select(Flag).order_by(Flag.id))


async def an_appointment(
    uow: UnitOfWork, linked: LinkedCase, starts_at: datetime, title: str = "Examen del INEA"
) -> Appointment:
    """At the Plaza comunitaria, scheduled by the case's operator."""
    return await builders.an_appointment(
        uow, linked.operator, linked.case, starts_at=starts_at, title=title
    )


def buttons_of(payload: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(label, action) for label, action in row] for row in payload["buttons"]]


# ----------------------------------------------------------------- appointment reminders


@pytest.mark.parametrize(
    ("starts_at", "day_before", "two_hours_before", "day_name"),
    [
        # Tijuana springs forward on Sunday 8 March 2026 at 02:00 (PST -> PDT).
        (
            datetime(2026, 3, 8, 17, 0, tzinfo=UTC),  # Sunday 10:00 PDT
            datetime(2026, 3, 7, 18, 0, tzinfo=UTC),  # Saturday 10:00 PST: 23 h before
            datetime(2026, 3, 8, 15, 0, tzinfo=UTC),  # Sunday 08:00 PDT
            "domingo 8 de marzo",
        ),
        # ... and falls back on Sunday 1 November 2026 at 02:00 (PDT -> PST).
        (
            datetime(2026, 11, 1, 18, 0, tzinfo=UTC),  # Sunday 10:00 PST
            datetime(2026, 10, 31, 17, 0, tzinfo=UTC),  # Saturday 10:00 PDT: 25 h before
            datetime(2026, 11, 1, 16, 0, tzinfo=UTC),  # Sunday 08:00 PST
            "domingo 1 de noviembre",
        ),
    ],
)
async def test_reminders_come_the_day_before_at_the_same_local_time_across_a_dst_change(
    container: Container,
    clock: FakeClock,
    tg: FakeTelegram,
    client: TelegramClient,
    starts_at: datetime,
    day_before: datetime,
    two_hours_before: datetime,
    day_name: str,
) -> None:
    clock.now = starts_at - timedelta(days=3)
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Tijuana")
        lu = await a_linked_case(uow, home, "4001")
        appointment = await an_appointment(uow, lu, starts_at)
        await uow.commit()
    outbox = sender(container.uow, client)

    moments = [
        (day_before - timedelta(minutes=1), 0),
        (day_before, 1),
        (day_before + timedelta(hours=1), 0),
        (two_hours_before - timedelta(minutes=1), 0),
        (two_hours_before, 1),
        (starts_at - timedelta(minutes=1), 0),
    ]
    for moment, expected in moments:
        clock.now = moment
        assert await run(container, jobs.appointment_reminders, moment) == expected, moment
        await outbox.run_once(moment)

    assert texts_to(tg, 4001) == [
        f"📅 Mañana, {day_name} a las 10:00: Examen del INEA (Plaza comunitaria).\n¿Vas a ir?",
        f"📅 Hoy, {day_name} a las 10:00: Examen del INEA (Plaza comunitaria).\n¿Vas a ir?",
    ]
    first = tg.sent_to(4001)[0]
    assert first.buttons == [
        [
            ("✔️ Voy a ir", f"appt:ok:{appointment.id}"),
            ("❌ No puedo ir", f"appt:no:{appointment.id}"),
            ("🔁 Cambiar", f"appt:chg:{appointment.id}"),
        ]
    ]


async def test_homes_in_different_time_zones_get_reminders_at_their_own_local_time(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    async with container.uow() as uow:
        mexico = await a_home_in(uow, "America/Mexico_City")  # UTC-6 all year
        new_york = await a_home_in(uow, "America/New_York")  # UTC-4 after 8 March
        lu = await a_linked_case(uow, mexico, "4101", alias="Lu")
        beto = await a_linked_case(uow, new_york, "4102", alias="Beto")
        await an_appointment(uow, lu, datetime(2026, 3, 10, 16, 0, tzinfo=UTC))  # 10:00 CST
        await an_appointment(uow, beto, datetime(2026, 3, 10, 14, 0, tzinfo=UTC))  # 10:00 EDT
        await uow.commit()

    sent = []
    for hour in (13, 14, 15, 16):
        moment = datetime(2026, 3, 9, hour, 0, tzinfo=UTC)
        sent.append(await run(container, jobs.appointment_reminders, moment))

    assert sent == [0, 1, 0, 1]
    rows = await queued(container)
    assert [payload["language"] for _, payload in rows] == ["es", "es"]
    assert all("a las 10:00" in payload["text"] for _, payload in rows)


async def test_a_reminder_job_run_twice_sends_once(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4201")
        await an_appointment(uow, lu, clock.now + timedelta(hours=20))
        await uow.commit()

    made = [await run(container, jobs.appointment_reminders, clock.now) for _ in range(2)]
    outbox = sender(container.uow, client)
    await outbox.run_once(clock.now)
    made.append(await run(container, jobs.appointment_reminders, clock.now))
    await outbox.run_once(clock.now)

    assert made == [1, 0, 0]
    assert len(texts_to(tg, 4201)) == 1


async def test_a_moved_appointment_is_reminded_again_and_its_waiting_reminder_dropped(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 22:00 in Mexico City: quiet hours
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4301")
        appointment = await an_appointment(uow, lu, clock.now + timedelta(hours=12))
        await uow.commit()
    await run(container, jobs.appointment_reminders, clock.now)
    async with container.uow() as uow:
        await appointments.move(
            uow, lu.operator, lu.case.id, appointment.id, clock.now + timedelta(hours=14)
        )
        await uow.commit()

    assert await run(container, jobs.appointment_reminders, clock.now) == 1

    rows = await detached(container.uow, select(OutboxMessage).order_by(OutboxMessage.id))
    assert [r.status for r in rows] == [OutboxStatus.CANCELLED, OutboxStatus.PENDING]
    assert rows[1].expires_at == clock.now + timedelta(hours=14)


async def test_after_a_day_stopped_the_scheduler_catches_up_without_flooding(
    container: Container, clock: FakeClock, tg: FakeTelegram, client: TelegramClient
) -> None:
    start = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 09:00 in Mexico City
    clock.now = start
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4401")
        past = await an_appointment(uow, lu, start + timedelta(hours=10), "Taller A")
        soon = await an_appointment(uow, lu, start + timedelta(hours=27), "Taller B")
        later = await an_appointment(uow, lu, start + timedelta(hours=48), "Taller C")
        await uow.commit()
    # The 24-hour reminder of "Taller A" is queued; then everything stops for a day.
    assert await run(container, jobs.appointment_reminders, start) == 1

    clock.now = restart = start + timedelta(hours=26)  # 11:00 local, the next day
    made = {
        "reminders": await run(container, jobs.appointment_reminders, restart),
        "did you go": await run(container, jobs.attendance_checks, restart),
    }
    outbox = sender(container.uow, client)
    while await outbox.run_once(restart):
        pass

    assert made == {"reminders": 2, "did you go": 1}
    rows = await detached(container.uow, select(OutboxMessage).order_by(OutboxMessage.id))
    assert [(r.dedupe_key, r.status) for r in rows] == [
        (appointment_key(container.uow.cipher, past, "remind:1440m"), OutboxStatus.CANCELLED),
        # "Taller B" is in 3 hours: only its latest reminder (2 h), not the 24 h one.
        (appointment_key(container.uow.cipher, soon, "remind:120m"), OutboxStatus.SENT),
        (appointment_key(container.uow.cipher, later, "remind:1440m"), OutboxStatus.SENT),
        (appointment_key(container.uow.cipher, past, "went"), OutboxStatus.SENT),
    ]
    assert texts_to(tg, 4401) == [
        "📅 Hoy, jueves 5 de marzo a las 12:00: Taller B (Plaza comunitaria).\n¿Vas a ir?",
        "📅 Mañana, viernes 6 de marzo a las 09:00: Taller C (Plaza comunitaria).\n¿Vas a ir?",
        "📅 Taller A — Ayer, miércoles 4 de marzo a las 19:00.\n¿Fuiste?",
    ]


async def test_nothing_goes_to_unlinked_chats_without_consent_or_to_closed_cases(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        unlinked = await a_linked_case(uow, home, "4501", linked=False)
        refused = await a_linked_case(uow, home, "4502", consented=False)
        closed = await a_linked_case(uow, home, "4503")
        fine = await a_linked_case(uow, home, "4504")
        for linked in (unlinked, refused, closed, fine):
            await an_appointment(uow, linked, clock.now + timedelta(hours=20))
        await consent.decide(
            uow, refused.case, decision=ConsentDecision.REFUSED, language="es", channel=None
        )
        await uow.commit()
    async with container.uow() as uow:
        coordinator = closed.operator
        await cases.close_case(uow, coordinator, closed.case.id)
        await uow.commit()

    assert await run(container, jobs.appointment_reminders, clock.now) == 1
    (row,) = await detached(container.uow, select(OutboxMessage))
    assert row.external_chat_id == "4504" and row.adolescent_id == fine.case.id
    # Staff still hear about unconfirmed appointments of open cases, linked or not.
    flagged = await run(container, jobs.unconfirmed_appointment_flags, clock.now)
    assert flagged == 3


@pytest.mark.parametrize("db_backend", ["sqlite", "postgresql"])
async def test_reminders_of_many_cases_go_in_order_a_chunk_at_a_time(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "CHUNK", 2)  # several chunks out of a few cases
    monkeypatch.setattr(consent, "CHUNK", 2)
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        reachable = [await a_linked_case(uow, home, f"470{n}", alias=f"A{n}") for n in range(4)]
        refused = await a_linked_case(uow, home, "4710", consented=False)
        unlinked = await a_linked_case(uow, home, "4711", linked=False)
        everyone = [*reachable, refused, unlinked]
        for n, linked in enumerate(everyone):  # interleaved: the later cases first
            await an_appointment(uow, linked, clock.now + timedelta(hours=20, minutes=9 - n))
            await an_appointment(uow, linked, clock.now + timedelta(hours=21, minutes=n))
        await uow.commit()

    made = [
        await run(container, jobs.appointment_reminders, clock.now, limit=3),
        await run(container, jobs.appointment_reminders, clock.now, limit=3),
        await run(container, jobs.appointment_reminders, clock.now, limit=3),
    ]

    assert made == [3, 3, 2]
    ours = sorted(
        (
            a
            for a in await detached(container.uow, select(Appointment))
            if a.adolescent_id in {linked.case.id for linked in reachable}
        ),
        key=lambda a: (a.starts_at, a.id),
    )
    rows = await detached(container.uow, select(OutboxMessage).order_by(OutboxMessage.id))
    assert [row.dedupe_key for row in rows] == [
        appointment_key(container.uow.cipher, a, "remind:1440m") for a in ours
    ]
    assert [row.external_chat_id for row in rows] == [
        "4703", "4702", "4701", "4700", "4700", "4701", "4702", "4703"
    ]  # fmt: skip
    assert [row.expires_at for row in rows] == [a.starts_at for a in ours]
    assert await run(container, jobs.appointment_reminders, clock.now) == 0


@pytest.mark.parametrize("db_backend", ["sqlite", "postgresql"])
async def test_reminding_many_cases_takes_as_many_queries_as_reminding_one(
    container: Container, clock: FakeClock
) -> None:
    async def new_cases(first: int, count: int) -> None:
        async with container.uow() as uow:
            home = await a_home_in(uow, "America/Mexico_City", name=f"Casa {first}")
            for n in range(first, first + count):
                linked = await a_linked_case(uow, home, str(n))
                await an_appointment(uow, linked, clock.now + timedelta(hours=20))
            await uow.commit()

    async def remind() -> tuple[int, int]:
        with statements(container) as sent:
            made = await run(container, jobs.appointment_reminders, clock.now)
        return made, len(sent)

    await new_cases(4800, 1)
    await remind()  # from now on, reminders wait in the outbox: each run looks at them
    await new_cases(4810, 1)
    one, queries = await remind()
    await new_cases(4820, 12)
    many, queries_for_many = await remind()

    assert (one, many) == (1, 12)
    assert queries_for_many == queries


async def test_did_you_go_comes_three_hours_after_and_only_if_nobody_answered(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4601")
        unanswered = await an_appointment(uow, lu, clock.now + timedelta(hours=1), "Médico")
        answered = await an_appointment(uow, lu, clock.now + timedelta(hours=1), "Dentista")
        await uow.commit()
    clock.advance(hours=2)
    async with container.uow() as uow:
        await appointments.answer(uow, lu.case.id, answered.id, AppointmentAnswer.ATTENDED)
        await uow.commit()

    assert await run(container, jobs.attendance_checks, clock.now) == 0
    clock.advance(hours=2)
    assert await run(container, jobs.attendance_checks, clock.now) == 1

    ((key, payload),) = await queued(container)
    assert key.endswith(":went")
    assert payload["text"].startswith("📅 Médico — Hoy,")
    assert buttons_of(payload) == [
        [("✔️ Sí fui", f"appt:went:{unanswered.id}"), ("❌ No fui", f"appt:missed:{unanswered.id}")]
    ]
    assert payload["template"]["name"] == "pregunta_asistencia"


# ----------------------------------------------------------------- flags for staff


async def test_unconfirmed_appointments_are_flagged_48_hours_before_once(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4701")
        waiting = await an_appointment(uow, lu, clock.now + timedelta(hours=60), "Taller")
        confirmed = await an_appointment(uow, lu, clock.now + timedelta(hours=60), "Escuela")
        await appointments.answer(uow, lu.case.id, confirmed.id, AppointmentAnswer.WILL_GO)
        await uow.commit()

    clock.advance(hours=11)
    assert await run(container, jobs.unconfirmed_appointment_flags, clock.now) == 0
    clock.advance(hours=1)
    assert await run(container, jobs.unconfirmed_appointment_flags, clock.now) == 1
    assert await run(container, jobs.unconfirmed_appointment_flags, clock.now) == 0

    (flag,) = await all_flags(container)
    assert flag.category is FlagCategory.UNCONFIRMED_APPOINTMENT
    assert flag.dedupe_key == appointment_key(container.uow.cipher, waiting, "unconfirmed")
    assert flag.detail.startswith("Cita sin confirmar: Taller — ")


async def test_missed_appointments_are_flagged_said_or_unanswered(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4801")
        said = await an_appointment(uow, lu, clock.now + timedelta(hours=1), "Psicóloga")
        silent = await an_appointment(uow, lu, clock.now + timedelta(hours=1), "Abogada")
        went = await an_appointment(uow, lu, clock.now + timedelta(hours=1), "Taller")
        await uow.commit()
    clock.advance(hours=4)
    async with container.uow() as uow:
        await appointments.answer(uow, lu.case.id, said.id, AppointmentAnswer.MISSED)
        await appointments.answer(uow, lu.case.id, went.id, AppointmentAnswer.ATTENDED)
        await uow.commit()

    assert await run(container, jobs.missed_appointment_flags, clock.now) == 1
    clock.advance(hours=21)
    assert await run(container, jobs.missed_appointment_flags, clock.now) == 1
    assert await run(container, jobs.missed_appointment_flags, clock.now) == 0

    flags = await all_flags(container)
    assert [f.dedupe_key for f in flags] == [
        appointment_key(container.uow.cipher, a, "missed") for a in (said, silent)
    ]
    assert {f.category for f in flags} == {FlagCategory.MISSED_APPOINTMENT}
    assert "dijo que no fue" in flags[0].detail and "nadie respondió" in flags[1].detail


async def test_an_unanswered_appointment_moved_and_missed_again_is_flagged_again(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4802")
        silent = await an_appointment(uow, lu, clock.now + timedelta(hours=1), "Abogada")
        await uow.commit()
    clock.advance(hours=26)
    assert await run(container, jobs.missed_appointment_flags, clock.now) == 1
    async with container.uow() as uow:
        await appointments.move(
            uow, lu.operator, lu.case.id, silent.id, clock.now + timedelta(days=2)
        )
        await uow.commit()

    clock.advance(days=3, hours=1)
    assert await run(container, jobs.missed_appointment_flags, clock.now) == 1
    assert len(await all_flags(container)) == 2


async def test_evaluations_are_flagged_when_due_and_again_when_overdue(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "4901")
        await uow.commit()
    next_on = lu.case.next_evaluation_on
    assert next_on is not None
    day = datetime.combine(next_on, time(12), tzinfo=UTC)  # noon UTC: 06:00 in Mexico

    made = []
    for days in (-3, -2, -1, 0, 1, 2):
        made.append(await run(container, jobs.evaluation_flags, day + timedelta(days=days)))

    assert made == [0, 1, 0, 0, 1, 0]
    due, overdue = await all_flags(container)
    assert (due.category, due.severity) == (FlagCategory.EVALUATION_DUE, Severity.LOW)
    assert (overdue.category, overdue.severity) == (FlagCategory.EVALUATION_DUE, Severity.MEDIUM)


async def test_the_evaluation_cadence_is_the_homes(container: Container, clock: FakeClock) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        monthly = await homes.create_home(
            uow, name="Casa mensual", kind=home.kind, evaluation_cadence_days=30
        )
        lu = await a_linked_case(uow, monthly, "4902")
        lu.case.next_evaluation_on = None  # an older case: counted from its creation
        await uow.commit()

    assert await run(container, jobs.evaluation_flags, clock.now + timedelta(days=27)) == 0
    assert await run(container, jobs.evaluation_flags, clock.now + timedelta(days=28)) == 1


# ----------------------------------------------------------------- steps


async def test_a_step_of_the_adolescents_is_reminded_on_its_day_and_flagged_after(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 06:00 in Mexico City
    due = date(2026, 3, 3)
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "5001", alias="Lu")
        goal = await plans.add_goal(
            uow,
            lu.operator,
            lu.case.id,
            programme=Programme.EDUCATION,
            horizon=Horizon.SHORT,
            title="Terminar la secundaria",
        )
        mine = await plans.add_step(
            uow,
            lu.operator,
            lu.case.id,
            goal.id,
            title="Examen de Historia",
            responsible="Lu",
            due_on=due,
        )
        await plans.add_step(
            uow,
            lu.operator,
            lu.case.id,
            goal.id,
            title="Pedir la constancia",
            responsible="Ana (operadora)",
            due_on=due,
        )
        await uow.commit()

    at = [
        datetime(2026, 3, 3, 14, 59, tzinfo=UTC),  # 08:59 local on the day
        datetime(2026, 3, 3, 15, 0, tzinfo=UTC),  # 09:00
        datetime(2026, 3, 3, 23, 0, tzinfo=UTC),  # 17:00
        datetime(2026, 3, 4, 15, 0, tzinfo=UTC),  # the day after
    ]
    made = [await run(container, jobs.step_reminders, moment) for moment in at]

    assert made == [0, 1, 0, 0]
    ((key, payload),) = await queued(container)
    assert key == f"step:{mine.id}:2026-03-03:remind"
    assert payload["text"].startswith("🎯 Hoy es el día de: Examen de Historia.")
    assert buttons_of(payload) == [
        [("✅ Ya lo hice", f"step:done:{mine.id}"), ("🆘 Necesito ayuda", f"goal:help:{goal.id}")]
    ]
    assert payload["template"]["params"] == ["Lu", "Examen de Historia", "3 de marzo"]

    assert await run(container, jobs.step_overdue_flags, at[2]) == 0
    assert await run(container, jobs.step_overdue_flags, at[3]) == 2  # both steps, for staff
    assert {f.category for f in await all_flags(container)} == {FlagCategory.STEP_DUE}


# ----------------------------------------------------------------- after care


async def in_follow_up(
    container: Container,
    clock: FakeClock,
    *,
    until: date,
    age: int = 18,
    chat: str = "5101",
    follow_up_consent: bool = True,
) -> LinkedCase:
    """A linked case that left care, and (unless told otherwise) said yes to the
    monthly check-ins."""
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, chat, age=age)
        await cases.move_to_follow_up(uow, lu.operator, lu.case.id, follow_up_until=until)
        if follow_up_consent:
            await consent.decide(
                uow,
                lu.case,
                decision=ConsentDecision.GIVEN,
                language="es",
                channel=Channel.TELEGRAM,
                purpose=ConsentPurpose.FOLLOW_UP,
            )
        await uow.commit()
    return lu


async def test_follow_up_check_ins_come_monthly_with_the_first_question(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)  # 12:00 local, left care today
    lu = await in_follow_up(container, clock, until=date(2026, 6, 30))

    at = [
        datetime(2026, 2, 28, 15, 59, tzinfo=UTC),  # a month on (short month), 09:59
        datetime(2026, 2, 28, 16, 0, tzinfo=UTC),  # 10:00
        datetime(2026, 3, 10, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 16, 0, tzinfo=UTC),
    ]
    made = [await run(container, jobs.follow_up_checkins, moment) for moment in at]

    assert made == [0, 1, 0, 1]
    rows = await detached(container.uow, select(FollowUpCheckin).order_by(FollowUpCheckin.id))
    assert [(r.due_on, r.sent_at) for r in rows] == [
        (date(2026, 2, 28), at[1]),
        (date(2026, 3, 31), at[3]),
    ]
    (key, payload), _ = await queued(container)
    assert key == f"checkin:{rows[0].id}"
    assert payload["text"].startswith(f"Hola {lu.case.alias} 👋 ¿Cómo vas?")
    assert "🏠 ¿Cómo estás en el lugar donde vives?" in payload["text"]
    assert [action for _, action in buttons_of(payload)[0]] == [
        f"fu:{rows[0].id}:housing:good",
        f"fu:{rows[0].id}:housing:so_so",
        f"fu:{rows[0].id}:housing:bad",
    ]
    assert payload["template"]["buttons"] == [
        f"fu:{rows[0].id}",
        f"fu:{rows[0].id}:wants_contact:yes",
    ]


async def test_a_stopped_scheduler_sends_only_the_latest_check_in_and_none_after_the_end(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)
    await in_follow_up(container, clock, until=date(2026, 5, 20))

    moments = [
        datetime(2026, 4, 15, 18, tzinfo=UTC),  # February's and March's were missed
        datetime(2026, 5, 15, 18, tzinfo=UTC),
        datetime(2026, 5, 25, 18, tzinfo=UTC),  # the follow-up ended on 20 May
    ]
    assert [await run(container, jobs.follow_up_checkins, m) for m in moments] == [1, 1, 0]

    dues = [r.due_on for r in await detached(container.uow, select(FollowUpCheckin))]
    assert dues == [date(2026, 4, 10), date(2026, 5, 10)]


async def test_check_ins_stop_at_21(container: Container, clock: FakeClock) -> None:
    today = date(2026, 3, 2)
    birth = birth_date_for_age(today, 20, days_to_birthday=45)  # 21 in 45 days
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(uow, home, "5201", birth_date=birth)
        await cases.move_to_follow_up(
            uow, lu.operator, lu.case.id, follow_up_until=today + timedelta(days=300)
        )
        await consent.decide(
            uow,
            lu.case,
            decision=ConsentDecision.GIVEN,
            language="es",
            channel=Channel.TELEGRAM,
            purpose=ConsentPurpose.FOLLOW_UP,
        )
        await uow.commit()

    moments = [datetime(2026, 4, 2, 18, tzinfo=UTC), datetime(2026, 5, 2, 18, tzinfo=UTC)]
    assert [await run(container, jobs.follow_up_checkins, m) for m in moments] == [1, 0]


async def test_a_refused_follow_up_is_recorded_for_staff_but_not_sent(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)
    lu = await in_follow_up(container, clock, until=date(2026, 5, 20))
    async with container.uow() as uow:
        await consent.decide(
            uow,
            lu.case,
            decision=ConsentDecision.REFUSED,
            language="es",
            channel=Channel.TELEGRAM,
            purpose=ConsentPurpose.FOLLOW_UP,
        )
        await uow.commit()

    assert await run(container, jobs.follow_up_checkins, datetime(2026, 2, 10, 18, tzinfo=UTC)) == 0
    (checkin,) = await detached(container.uow, select(FollowUpCheckin))
    assert checkin.sent_at is None
    assert await queued(container) == []


async def test_no_check_in_goes_to_one_who_never_said_yes(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)
    await in_follow_up(container, clock, until=date(2026, 5, 20), follow_up_consent=False)

    assert await run(container, jobs.follow_up_checkins, datetime(2026, 2, 10, 18, tzinfo=UTC)) == 0
    assert await queued(container) == []


async def test_the_check_in_buttons_are_the_ones_the_dialogs_understand(
    container: Container, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    await in_follow_up(container, clock, until=date(2026, 6, 30))
    await run(container, jobs.follow_up_checkins, datetime(2026, 2, 28, 18, 0, tzinfo=UTC))

    ((_, payload),) = await queued(container)
    (checkin,) = await detached(container.uow, select(FollowUpCheckin))
    actions = [a for _, a in buttons_of(payload)[0]] + payload["template"]["buttons"]
    parsed = [follow_up.parse(action) for action in actions]
    assert all(p is not None and p.checkin_id == checkin.id for p in parsed)
    assert [(p.question, p.answer) for p in parsed if p is not None] == [
        ("housing", "good"),
        ("housing", "so_so"),
        ("housing", "bad"),
        (None, None),
        ("wants_contact", "yes"),
    ]
    assert all(len(action.encode()) <= 64 for action in actions)


# ----------------------------------------------------------------- consent at 18, erasure


async def test_the_re_consent_prompt_goes_once_at_18_and_reminders_stop(
    container: Container, clock: FakeClock
) -> None:
    today = date(2026, 3, 2)
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        lu = await a_linked_case(
            uow, home, "5301", birth_date=birth_date_for_age(today, 17, days_to_birthday=2)
        )
        await an_appointment(uow, lu, clock.now + timedelta(days=4))
        await uow.commit()
    assert await run(container, jobs.reconsent_at_18, clock.now) == 0

    clock.now = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)  # the day after the birthday
    made = [await run(container, jobs.reconsent_at_18, clock.now) for _ in range(2)]

    assert made == [1, 0]
    ((key, payload),) = await queued(container)
    assert key == f"reconsent18:{lu.case.id}"
    assert lu.case.alias not in payload["text"]  # nothing of the case before consent
    assert buttons_of(payload) == [[("📄 Leer otra vez", "consent")]]
    assert await run(container, jobs.appointment_reminders, clock.now) == 0


async def test_expired_chat_content_is_erased(container: Container, clock: FakeClock) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City", retention_days=5)
        lu = await a_linked_case(uow, home, "5401")
        await messages.record_inbound(uow, lu.case.id, channel=Channel.TELEGRAM, body="hola")
        await consent.withdraw(uow, lu.case, channel=Channel.TELEGRAM)
        await uow.commit()

    assert await run(container, jobs.erase_expired_content, clock.now) == 0
    clock.advance(days=5)
    assert await run(container, jobs.erase_expired_content, clock.now) == 1
    assert await detached(container.uow, select(Message)) == []


async def test_homes_without_quiet_hours_setting_use_the_default(
    container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        home = await a_home_in(uow, "America/Mexico_City")
        await uow.commit()
    stored = (await detached(container.uow, select(Home)))[0]
    assert (stored.quiet_start, stored.quiet_end) == (time(21, 0), time(8, 0))
    assert home.id == stored.id
