"""A small home for console tests, built through the real services.

Two operators (ana and beto) in one home, each with one case that has everything a
case page shows: a linked chat with consent, a plan with a step waiting for
confirmation, upcoming and past appointments, an urgent flag on a message, an open
request. A coordinator for the home, a coordinator of another home, and an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    CareSetting,
    Channel,
    ConsentDecision,
    FlagCategory,
    Horizon,
    Phase,
    Programme,
    RequestReason,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import ChatLink
from plan_store.services import (
    appointments,
    cases,
    consent,
    flags,
    messages,
    plans,
    requests,
    staff,
)
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class CaseIds:
    id: int
    case_number: str
    alias: str
    goal: int
    step_done: int
    step_open: int
    appointment: int
    past_appointment: int
    flag: int
    message: int
    request: int
    chat: str


@dataclass(frozen=True)
class World:
    home: int
    other_home: int
    admin: StaffActor
    coordinator: StaffActor
    other_coordinator: StaffActor
    ana: StaffActor
    beto: StaffActor
    ana_case: CaseIds
    beto_case: CaseIds


async def _member(
    uow: UnitOfWork, username: str, role: Role, home_id: int | None, name: str
) -> StaffActor:
    member = await staff.add_staff(
        uow,
        username=username,
        display_name=name,
        password=PASSWORD,
        role=role,
        home_id=home_id,
    )
    return StaffActor.of(member)


async def a_case(
    uow: UnitOfWork,
    *,
    home_id: int,
    operator: StaffActor,
    number: str,
    alias: str,
    chat: str,
    today: date,
    linked: bool = True,
) -> CaseIds:
    case = await cases.create_case(
        uow,
        case_number=number,
        alias=alias,
        birth_date=today.replace(year=today.year - 15) - timedelta(days=40),
        home_id=home_id,
        phase=Phase.INTEGRATION,
        care_setting=CareSetting.RESIDENTIAL_CENTRE,
        reference_operator_id=operator.id,
    )
    goal = await plans.add_goal(
        uow,
        operator,
        case.id,
        programme=Programme.EDUCATION,
        horizon=Horizon.MEDIUM,
        title="Terminar la secundaria abierta",
    )
    done = await plans.add_step(
        uow, operator, case.id, goal.id, title="Inscribirte en el INEA", responsible="Tú"
    )
    still_open = await plans.add_step(
        uow, operator, case.id, goal.id, title="Presentar el examen de Historia", responsible="Tú"
    )
    await plans.mark_step_done(uow, case.id, done.id)
    now = uow.now()
    past = await appointments.schedule(
        uow,
        operator,
        case.id,
        kind=AppointmentKind.HEALTH,
        title="Consulta de salud general",
        place="Centro de Salud",
        starts_at=now + timedelta(minutes=1),
    )
    upcoming = await appointments.schedule(
        uow,
        operator,
        case.id,
        kind=AppointmentKind.JOB_TRAINING,
        title="Inscripción al taller de carpintería",
        place="CECATI 42",
        starts_at=now + timedelta(days=5),
    )
    await appointments.answer(
        uow, case.id, upcoming.id, AppointmentAnswer.WILL_GO, channel=Channel.TELEGRAM
    )
    if linked:
        await consent.decide(
            uow, case, decision=ConsentDecision.GIVEN, language="es", channel=Channel.TELEGRAM
        )
        uow.session.add(
            ChatLink(
                adolescent_id=case.id,
                channel=Channel.TELEGRAM,
                external_id=chat,
                linked_at=now - timedelta(days=2),
            )
        )
    message = await messages.record_inbound(
        uow, case.id, channel=Channel.TELEGRAM, body="Me quiero ir de la casa"
    )
    flag = await flags.raise_flag(
        uow,
        case.id,
        category=FlagCategory.RUNNING_AWAY,
        severity=Severity.URGENT,
        message_id=message.id,
    )
    request = await requests.create(
        uow, case.id, reason=RequestReason.TALK, urgency=Urgency.NORMAL, message="¿Hablamos hoy?"
    )
    await uow.flush()
    return CaseIds(
        id=case.id,
        case_number=case.case_number,
        alias=alias,
        goal=goal.id,
        step_done=done.id,
        step_open=still_open.id,
        appointment=upcoming.id,
        past_appointment=past.id,
        flag=flag.id,
        message=message.id,
        request=request.id,
        chat=chat,
    )


async def build_world(uow_factory: UnitOfWorkFactory) -> World:
    async with uow_factory() as uow:
        home = await cases.create_home(uow, name="Casa Ceiba", kind=CareSetting.RESIDENTIAL_CENTRE)
        other = await cases.create_home(uow, name="Casa Nido", kind=CareSetting.GROUP_HOME)
        admin = await _member(uow, "admin", Role.ADMIN, None, "Administración")
        coordinator = await _member(uow, "marta", Role.COORDINATOR, home.id, "Marta")
        other_coordinator = await _member(uow, "rosa", Role.COORDINATOR, other.id, "Rosa")
        ana = await _member(uow, "ana", Role.OPERATOR, home.id, "Ana")
        beto = await _member(uow, "beto", Role.OPERATOR, home.id, "Beto")
        today = cases.local_today(uow, home)
        ana_case = await a_case(
            uow,
            home_id=home.id,
            operator=ana,
            number="MX-2026-0001",
            alias="Colibrí",
            chat="7001",
            today=today,
        )
        beto_case = await a_case(
            uow,
            home_id=home.id,
            operator=beto,
            number="MX-2026-0002",
            alias="Jaguar",
            chat="7002",
            today=today,
        )
        await uow.commit()
    return World(
        home=home.id,
        other_home=other.id,
        admin=admin,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        ana=ana,
        beto=beto,
        ana_case=ana_case,
        beto_case=beto_case,
    )
