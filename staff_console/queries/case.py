"""One case: everything the progress mirror shows, and its older messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plan_store.enums import (
    CaseStatus,
    ConsentPurpose,
    FlagStatus,
    GoalStatus,
    Horizon,
    Programme,
    RequestStatus,
    Role,
    Urgency,
)
from plan_store.models import (
    Adolescent,
    Appointment,
    ChatLink,
    Evaluation,
    Flag,
    Goal,
    Home,
    LifePlan,
    Message,
    OperatorRequest,
)
from plan_store.services import appointments as appointment_service
from plan_store.services import consent, evaluations, notes, phases, plans, requests
from plan_store.services import flags as flag_service
from plan_store.services import messages as message_service
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.cases import local_today
from plan_store.services.consent import ConsentState
from plan_store.services.messages import TimelineEntry
from plan_store.services.notes import NoteView
from plan_store.services.phases import PhaseSpan
from plan_store.unit_of_work import UnitOfWork
from staff_console.activity import Event, ProgrammeProgress, progress_by_programme
from staff_console.activity import period as activity_period
from staff_console.queries.common import staff_names, staff_roles
from staff_console.queries.handovers import HandoverView, handovers_of

PROGRAMMES = tuple(Programme)
HORIZONS = tuple(Horizon)


@dataclass(slots=True)
class ProgrammeGoals:
    programme: Programme
    goals: list[Goal]


@dataclass(frozen=True, slots=True)
class RequestView:
    request: OperatorRequest
    message: str


@dataclass(frozen=True, slots=True)
class FlagView:
    flag: Flag
    message: str | None
    kept: str | None = None
    """The words behind a safeguarding flag, kept after the chat was erased
    (coordinators only)."""


@dataclass(slots=True)
class CasePage:
    case: Adolescent
    home: Home
    today: date
    age: int
    operator_name: str | None
    consents: list[ConsentState]
    links: list[ChatLink]
    programmes: list[ProgrammeGoals]
    dropped_goals: list[Goal]
    upcoming: list[Appointment]
    past: list[Appointment]
    open_flags: list[FlagView]
    closed_flags: list[FlagView]
    open_requests: list[RequestView]
    handled_requests: list[RequestView]
    timeline: list[TimelineEntry]
    more_messages: bool
    flags_by_message: dict[int, list[Flag]]
    staff_names: dict[int, str]
    last_evaluation: Evaluation | None
    answer_reasons: dict[int, str] = field(default_factory=dict)
    pending_confirmation: int = 0
    can_message: bool = False
    notes: list[NoteView] = field(default_factory=list)
    phase_history: list[PhaseSpan] = field(default_factory=list)
    handovers: list[HandoverView] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    progress: list[ProgrammeProgress] = field(default_factory=list)
    activity: list[Event] = field(default_factory=list)
    period_start: date | None = None

    def person(self, staff_id: int | None) -> Person | None:
        return next((p for p in self.people if p.id == staff_id), None)

    @property
    def messaging_consent(self) -> ConsentState:
        return self.consents[0]

    @property
    def timezone(self) -> str:
        return self.home.timezone


@dataclass(frozen=True, slots=True)
class Person:
    """Someone of the home who can answer for a step."""

    id: int
    name: str
    role: Role


async def case_page(
    uow: UnitOfWork, actor: StaffActor, case_id: int, *, timeline_limit: int
) -> CasePage:
    """Everything the progress mirror shows. The read is audited (``case.read``)."""
    case = await case_for_staff(uow, actor, case_id)
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    today = local_today(uow, home)
    consents = [await consent.state(uow, case, purpose) for purpose in ConsentPurpose]
    links = await _active_links(uow, case.id)
    goals = await _goals(uow, case.id)
    appointments = await appointment_service.with_history(uow, case.id)
    now = uow.now()
    all_flags = await flag_service.for_case(uow, case.id)
    timeline = await message_service.timeline(uow, case.id, limit=timeline_limit + 1)
    flags = await _case_flags(uow, actor, case.id, all_flags, timeline[:timeline_limit])
    request_rows, open_requests, handled = await _case_requests(uow, case.id)
    last_evaluation = await evaluations.last_of(uow, case.id)
    since = evaluations.period_since(case, home, last_evaluation)
    activity = await activity_period(uow, case.id, since, now)
    people = [
        Person(p.id, p.display_name, p.role) for p in await plans.responsible_people(uow, home.id)
    ]
    staff_ids = {case.reference_operator_id} | {e.staff_id for e in timeline[:timeline_limit]}
    staff_ids |= {s.confirmed_by_id for g in goals for s in g.steps}
    staff_ids |= {c.by_staff_id for a in appointments for c in a.confirmations}
    staff_ids |= {f.acknowledged_by_id for f in all_flags} | {f.resolved_by_id for f in all_flags}
    staff_ids |= {r.handled_by_id for r in request_rows}
    staff_ids |= {p.id for p in people} | {e.staff_id for e in activity}
    staff_ids |= {s.responsible_staff_id for g in goals for s in g.steps}
    names = await staff_names(uow, staff_ids)
    people += await _responsible_outside_home(uow, goals, people, names)
    return CasePage(
        case=case,
        home=home,
        today=today,
        age=_age(case.birth_date, today),
        operator_name=names.get(case.reference_operator_id or 0),
        consents=consents,
        links=links,
        programmes=_programmes(goals),
        dropped_goals=[g for g in goals if g.status is GoalStatus.DROPPED],
        upcoming=sorted((a for a in appointments if a.starts_at > now), key=lambda a: a.starts_at),
        past=[a for a in appointments if a.starts_at <= now][:20],
        open_flags=flags.open,
        closed_flags=flags.closed,
        open_requests=open_requests,
        handled_requests=handled,
        timeline=timeline[:timeline_limit],
        more_messages=len(timeline) > timeline_limit,
        flags_by_message=flags.by_message,
        staff_names=names,
        last_evaluation=last_evaluation,
        answer_reasons=_answer_reasons(uow, appointments),
        pending_confirmation=sum(
            1 for g in goals for s in g.steps if s.done_at is not None and s.confirmed_at is None
        ),
        can_message=consents[0].valid and bool(links) and case.status is not CaseStatus.CLOSED,
        notes=await notes.notes_of(uow, case.id),
        phase_history=list(reversed(await phases.history(uow, case.id, home))),
        handovers=await handovers_of(uow, case.id),
        people=people,
        progress=progress_by_programme(goals),
        activity=activity,
        period_start=evaluations.period_start_of(case, home, last_evaluation),
    )


async def _active_links(uow: UnitOfWork, case_id: int) -> list[ChatLink]:
    return list(
        await uow.session.scalars(
            select(ChatLink)
            .where(ChatLink.adolescent_id == case_id, ChatLink.active)
            .order_by(ChatLink.linked_at.desc())
        )
    )


async def _goals(uow: UnitOfWork, case_id: int) -> list[Goal]:
    """The plan's goals with their steps (none without a plan)."""
    plan = await uow.session.scalar(
        select(LifePlan)
        .where(LifePlan.adolescent_id == case_id)
        .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
    )
    return list(plan.goals) if plan else []


