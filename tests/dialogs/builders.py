"""The world the dialog tests play in, built through the real services.

Casa Ceiba (Mexico City time) with two operators, Laura and Beto; Luna (15, Laura's)
with two goals and two appointments; Zafiro (Beto's) with a goal and an
appointment of their own, which Luna's chat must never see or touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from plan_store.enums import AppointmentKind, Horizon, Programme
from plan_store.services import linking, plans
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.builders import a_case, a_goal, a_home, a_staff_member, an_appointment
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


async def a_world(container: Container, *, retention_days: int = 0) -> World:
    async with container.uow() as uow:
        home = await a_home(
            uow, emergency_numbers=dict(EMERGENCY_NUMBERS), retention_days=retention_days
        )
        laura = await a_staff_member(uow, home, "laura", display_name="Laura Méndez")
        beto = await a_staff_member(uow, home, "beto", display_name="Beto Ruiz")
        luna = await a_case(uow, home, laura, "CC-001", alias="Luna")
        zafiro = await a_case(uow, home, beto, "CC-002", alias="Zafiro")

        school, _ = await a_goal(
            uow,
            laura,
            luna,
            title="Terminar la secundaria abierta",
            horizon=Horizon.SHORT,
            steps=(),
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
        growth, _ = await a_goal(
            uow,
            laura,
            luna,
            title="Aprender a calmarme cuando me enojo",
            programme=Programme.PERSONAL_GROWTH,
            steps=("Ir al taller de emociones",),
            responsible="Luna",
        )
        carpentry = await an_appointment(
            uow,
            laura,
            luna,
            kind=AppointmentKind.JOB_TRAINING,
            title="Inscripción al taller de carpintería",
            place="CECATI 42",
            starts_at=CARPENTRY_AT,
        )
        doctor = await an_appointment(
            uow,
            laura,
            luna,
            kind=AppointmentKind.HEALTH,
            title="Consulta en el centro de salud",
            place="Centro de salud Tláhuac",
            starts_at=DOCTOR_AT,
        )
        zafiro_goal, (zafiro_step,) = await a_goal(
            uow,
            beto,
            zafiro,
            title="Sacar la licencia de Zafiro",
            horizon=Horizon.SHORT,
            steps=("Paso secreto de Zafiro",),
            responsible="Z",
        )
        zafiro_appointment = await an_appointment(
            uow,
            beto,
            zafiro,
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


async def a_consented_chat(container: Container, world: World, chat_id: str = "100") -> Chat:
    """Luna's chat, linked by deep link and with consent given in the chat, at the menu."""
    chat = Chat(container, chat_id=chat_id)
    await chat.start(world.code)
    await chat.tap("✅ Acepto")
    assert chat.sees("¿Qué quieres hacer, Luna?")
    return chat
