"""Small builders for plan_store tests. Each one goes through the real services.

They take an open unit of work and never commit: the test decides when. ``Team``
bundles what most tests need (a home, its coordinator, two operators and a case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
from plan_store.models import Adolescent, Appointment, ChatLink, Goal, Home, Staff, Step
from plan_store.services import appointments, cases, consent, linking, plans, staff
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery"


def birth_date_for_age(today: date, years: int, *, days_to_birthday: int = 30) -> date:
    """A birth date that makes someone ``years`` old on ``today``, with their next
    birthday ``days_to_birthday`` days away."""
    next_birthday = today + timedelta(days=days_to_birthday)
    return next_birthday.replace(year=next_birthday.year - years - 1)


async def a_home(
    uow: UnitOfWork,
    name: str = "Casa Ceiba",
    *,
    kind: CareSetting = CareSetting.RESIDENTIAL_CENTRE,
    retention_days: int = 0,
    evaluation_cadence_days: int = 14,
) -> Home:
    return await cases.create_home(
        uow,
        name=name,
        kind=kind,
        retention_days=retention_days,
        evaluation_cadence_days=evaluation_cadence_days,
    )


async def a_staff_member(
    uow: UnitOfWork,
    home: Home | None,
    username: str,
    role: Role = Role.OPERATOR,
    *,
    password: str = PASSWORD,
) -> StaffActor:
    member = await staff.add_staff(
        uow,
        username=username,
        display_name=username.title(),
        password=password,
        role=role,
        home_id=home.id if home else None,
    )
    return StaffActor.of(member)


async def an_operator(uow: UnitOfWork, home: Home, username: str = "ana") -> StaffActor:
    return await a_staff_member(uow, home, username, Role.OPERATOR)


async def a_case(
    uow: UnitOfWork,
    home: Home,
    operator: StaffActor | None,
    case_number: str = "CAS-001",
    *,
    alias: str = "Lu",
    age: int = 15,
    birth_date: date | None = None,
) -> Adolescent:
    today = cases.local_today(uow, home)
    return await cases.create_case(
        uow,
        case_number=case_number,
        alias=alias,
        birth_date=birth_date or birth_date_for_age(today, age),
        home_id=home.id,
        phase=Phase.INTEGRATION,
        care_setting=home.kind,
        reference_operator_id=operator.id if operator else None,
    )


async def a_goal(
    uow: UnitOfWork,
    actor: StaffActor,
    case: Adolescent,
    *,
    title: str = "Terminar la secundaria",
    programme: Programme = Programme.EDUCATION,
    horizon: Horizon = Horizon.MEDIUM,
    steps: tuple[str, ...] = ("Inscribirme en el INEA", "Presentar el primer examen"),
) -> tuple[Goal, list[Step]]:
    """A goal on the case's plan with its steps, in order."""
    goal = await plans.add_goal(
        uow, actor, case.id, programme=programme, horizon=horizon, title=title
    )
    made = [
        await plans.add_step(uow, actor, case.id, goal.id, title=step, responsible="Lu")
        for step in steps
    ]
    return goal, made


async def an_appointment(
    uow: UnitOfWork,
    actor: StaffActor,
    case: Adolescent,
    *,
    starts_in: timedelta = timedelta(days=2),
    kind: AppointmentKind = AppointmentKind.SCHOOL,
    title: str = "Examen del INEA",
) -> Appointment:
    starts_at: datetime = uow.now() + starts_in
    return await appointments.schedule(
        uow, actor, case.id, kind=kind, title=title, place="Plaza comunitaria", starts_at=starts_at
    )


async def a_linked_chat(
    uow: UnitOfWork,
    actor: StaffActor,
    case: Adolescent,
    external_id: str = "1001",
    channel: Channel = Channel.TELEGRAM,
) -> ChatLink:
    """A staff member gives a code in person; the adolescent types it in the chat."""
    code = await linking.issue_code(uow, actor, case.id)
    return await linking.redeem_code(uow, channel, external_id, code)


async def consent_given(uow: UnitOfWork, case: Adolescent) -> None:
    await consent.decide(
        uow, case, decision=ConsentDecision.GIVEN, language="es", channel=Channel.TELEGRAM
    )


@dataclass(frozen=True, slots=True)
class Team:
    home: Home
    coordinator: StaffActor
    operator: StaffActor
    other_operator: StaffActor
    case: Adolescent


async def a_team(uow: UnitOfWork, *, retention_days: int = 0, age: int = 15) -> Team:
    """A home with a coordinator, two operators, and a case referred to the first."""
    home = await a_home(uow, retention_days=retention_days)
    coordinator = await a_staff_member(uow, home, "coral", Role.COORDINATOR)
    operator = await an_operator(uow, home, "ana")
    other = await an_operator(uow, home, "beto")
    case = await a_case(uow, home, operator, age=age)
    return Team(home, coordinator, operator, other, case)


async def staff_row(uow: UnitOfWork, actor: StaffActor) -> Staff:
    row = await uow.session.get(Staff, actor.id)
    assert row is not None
    return row
