"""Realistic demo data, in Spanish: two homes of different kinds, about forty
adolescents in every phase and setting, with plans, appointments, requests, flags,
messages and evaluations due and overdue.

Everything goes through the services, so the demo data obeys the same invariants
as real data. Aliases are invented nicknames; nothing here is a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    CareSetting,
    Channel,
    ConcernKind,
    ConsentDecision,
    ConsentPurpose,
    ContactWay,
    FlagCategory,
    GoalStatus,
    Horizon,
    LegalKind,
    LegalStage,
    Phase,
    Programme,
    RequestReason,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import Adolescent, Appointment, ChatLink, Home, Staff
from plan_store.services import (
    appointments,
    cases,
    concerns,
    consent,
    duty,
    evaluation_voice,
    evaluations,
    family,
    flags,
    homes,
    house_rules,
    legal,
    messages,
    plans,
    proposals,
    requests,
    staff,
    staff_chats,
    staff_languages,
)
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEMO_PASSWORD = "rumbo-demo-2026"
DEMO_TOTP_SECRET = "RUMBODEMORUMBODEMORUMBODEMO23456"
"""The second factor of every demo login: a published key, for the demo only."""
TEAM = (
    ("psicologia.cas", "Sofía (psicología)", Role.PSYCHOLOGIST),
    ("trabajosocial.cas", "Beatriz (trabajo social)", Role.SOCIAL_WORKER),
    ("legal.cas", "Mara (asesoría legal)", Role.LAWYER),
    ("educacion.cas", "Tomás (educación)", Role.EDUCATOR),
)
"""The team around the plan in the first home: they read its cases and write what
their role writes."""

ALIASES = [
    "Luna",
    "Sol",
    "Tigre",
    "Estrella",
    "Halcón",
    "Mariposa",
    "Río",
    "Nube",
    "Jaguar",
    "Colibrí",
    "Quetzal",
    "Ceiba",
    "Volcán",
    "Lucero",
    "Trueno",
    "Brisa",
    "Maíz",
    "Coyote",
    "Venado",
    "Perla",
    "Fénix",
    "Aurora",
    "Cometa",
    "Roble",
    "Pájaro",
    "Sirena",
    "Lobo",
    "Delfín",
    "Girasol",
    "Águila",
    "Cielo",
    "Rayo",
    "Tortuga",
    "Ardilla",
    "Canela",
    "Cacao",
    "Jade",
    "Tucán",
    "Ámbar",
    "Nopal",
]
LANGUAGES = ["es"] * 6 + ["quc", "mam", "kek", "kjb"]
AFTER_CARE = frozenset({5, 6, 7, 13, 15})
"""Adolescents of the group home (by their index there) who left care: in follow-up."""
CHECK_INS_AGREED = frozenset({5, 13})
"""... of those, the ones who said yes to the monthly check-ins. Index 6 has a chat and
has not answered yet (the scheduler asks); 7 and 15 have no chat."""

GOALS: dict[Programme, list[tuple[Horizon, str, list[tuple[str, str]]]]] = {
    Programme.EDUCATION: [
        (
            Horizon.SHORT,
            "Aprender a leer y escribir con más confianza",
            [
                ("Ir al círculo de lectura los martes", "Tú"),
                ("Leer un cuento corto con tu educadora", "Educadora"),
            ],
        ),
        (
            Horizon.MEDIUM,
            "Terminar la secundaria abierta",
            [
                ("Inscribirte en el INEA", "Trabajo social"),
                ("Presentar el examen de Matemáticas", "Tú"),
                ("Presentar el examen de Historia", "Tú"),
                ("Presentar el examen de Español", "Tú"),
                ("Recoger el certificado", "Trabajo social"),
            ],
        ),
        (
            Horizon.LONG,
            "Entrar a la preparatoria o a un bachillerato técnico",
            [
                ("Visitar dos escuelas con tu operadora", "Operadora"),
                ("Hacer el examen de admisión", "Tú"),
            ],
        ),
    ],
    Programme.INDEPENDENT_LIVING: [
        (
            Horizon.SHORT,
            "Abrir una cuenta de ahorro",
            [
                ("Juntar tus documentos", "Trabajo social"),
                ("Ir al banco con tu operadora", "Tú"),
            ],
        ),
        (
            Horizon.MEDIUM,
            "Terminar el taller de carpintería en el CECATI",
            [
                ("Inscribirte al taller", "Tú"),
                ("Asistir a las primeras cuatro clases", "Tú"),
                ("Hacer tu primer mueble", "Tú"),
            ],
        ),
        (
            Horizon.LONG,
            "Vivir por tu cuenta con un trabajo estable",
            [
                ("Hacer tu currículum", "Educadora"),
                ("Practicar una entrevista de trabajo", "Tú"),
                ("Buscar un cuarto con apoyo de la casa", "Trabajo social"),
            ],
        ),
    ],
    Programme.PERSONAL_GROWTH: [
        (
            Horizon.SHORT,
            "Dormir mejor",
            [
                ("Platicar con la psicóloga sobre tus sueños", "Psicología"),
                ("Dejar el teléfono a las 22:00", "Tú"),
            ],
        ),
        (
            Horizon.MEDIUM,
            "Hablar con tu familia cada semana",
            [
                ("Acordar un día para llamar", "Tú"),
                ("Llamar a tu mamá el domingo", "Tú"),
            ],
        ),
        (
            Horizon.LONG,
            "Jugar en un equipo de fútbol",
            [
                ("Ir a la prueba del equipo del barrio", "Tú"),
            ],
        ),
    ],
}

APPOINTMENTS = [
    (AppointmentKind.SCHOOL, "Examen de Matemáticas (INEA)", "Plaza comunitaria INEA, Col. Centro"),
    (AppointmentKind.JOB_TRAINING, "Inscripción al taller de carpintería", "CECATI 42"),
    (AppointmentKind.HEALTH, "Consulta de salud general", "Centro de Salud T-III"),
    (AppointmentKind.LEGAL, "Cita con la abogada por tu trámite", "Procuraduría de Protección"),
    (AppointmentKind.PSYCHOLOGY, "Sesión con la psicóloga", "Sala de psicología de la casa"),
    (AppointmentKind.OTHER, "Prueba del equipo de fútbol", "Deportivo Benito Juárez"),
]

INBOUND = [
    ("Hoy fui a la clase de carpintería, me gustó mucho", None),
    ("¿A qué hora es mi cita de mañana?", None),
    ("Ya terminé el examen de matemáticas", None),
    ("Extraño a mi mamá", None),
    ("No tengo ganas de nada, ya no quiero vivir", (FlagCategory.SELF_HARM, Severity.URGENT)),
    (
        "Un señor me ofreció trabajo en otra ciudad y dice que no le diga a nadie",
        (FlagCategory.TRAFFICKING, Severity.URGENT),
    ),
    ("Me duele mucho el estómago desde ayer", (FlagCategory.HEALTH, Severity.MEDIUM)),
    ("Me quiero ir de la casa", (FlagCategory.RUNNING_AWAY, Severity.HIGH)),
    ("Gracias por ayudarme con lo del banco", None),
]


@dataclass
class SeedReport:
    homes: int = 0
    staff: int = 0
    adolescents: int = 0
    goals: int = 0
    steps: int = 0
    appointments: int = 0
    requests: int = 0
    flags: int = 0
    messages: int = 0
    evaluations: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{self.homes} homes, {self.staff} staff, {self.adolescents} adolescents",
            f"{self.goals} goals, {self.steps} steps, {self.appointments} appointments",
            f"{self.requests} requests, {self.flags} flags, {self.messages} messages, "
            f"{self.evaluations} evaluations",
        ]


@dataclass(frozen=True)
class HomeSpec:
    name: str
    kind: CareSetting
    timezone: str
    settings: tuple[CareSetting, ...]
    phases: tuple[Phase, ...]
    adolescents: int


HOMES = (
    HomeSpec(
        "Casa Ceiba",
        CareSetting.RESIDENTIAL_CENTRE,
        "America/Mexico_City",
        (CareSetting.RESIDENTIAL_CENTRE, CareSetting.EXTENDED_FAMILY, CareSetting.FOSTER_FAMILY),
        (
            Phase.FIRST_RECEPTION,
            Phase.RECEPTION,
            Phase.INTEGRATION,
            Phase.INDEPENDENCE,
            Phase.LONG_TERM,
            Phase.DETECTION,
        ),
        24,
    ),
    HomeSpec(
        "Casa Nido (Tapachula)",
        CareSetting.GROUP_HOME,
        "America/Mexico_City",
        (CareSetting.GROUP_HOME,),
        (Phase.LONG_TERM, Phase.TRANSITION, Phase.INDEPENDENCE),
        16,
    ),
)


async def seed(uow_factory: UnitOfWorkFactory, *, rng_seed: int = 7) -> SeedReport:
    """Fill an empty database. Idempotence is not attempted: seed a fresh one."""
    rng = random.Random(rng_seed)
    report = SeedReport()
    logins = _Logins(report, staff.hash_password(DEMO_PASSWORD))
    async with uow_factory() as uow:
        admin = await logins.add(uow, "admin", "Administración", Role.ADMIN)
        # A community translator of K'iche': the workspace in Idiomas, nothing else.
        translator = await logins.add(
            uow, "traduccion.quc", "Ana Tzoc (traducción)", Role.TRANSLATOR, second_factor=False
        )
        await staff_languages.set_translated(uow, StaffActor.of(admin), translator.id, ["quc"])
        await _consent_texts(uow, admin.id)
        await uow.commit()
    alias_pool = list(ALIASES)
    rng.shuffle(alias_pool)
    number = 0
    for home_index, spec in enumerate(HOMES):
        async with uow_factory() as uow:
            home, coordinator, operators = await _home(uow, logins, home_index, spec)
            await uow.commit()
        for index in range(spec.adolescents):
            number += 1
            async with uow_factory() as uow:
                await _adolescent(
                    uow,
                    rng,
                    report,
                    home_id=home.id,
                    spec=spec,
                    index=index,
                    number=number,
                    alias=alias_pool[(number - 1) % len(alias_pool)],
                    operator=operators[index % len(operators)],
                    coordinator=coordinator,
                )
                await uow.commit()
        if home_index == 0:
            async with uow_factory() as uow:
                await _family_and_papers(uow, home.id)
                await uow.commit()
    return report


@dataclass(slots=True)
class _Logins:
    """Demo staff, all with the one demo password, each counted and listed."""

    report: SeedReport
    password_hash: str

    async def add(
        self,
        uow: UnitOfWork,
        username: str,
        display_name: str,
        role: Role,
        *,
        home_id: int | None = None,
        second_factor: bool = True,
    ) -> Staff:
        member = await staff.add_staff(
            uow,
            username=username,
            display_name=display_name,
            password=DEMO_PASSWORD,
            password_hash=self.password_hash,
            role=role,
            home_id=home_id,
        )
        if second_factor:
            _demo_second_factor(uow, member)
        self.report.staff += 1
        self.report.logins.append((username, DEMO_PASSWORD, role.value))
        return member


async def _home(
    uow: UnitOfWork, logins: _Logins, home_index: int, spec: HomeSpec
) -> tuple[Home, Staff, list[Staff]]:
    """A home with its coordinator, operators on a roster, its house rules, and in
    the first home the team around the plan."""
    home = await homes.create_home(uow, name=spec.name, kind=spec.kind, timezone=spec.timezone)
    logins.report.homes += 1
    prefix = "cas" if home_index == 0 else "nido"
    coordinator = await logins.add(
        uow,
        f"coordinacion.{prefix}",
        "Marta (coordinación)" if home_index == 0 else "Rosa (coordinación)",
        Role.COORDINATOR,
        home_id=home.id,
    )
    operator_names = ["Laura", "Andrés", "Paty"] if home_index == 0 else ["Jorge", "Elena"]
    operators = [
        await logins.add(
            uow, f"{name.lower().replace('é', 'e')}.{prefix}", name, Role.OPERATOR, home_id=home.id
        )
        for name in operator_names
    ]
    # One operator speaks K'iche' (the flags and requests of its chats name
    # her); nobody speaks the other Mayan languages, which the console warns of.
    speaker = StaffActor.of(operators[-1])
    await staff_languages.set_spoken(uow, speaker, speaker.id, ["es", "quc"])
    if home_index == 0:  # the team around the plan, in the residential centre
        for username, display_name, role in TEAM:
            await logins.add(
                uow, username, display_name, role, home_id=home.id, second_factor=False
            )
    await _roster(uow, coordinator, home.id, operators)
    await house_rules.set_rules(uow, StaffActor.of(coordinator), home.id, "\n".join(HOUSE_RULES))
    return home, coordinator, operators


async def _family_and_papers(uow: UnitOfWork, home_id: int) -> None:
    """The first case of the home: a mother she may call, an uncle who visits, the
    calls held; and her refugee procedure, followed by the home's lawyer."""
    home = await uow.session.get_one(Home, home_id)
    today = cases.local_today(uow, home)
    first = await uow.session.scalar(
        select(Adolescent).where(Adolescent.home_id == home_id).order_by(Adolescent.id).limit(1)
    )
    people = {
        s.role: StaffActor.of(s)
        for s in await uow.session.scalars(select(Staff).where(Staff.home_id == home_id))
    }
    worker, lawyer = people.get(Role.SOCIAL_WORKER), people.get(Role.LAWYER)
    if first is None or worker is None or lawyer is None:
        return
    since = today - timedelta(days=40)
    mother = await family.add_contact(
        uow,
        worker,
        first.id,
        name="Rosa",
        relation="mamá",
        way=ContactWay.CALL,
        allowed_by="Procuraduría de Protección",
        allowed_since=since,
    )
    await family.add_contact(
        uow,
        worker,
        first.id,
        name="Julio",
        relation="tío",
        way=ContactWay.CALL_AND_VISIT,
        allowed_by="Procuraduría de Protección",
        allowed_since=since,
    )
    for days_ago, note in (
        (9, "Hablaron de la escuela."),
        (2, "Contenta; quiere volver a llamar."),
    ):
        await family.record_contact(
            uow,
            worker,
            first.id,
            mother.id,
            way=ContactWay.CALL,
            held_on=today - timedelta(days=days_ago),
            note=note,
        )
    procedure = await legal.open_procedure(
        uow, lawyer, first.id, kind=LegalKind.REFUGEE, followed_by_id=lawyer.id
    )
    await legal.update_procedure(
        uow,
        lawyer,
        first.id,
        procedure.id,
        stage=LegalStage.FILED,
        next_on=today + timedelta(days=8),
        next_what="Tu entrevista: lleva tu constancia",
        followed_by_id=lawyer.id,
    )


