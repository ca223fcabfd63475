"""The world the dialog tests play in, built through the real services.

Casa Ceiba (Mexico City time) with two operators, Laura and Beto; Luna (15, Laura's)
with two goals and two appointments; Zafiro (Beto's) with a goal and an
appointment of their own, which Luna's chat must never see or touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from plan_store.enums import (
    AppointmentKind,
    CareSetting,
    Channel,
    ConsentDecision,
    Horizon,
    Phase,
    Programme,
    Role,
)
from plan_store.models import Adolescent, Home
from plan_store.services import appointments, cases, consent, linking, plans, staff
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container
from tests.dialogs.chat import Chat

GUARD_NUMBER = "55 1234 5678"
EMERGENCY_NUMBERS = {
    "Emergencias": "911",
    "Línea de la Vida": "800 911 2000",
    "Guardia de Casa Ceiba": GUARD_NUMBER,
}
# The test clock starts on Monday 2 March 2026, 16:00 UTC: 10:00 in Mexico City.
CARPENTRY_AT = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # Tuesday 10 March, 10:00
DOCTOR_AT = datetime(2026, 3, 4, 21, 30, tzinfo=UTC)  # Wednesday 4 March, 15:30
HISTORY_EXAM_ON = date(2026, 3, 12)  # Thursday 12 March


@dataclass(frozen=True, slots=True)
class World:
    home_id: int
    laura: StaffActor
    beto: StaffActor
    luna: int
    zafiro: int
    school: int  # Luna's education goal: 3 of 5 steps confirmed
    school_steps: list[int]
    growth: int  # Luna's personal-growth goal, no step done
    carpentry: int  # Luna's appointment, Tuesday 10 March 10:00
    doctor: int  # Luna's appointment, Wednesday 4 March 15:30
    zafiro_goal: int
    zafiro_step: int
    zafiro_appointment: int
    code: str  # a fresh linking code for Luna


async def _staff(uow: UnitOfWork, home_id: int, username: str, name: str) -> StaffActor:
    member = await staff.add_staff(
        uow,
        username=username,
        display_name=name,
        password="correct horse battery",
        role=Role.OPERATOR,
        home_id=home_id,
    )
    return StaffActor.of(member)


def birth_date(today: date, years: int, *, days_to_birthday: int = 60) -> date:
    upcoming = today + timedelta(days=days_to_birthday)
    return upcoming.replace(year=upcoming.year - years - 1)


async def a_case(
    uow: UnitOfWork,
    home_id: int,
    operator: StaffActor | None,
    number: str,
    alias: str,
    *,
    age: int = 15,
    days_to_birthday: int = 60,
    language: str = "es",
) -> Adolescent:
    home = await uow.session.get(Home, home_id)
    assert home is not None
    today = cases.local_today(uow, home)
    return await cases.create_case(
        uow,
        case_number=number,
        alias=alias,
        birth_date=birth_date(today, age, days_to_birthday=days_to_birthday),
        home_id=home_id,
        phase=Phase.INTEGRATION,
        care_setting=CareSetting.RESIDENTIAL_CENTRE,
        reference_operator_id=operator.id if operator else None,
        language=language,
    )


async def a_world(container: Container, *, retention_days: int = 0) -> World:
    async with container.uow() as uow:
        home = await cases.create_home(
            uow,
            name="Casa Ceiba",
            kind=CareSetting.RESIDENTIAL_CENTRE,
            emergency_numbers=dict(EMERGENCY_NUMBERS),
            retention_days=retention_days,
        )
        laura = await _staff(uow, home.id, "laura", "Laura Méndez")
        beto = await _staff(uow, home.id, "beto", "Beto Ruiz")
        luna = await a_case(uow, home.id, laura, "CC-001", "Luna")
        zafiro = await a_case(uow, home.id, beto, "CC-002", "Zafiro")

        school = await plans.add_goal(
            uow,
            laura,
            luna.id,
            programme=Programme.EDUCATION,
            horizon=Horizon.SHORT,
            title="Terminar la secundaria abierta",
        )
        step_titles = [
            "Inscribirme en el INEA",
            "Examen de Matemáticas",
            "Examen de Español",
            "Examen de Historia",
            "Examen de Ciencias",
        ]
        steps = []
        for index, title in enumerate(step_titles):
            due = HISTORY_EXAM_ON if title == "Examen de Historia" else None
            step = await plans.add_step(
                uow, laura, luna.id, school.id, title=title, responsible="Luna", due_on=due
            )
            steps.append(step.id)
            if index < 3:
                await plans.mark_step_done(uow, luna.id, step.id)
                await plans.confirm_step(uow, laura, luna.id, step.id)
        growth = await plans.add_goal(
            uow,
            laura,
            luna.id,
            programme=Programme.PERSONAL_GROWTH,
            horizon=Horizon.MEDIUM,
            title="Aprender a calmarme cuando me enojo",
        )
        await plans.add_step(
            uow, laura, luna.id, growth.id, title="Ir al taller de emociones", responsible="Luna"
        )
        carpentry = await appointments.schedule(
            uow,
            laura,
            luna.id,
            kind=AppointmentKind.JOB_TRAINING,
            title="Inscripción al taller de carpintería",
            place="CECATI 42",
            starts_at=CARPENTRY_AT,
        )
        doctor = await appointments.schedule(
            uow,
            laura,
            luna.id,
            kind=AppointmentKind.HEALTH,
            title="Consulta en el centro de salud",
            place="Centro de salud Tláhuac",
            starts_at=DOCTOR_AT,
        )
        zafiro_goal = await plans.add_goal(
            uow,
            beto,
            zafiro.id,
            programme=Programme.EDUCATION,
            horizon=Horizon.SHORT,
            title="Sacar la licencia de Zafiro",
        )
        zafiro_step = await plans.add_step(
            uow, beto, zafiro.id, zafiro_goal.id, title="Paso secreto de Zafiro", responsible="Z"
        )
        zafiro_appointment = await appointments.schedule(
            uow,
            beto,
            zafiro.id,
            kind=AppointmentKind.LEGAL,
            title="Audiencia de Zafiro",
            place="Juzgado",
            starts_at=CARPENTRY_AT,
        )
        code = await linking.issue_code(uow, laura, luna.id)
        await uow.commit()
    return World(
        home_id=home.id,
        laura=laura,
        beto=beto,
        luna=luna.id,
        zafiro=zafiro.id,
        school=school.id,
        school_steps=steps,
        growth=growth.id,
        carpentry=carpentry.id,
        doctor=doctor.id,
        zafiro_goal=zafiro_goal.id,
        zafiro_step=zafiro_step.id,
        zafiro_appointment=zafiro_appointment.id,
        code=code,
    )


async def new_code(container: Container, actor: StaffActor, case_id: int) -> str:
    """A fresh linking code, as staff print it (earlier unused ones stop working)."""
    async with container.uow() as uow:
        code = await linking.issue_code(uow, actor, case_id)
        await uow.commit()
    return code


async def give_consent(container: Container, case_id: int) -> None:
    """Consent recorded by staff in person (to set a scene quickly)."""
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        await consent.decide(
            uow, case, decision=ConsentDecision.GIVEN, language="es", channel=Channel.TELEGRAM
        )
        await uow.commit()


async def a_consented_chat(container: Container, world: World, chat_id: str = "100") -> Chat:
    """Luna's chat, linked by deep link and with consent given in the chat, at the menu."""
    chat = Chat(container, chat_id=chat_id)
    await chat.start(world.code)
    await chat.tap("✅ Acepto")
    assert chat.sees("¿Qué quieres hacer, Luna?")
    return chat