def _programmes(goals: list[Goal]) -> list[ProgrammeGoals]:
    """The goals not dropped, by programme and horizon; an optional programme only
    once it is begun."""
    by_programme: dict[Programme, list[Goal]] = defaultdict(list)
    for goal in sorted(goals, key=lambda g: (HORIZONS.index(g.horizon), g.position, g.id)):
        if goal.status is not GoalStatus.DROPPED:
            by_programme[goal.programme].append(goal)
    return [
        ProgrammeGoals(p, by_programme.get(p, []))
        for p in PROGRAMMES
        if not p.optional or by_programme.get(p)
    ]


@dataclass(slots=True)
class _CaseFlags:
    open: list[FlagView]
    closed: list[FlagView]
    by_message: dict[int, list[Flag]]


async def _case_flags(
    uow: UnitOfWork,
    actor: StaffActor,
    case_id: int,
    all_flags: list[Flag],
    timeline: list[TimelineEntry],
) -> _CaseFlags:
    """The flags with the words they were raised on: from the timeline shown, else
    read for them. The kept words of an erased chat only for coordinators."""
    bodies = {entry.id: entry.body for entry in timeline}
    missing = {
        f.message_id for f in all_flags if f.message_id is not None and f.message_id not in bodies
    }
    bodies.update(await _message_bodies(uow, case_id, missing))
    by_message: dict[int, list[Flag]] = defaultdict(list)
    for flag in all_flags:
        if flag.message_id is not None:
            by_message[flag.message_id].append(flag)
    coordinates = actor.role is Role.COORDINATOR

    def flag_view(flag: Flag) -> FlagView:
        message = bodies.get(flag.message_id) if flag.message_id else None
        return FlagView(flag, message, flag.kept_words if coordinates else None)

    open_flags = sorted(
        (flag_view(f) for f in all_flags if f.status is not FlagStatus.RESOLVED),
        key=lambda v: (v.flag.severity.rank, v.flag.created_at),
    )
    closed = [flag_view(f) for f in all_flags if f.status is FlagStatus.RESOLVED][:20]
    return _CaseFlags(open_flags, closed, dict(by_message))