def _demo_second_factor(uow: UnitOfWork, member: Staff) -> None:
    """Demo logins share one published TOTP key, so that anyone trying the demo can
    add it to an authenticator app (``rumbo demo`` prints it). Never for real staff."""
    member.totp_secret = DEMO_TOTP_SECRET
    member.totp_enabled_at = uow.now()


async def _roster(
    uow: UnitOfWork, coordinator: Staff, home_id: int, operators: list[Staff]
) -> None:
    """Every hour of the week covered: the day split in as many shifts as operators
    (Casa Ceiba 07-15, 15-23, 23-07; Casa Nido 08-20, 20-08), with an email each, so
    that the demo always has someone on duty."""
    actor = StaffActor.of(coordinator)
    starts = [time(7), time(15), time(23)] if len(operators) == 3 else [time(8), time(20)]
    for index, operator in enumerate(operators):
        await staff_chats.set_email(
            uow, StaffActor.of(operator), f"{operator.username}@demo.rumbo.invalid"
        )
        await duty.add_shift(
            uow,
            actor,
            home_id,
            staff_id=operator.id,
            weekdays=range(7),
            starts=starts[index],
            ends=starts[(index + 1) % len(starts)],
        )


HOUSE_RULES = (
    "• Llegamos a casa antes de las 20:00.",
    "• El celular se guarda a las 22:00 y se recoge en la mañana.",
    "• Cada quien ayuda con la limpieza según el rol de la semana.",
    "• Las visitas se acuerdan antes con tu operador(a).",
    "• Nadie puede pegarte ni gritarte. Si pasa, dilo: hay quien te escucha.",
)


