"""A small home for console tests, built through the real services.

Two operators (ana and beto) in one home, each with one case that has everything a
case page shows: a linked chat with consent, a plan with a step waiting for
confirmation, upcoming and past appointments, an urgent flag on a message, an open
request. A coordinator for the home, a coordinator of another home, and an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    CareSetting,
    Channel,
    FlagCategory,
    RequestReason,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import ChatLink
from plan_store.services import appointments, flags, messages, plans, requests
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.builders import (
    PASSWORD,
    a_case,
    a_goal,
    a_home,
    a_staff_member,
    an_appointment,
    consent_given,
)

__all__ = ["PASSWORD", "CaseIds", "World", "a_full_case", "build_world"]


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


async def a_full_case(
    uow: UnitOfWork,
    home_id: int,
    operator: StaffActor,
    number: str,
    *,
    alias: str,
    chat: str,
    linked: bool = True,
) -> CaseIds:
    """A case with everything its page shows (see the module's docstring); ``linked``:
    its Telegram chat linked two days ago, with consent given."""
    # Fifteen, since forty days ago.
    case = await a_case(uow, home_id, operator, number, alias=alias, days_to_birthday=325)
    goal, (done, still_open) = await a_goal(
        uow,
        operator,
        case,
        title="Terminar la secundaria abierta",
        steps=("Inscribirte en el INEA", "Presentar el examen de Historia"),
        responsible="Tú",
    )
    await plans.mark_step_done(uow, case.id, done.id)
    now = uow.now()
    past = await an_appointment(
        uow,
        operator,
        case,
        kind=AppointmentKind.HEALTH,
        title="Consulta de salud general",
        place="Centro de Salud",
        starts_in=timedelta(minutes=1),
    )
    upcoming = await an_appointment(
        uow,
        operator,
        case,
        kind=AppointmentKind.JOB_TRAINING,
        title="Inscripción al taller de carpintería",
        place="CECATI 42",
        starts_in=timedelta(days=5),
    )
    await appointments.answer(
        uow, case.id, upcoming.id, AppointmentAnswer.WILL_GO, channel=Channel.TELEGRAM
    )
    if linked:
        await consent_given(uow, case)
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
        home = await a_home(uow)
        other = await a_home(uow, "Casa Nido", kind=CareSetting.GROUP_HOME)
        admin = await a_staff_member(uow, None, "admin", Role.ADMIN, display_name="Administración")
        coordinator = await a_staff_member(uow, home, "marta", Role.COORDINATOR)
        other_coordinator = await a_staff_member(uow, other, "rosa", Role.COORDINATOR)
        ana = await a_staff_member(uow, home, "ana")
        beto = await a_staff_member(uow, home, "beto")
        ana_case = await a_full_case(
            uow, home.id, ana, "MX-2026-0001", alias="Colibrí", chat="7001"
        )
        beto_case = await a_full_case(
            uow, home.id, beto, "MX-2026-0002", alias="Jaguar", chat="7002"
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