async def _case_requests(
    uow: UnitOfWork, case_id: int
) -> tuple[list[OperatorRequest], list[RequestView], list[RequestView]]:
    """The last 40 requests; of them the open ones (urgent first, then the oldest)
    and the last 10 handled."""
    rows = list(
        await uow.session.scalars(
            select(OperatorRequest)
            .where(OperatorRequest.adolescent_id == case_id)
            .order_by(OperatorRequest.created_at.desc())
            .limit(40)
        )
    )
    open_requests = [
        RequestView(r, requests.message_of(uow, r))
        for r in sorted(rows, key=lambda r: (r.urgency is not Urgency.URGENT, r.created_at))
        if r.status is RequestStatus.OPEN
    ]
    handled = [
        RequestView(r, requests.message_of(uow, r))
        for r in rows
        if r.status is not RequestStatus.OPEN
    ][:10]
    return rows, open_requests, handled


def _answer_reasons(uow: UnitOfWork, appointments: list[Appointment]) -> dict[int, str]:
    """The reasons given with the answers to appointments, by answer."""
    return {
        c.id: appointment_service.reason_of(uow, c)
        for a in appointments
        for c in a.confirmations
        if c.reason_ciphertext is not None
    }


async def _responsible_outside_home(
    uow: UnitOfWork, goals: list[Goal], people: list[Person], names: dict[int, str]
) -> list[Person]:
    """Staff responsible for a step who are not among the home's people (since moved on)."""
    roles = await staff_roles(uow, {s.responsible_staff_id for g in goals for s in g.steps})
    known = {p.id for p in people}
    return [Person(i, names.get(i, ""), role) for i, role in roles.items() if i not in known]


@dataclass(slots=True)
class TimelinePage:
    case: Adolescent
    home: Home
    entries: list[TimelineEntry]
    more: bool
    flags_by_message: dict[int, list[Flag]]
    staff_names: dict[int, str]


async def older_messages(
    uow: UnitOfWork, actor: StaffActor, case_id: int, *, before_id: int | None, limit: int
) -> TimelinePage:
    case = await case_for_staff(uow, actor, case_id)
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    entries = await message_service.timeline(uow, case.id, limit=limit + 1, before_id=before_id)
    more = len(entries) > limit
    entries = entries[:limit]
    ids = [e.id for e in entries]
    flags_by_message: dict[int, list[Flag]] = defaultdict(list)
    if ids:
        for flag in await uow.session.scalars(select(Flag).where(Flag.message_id.in_(ids))):
            if flag.message_id is not None:
                flags_by_message[flag.message_id].append(flag)
    names = await staff_names(uow, {e.staff_id for e in entries})
    return TimelinePage(case, home, entries, more, dict(flags_by_message), names)


async def _message_bodies(uow: UnitOfWork, case_id: int, ids: set[int]) -> dict[int, str]:
    wanted = sorted(ids)
    if not wanted:
        return {}
    rows = await uow.session.execute(
        select(Message.id, Message.body_ciphertext).where(
            Message.adolescent_id == case_id, Message.id.in_(wanted)
        )
    )
    return {row[0]: uow.cipher.decrypt(row[1]) for row in rows}


def _age(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