async def _her_voice(uow: UnitOfWork, case: Adolescent, index: int, today: date) -> None:
    """A proposal to decide, answers before a near evaluation, a complaint: so that the
    demo shows the adolescent's side of the plan."""
    if index % 4 == 1:
        await proposals.propose_goal(
            uow,
            case.id,
            programme=Programme.INDEPENDENT_LIVING,
            horizon=Horizon.SHORT,
            text="Aprender a cocinar",
            due_on=today + timedelta(days=30),
            channel=Channel.TELEGRAM,
        )
    if index % 6 == 3:
        voice = await evaluation_voice.ask(uow, case.id, today + timedelta(days=2))
        for question, answer in (("going", "so_so"), ("hard", "school"), ("talk", "family")):
            await evaluation_voice.answer(uow, case.id, voice.id, question, answer)
        await evaluation_voice.add_words(
            uow, case.id, voice.id, text="Quiero saber cuándo puedo hablar con mi mamá."
        )
    if index == 2:
        await concerns.create(
            uow,
            case.id,
            ConcernKind.COMPLAINT,
            text="En la noche no nos dejan llamar a la familia.",
            channel=Channel.TELEGRAM,
        )


async def _consent_texts(uow: UnitOfWork, staff_id: int) -> None:
    await consent.publish_text(
        uow,
        purpose=ConsentPurpose.MESSAGING,
        version=1,
        language="es",
        summary=(
            "Lo que escribas aquí lo leen tu operadora y el equipo de tu casa, para "
            "ayudarte. No lo ve nadie más. Puedes dejar de usar Rumbo cuando quieras."
        ),
        details=(
            "Guardamos tu apodo, tu fecha de nacimiento, tu idioma, tus metas y tus citas. "
            "Tus mensajes se guardan cifrados. Si dejas Rumbo, dejamos de escribirte y "
            "borramos tus mensajes del chat. Solo si algo nos preocupó por tu seguridad, "
            "esas palabras se guardan cifradas 90 días, solo para la coordinación de tu casa."
        ),
        staff_id=staff_id,
    )


