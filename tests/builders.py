"""Builders every suite shares: homes, staff, cases, goals, appointments, linked chats.

Each goes through the real services. They take an open unit of work and never
commit: the test decides when. The suites build their scenes from these:
``tests/plan_store/builders.py`` a team, ``tests/dialogs/builders.py`` Luna's world,
``tests/console/world.py`` the console's home.
"""

from __future__ import annotations

import base64
import hashlib
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
from plan_store.models import Adolescent, Appointment, ChatLink, Goal, Home, Step
from plan_store.services import appointments, cases, consent, homes, linking, plans, staff
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery"


def totp_secret_for(username: str) -> str:
    """The authenticator secret every test account of this name is enrolled with."""
    return base64.b32encode(hashlib.sha256(f"totp:{username}".encode()).digest()[:20]).decode()


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
    emergency_numbers: dict[str, str] | None = None,
) -> Home:
    """A home in Mexico City time; without ``emergency_numbers``, Mexico's."""
    return await homes.create_home(
        uow,
        name=name,
        kind=kind,
        retention_days=retention_days,
        evaluation_cadence_days=evaluation_cadence_days,
        emergency_numbers=emergency_numbers,
    )


async def a_staff_member(
    uow: UnitOfWork,
    home: Home | None,
    username: str,
    role: Role = Role.OPERATOR,
    *,
    display_name: str | None = None,
    password: str = PASSWORD,
    second_factor: bool = True,
) -> StaffActor:
    """An account (named after its username unless told otherwise), with a second
    factor set up from ``totp_secret_for(username)`` unless told otherwise."""
    member = await staff.add_staff(
        uow,
        username=username,
        display_name=display_name or username.title(),
        password=password,
        role=role,
        home_id=home.id if home else None,
    )
    if second_factor:
        member.totp_secret = totp_secret_for(member.username)
        member.totp_enabled_at = uow.now()
    return StaffActor.of(member)


async def an_operator(uow: UnitOfWork, home: Home, username: str = "ana") -> StaffActor:
    return await a_staff_member(uow, home, username, Role.OPERATOR)


async def a_case(
    uow: UnitOfWork,
    home: Home | int,
    operator: StaffActor | None,
    case_number: str = "CAS-001",
    *,
    alias: str = "Lu",
    age: int = 15,
    days_to_birthday: int = 30,
    birth_date: date | None = None,
) -> Adolescent:
    """A case in integration at ``home`` (or the home with that id), referred to
    ``operator``, ``age`` years old on the home's today unless ``birth_date`` says."""
    if isinstance(home, int):
        found = await uow.session.get(Home, home)
        assert found is not None
        home = found
    today = cases.local_today(uow, home)
    return await cases.create_case(
        uow,
        case_number=case_number,
        alias=alias,
        birth_date=birth_date or birth_date_for_age(today, age, days_to_birthday=days_to_birthday),
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
    responsible: str = "Lu",
) -> tuple[Goal, list[Step]]:
    """A goal on the case's plan with its steps, in order."""
    goal = await plans.add_goal(
        uow, actor, case.id, programme=programme, horizon=horizon, title=title
    )
    made = [
        await plans.add_step(uow, actor, case.id, goal.id, title=step, responsible=responsible)
        for step in steps
    ]
    return goal, made


async def an_appointment(
    uow: UnitOfWork,
    actor: StaffActor,
    case: Adolescent,
    *,
    starts_in: timedelta = timedelta(days=2),
    starts_at: datetime | None = None,
    kind: AppointmentKind = AppointmentKind.SCHOOL,
    title: str = "Examen del INEA",
    place: str = "Plaza comunitaria",
) -> Appointment:
    """An appointment ``starts_in`` from now (or at ``starts_at``, when given)."""
    return await appointments.schedule(
        uow,
        actor,
        case.id,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts_at or uow.now() + starts_in,
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
    """Consent to messaging given in Spanish on Telegram (to set a scene quickly)."""
    await consent.decide(
        uow, case, decision=ConsentDecision.GIVEN, language="es", channel=Channel.TELEGRAM
    )