async def _adolescent(
    uow: UnitOfWork,
    rng: random.Random,
    report: SeedReport,
    *,
    home_id: int,
    spec: HomeSpec,
    index: int,
    number: int,
    alias: str,
    operator: Staff,
    coordinator: Staff,
) -> None:
    home = await uow.session.get(Home, home_id)
    assert home is not None
    today = cases.local_today(uow, home)
    group_home = spec.kind is CareSetting.GROUP_HOME
    age = rng.randint(16, 17) if group_home else rng.randint(12, 17)
    birth = today - timedelta(days=age * 365 + rng.randint(10, 350))
    case = await cases.create_case(
        uow,
        case_number=f"MX-2026-{number:04d}",
        alias=alias,
        birth_date=birth,
        home_id=home_id,
        phase=spec.phases[index % len(spec.phases)],
        care_setting=spec.settings[index % len(spec.settings)],
        reference_operator_id=operator.id,
        language=LANGUAGES[index % len(LANGUAGES)],
    )
    report.adolescents += 1
    actor = StaffActor.of(operator)
    await _plan(uow, rng, report, actor, case, today)
    await _appointments(uow, rng, report, actor, case)
    linked = index % 4 != 3
    if linked:
        await _in_chat(uow, rng, report, case, index=index, number=number, today=today)
    if index % 5 == 0:
        await _request(uow, rng, report, case, index)
    await _evaluation(uow, report, home, case, StaffActor.of(coordinator), index, today)
    if spec.kind is CareSetting.GROUP_HOME and index in AFTER_CARE:
        await _after_care(uow, actor, case, today, agreed=linked and index in CHECK_INS_AGREED)


async def _in_chat(
    uow: UnitOfWork,
    rng: random.Random,
    report: SeedReport,
    case: Adolescent,
    *,
    index: int,
    number: int,
    today: date,
) -> None:
    """She consented and linked a chat, wrote, and had her say in the plan."""
    await consent.decide(
        uow,
        case,
        decision=ConsentDecision.GIVEN,
        language=case.language,
        channel=Channel.TELEGRAM,
    )
    uow.session.add(
        ChatLink(
            adolescent_id=case.id,
            channel=Channel.TELEGRAM if index % 3 else Channel.WEBCHAT,
            external_id=f"demo-{number}",
            linked_at=uow.now() - timedelta(days=rng.randint(5, 60)),
        )
    )
    await _messages(uow, rng, report, case, index)
    await _her_voice(uow, case, index, today)


async def _request(
    uow: UnitOfWork, rng: random.Random, report: SeedReport, case: Adolescent, index: int
) -> None:
    request = await requests.create(
        uow,
        case.id,
        reason=RequestReason.TALK if index % 10 else RequestReason.SOMETHING_HAPPENED,
        urgency=Urgency.URGENT if index % 10 == 0 else Urgency.NORMAL,
        message="¿Podemos hablar hoy?" if index % 10 else "Pasó algo en la escuela",
    )
    # Demo requests have waited a while, as real ones would have.
    request.created_at = uow.now() - timedelta(minutes=rng.randint(12, 60 * 30))
    report.requests += 1


async def _evaluation(
    uow: UnitOfWork,
    report: SeedReport,
    home: Home,
    case: Adolescent,
    coordinator: StaffActor,
    index: int,
    today: date,
) -> None:
    """Evaluations: some done recently, some due, some overdue."""
    cadence = home.evaluation_cadence_days
    shift = [-20, -3, 0, 2, 6, 11][index % 6]
    held_on = today - timedelta(days=cadence + max(shift, 0)) if shift >= 0 else None
    if held_on is not None and index % 2 == 0:
        await evaluations.record(
            uow,
            coordinator,
            case.id,
            summary="Avanza en la escuela; falta trabajar en el sueño y en la rutina.",
            goals_reviewed="Educación y vida independiente revisadas.",
            held_on=held_on,
            next_on=today + timedelta(days=shift),
        )
        report.evaluations += 1
    else:
        case.next_evaluation_on = today + timedelta(days=shift)


async def _after_care(
    uow: UnitOfWork, actor: StaffActor, case: Adolescent, today: date, *, agreed: bool
) -> None:
    """The adolescent left care. One who ``agreed`` to the monthly check-ins left five
    weeks ago, so a check-in is due; the others left today, and the scheduler asks
    those with a chat whether they want the check-ins."""
    await cases.move_to_follow_up(uow, actor, case.id, follow_up_until=today + timedelta(days=365))
    if not agreed:
        return
    case.left_care_on = today - timedelta(weeks=5)
    link = await uow.session.scalar(select(ChatLink).where(ChatLink.adolescent_id == case.id))
    await consent.decide(
        uow,
        case,
        decision=ConsentDecision.GIVEN,
        language=case.language,
        channel=link.channel if link else None,
        purpose=ConsentPurpose.FOLLOW_UP,
    )


async def _plan(
    uow: UnitOfWork,
    rng: random.Random,
    report: SeedReport,
    actor: StaffActor,
    case: Adolescent,
    today: date,
) -> None:
    for programme, goals in GOALS.items():
        for horizon, title, steps in rng.sample(goals, k=2):
            months = {Horizon.SHORT: 2, Horizon.MEDIUM: 6, Horizon.LONG: 18}[horizon]
            goal = await plans.add_goal(
                uow,
                actor,
                case.id,
                programme=programme,
                horizon=horizon,
                title=title,
                target_date=today + timedelta(days=30 * months),
            )
            report.goals += 1
            done = rng.randint(0, len(steps))
            for position, (step_title, responsible) in enumerate(steps):
                step = await plans.add_step(
                    uow,
                    actor,
                    case.id,
                    goal.id,
                    title=step_title,
                    responsible=responsible,
                    due_on=today + timedelta(days=7 * (position + 1) - 10),
                )
                report.steps += 1
                if position < done:
                    await plans.mark_step_done(uow, case.id, step.id)
                    if position < done - 1 or rng.random() < 0.5:
                        await plans.confirm_step(uow, actor, case.id, step.id)
            if done == len(steps) and rng.random() < 0.5:
                await plans.update_goal(uow, actor, case.id, goal.id, status=GoalStatus.ACHIEVED)


async def _appointments(
    uow: UnitOfWork,
    rng: random.Random,
    report: SeedReport,
    actor: StaffActor,
    case: Adolescent,
) -> None:
    """Upcoming appointments through the service; past ones are written as they
    would stand after the fact (the service refuses to schedule in the past)."""
    zone = ZoneInfo("America/Mexico_City")
    now = uow.now()
    for offset_days in (-9, -2, 1, 4, 12):
        kind, title, place = rng.choice(APPOINTMENTS)
        local_day = now.astimezone(zone).date() + timedelta(days=offset_days)
        starts_at = datetime.combine(local_day, time(rng.choice([9, 10, 11, 16, 17])), zone)
        if starts_at > now:
            appointment = await appointments.schedule(
                uow, actor, case.id, kind=kind, title=title, place=place, starts_at=starts_at
            )
            if rng.random() < 0.5:
                await appointments.answer(
                    uow,
                    case.id,
                    appointment.id,
                    AppointmentAnswer.WILL_GO,
                    channel=Channel.TELEGRAM,
                )
        else:
            appointment = Appointment(
                adolescent_id=case.id,
                kind=kind,
                title=title,
                place=place,
                starts_at=starts_at,
                created_by_id=actor.id,
                created_at=starts_at - timedelta(days=10),
                updated_at=starts_at - timedelta(days=10),
            )
            uow.session.add(appointment)
            await uow.flush()
            outcome = rng.choice([AppointmentAnswer.ATTENDED, AppointmentAnswer.MISSED, None])
            if outcome is not None:
                await appointments.answer(uow, case.id, appointment.id, outcome, by_staff=actor)
        report.appointments += 1


async def _messages(
    uow: UnitOfWork, rng: random.Random, report: SeedReport, case: Adolescent, index: int
) -> None:
    for body, risk in rng.sample(INBOUND, k=3 if index % 6 else 4):
        message = await messages.record_inbound(uow, case.id, channel=Channel.TELEGRAM, body=body)
        hours_ago = rng.randint(1, 24 * 20) if risk is None else rng.randint(1, 30)
        message.created_at = uow.now() - timedelta(hours=hours_ago, minutes=rng.randint(0, 59))
        report.messages += 1
        if risk is not None:
            flag = await flags.raise_flag(
                uow,
                case.id,
                category=risk[0],
                severity=risk[1],
                message_id=message.id,
                detail=risk[0].value,
            )
            flag.created_at = message.created_at + timedelta(seconds=2)
            report.flags += 1
