"""Read queries for the console pages: plain selects over the plan_store models.

Every query over cases is narrowed with ``plan_store.services.access.scope_cases``
(operators: their caseload; coordinators: their home; admins: everything). A case
page is read through ``case_for_staff``, which audits the read. Nothing here writes,
except the audit entries those reads leave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from plan_store.enums import (
    AppointmentStatus,
    CaseStatus,
    ConsentPurpose,
    FlagStatus,
    GoalStatus,
    Horizon,
    MessageDirection,
    Phase,
    Programme,
    RequestStatus,
    Role,
    Severity,
    Urgency,
)
from plan_store.errors import NotFound
from plan_store.models import (
    Adolescent,
    Appointment,
    ChatLink,
    Evaluation,
    Flag,
    Goal,
    Handover,
    Home,
    LifePlan,
    Message,
    OperatorRequest,
    PhaseChange,
    Staff,
    Step,
)
from plan_store.services import appointments as appointment_service
from plan_store.services import consent, evaluations, notes, phases, plans, requests
from plan_store.services import flags as flag_service
from plan_store.services import messages as message_service
from plan_store.services.access import StaffActor, case_for_staff, scope_cases
from plan_store.services.cases import local_today
from plan_store.services.consent import ConsentState
from plan_store.services.messages import TimelineEntry
from plan_store.services.notes import NoteView
from plan_store.services.phases import PhaseSpan
from plan_store.unit_of_work import UnitOfWork
from staff_console.activity import Event, ProgrammeProgress, progress_by_programme
from staff_console.activity import period as activity_period
from staff_console.options import ConsoleOptions

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
Q = TypeVar("Q", bound=AnySelect)

ACTIVE_FLAG = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
SEVERITY_ORDER = case(*[(Flag.severity == s, s.rank) for s in Severity], else_=len(Severity))


def scoped(query: Q, actor: StaffActor) -> Q:
    """Narrow any query that has ``Adolescent`` among its tables to ``actor``'s cases."""
    return cast(Q, scope_cases(cast(Any, query), actor))


def _per_case(
    what: SQLColumnExpression[T],
    case_id: SQLColumnExpression[int],
    *conditions: ColumnElement[bool],
) -> Select[T]:
    """``what`` over the rows whose ``case_id`` is the enclosing query's ``Adolescent``
    and that meet ``conditions``: a correlated subquery, to end with ``.exists()`` or
    ``.scalar_subquery()``."""
    return select(what).where(case_id == Adolescent.id, *conditions).correlate(Adolescent)


@dataclass(frozen=True, slots=True)
class CaseRef:
    id: int
    alias: str
    case_number: str
    timezone: str


CASE_COLUMNS = (Adolescent.id, Adolescent.alias, Adolescent.case_number, Home.timezone)


def _ref(row: Any) -> CaseRef:
    return CaseRef(id=row[0], alias=row[1], case_number=row[2], timezone=row[3])


def _open_cases(query: Q, subject: Any, actor: StaffActor) -> Q:
    """Join the case (``subject`` is the row's adolescent id) and its home; keep the
    cases in ``actor``'s scope that are not closed."""
    return scoped(
        query.join(Adolescent, Adolescent.id == subject)
        .join(Home, Home.id == Adolescent.home_id)
        .where(Adolescent.status != CaseStatus.CLOSED),
        actor,
    )


@dataclass(slots=True)
class Section(Generic[T]):
    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


async def _section(
    uow: UnitOfWork, query: AnySelect, limit: int, *, counted: AnySelect | None = None
) -> tuple[list[Any], int]:
    """The first ``limit`` rows, and how many there are in all (``counted`` is a
    cheaper query with the same rows, when the listed columns are costly)."""
    rows = list((await uow.session.execute(query.limit(limit))).all())
    if len(rows) < limit:
        return rows, len(rows)
    counted = query if counted is None else counted
    count_query = select(func.count()).select_from(counted.order_by(None).subquery())
    return rows, int(await uow.session.scalar(count_query) or 0)


# --- Dashboard -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UrgentItem:
    kind: str  # "flag" or "request"
    id: int
    case: CaseRef
    topic: StrEnum
    since: datetime
    acknowledged: bool = False


@dataclass(frozen=True, slots=True)
class FlagRow:
    id: int
    case: CaseRef
    category: StrEnum
    severity: Severity
    status: FlagStatus
    created_at: datetime
    marked_for_evaluation: bool


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    case: CaseRef
    reason: StrEnum
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EvaluationRow:
    case: CaseRef
    due_on: date
    today: date

    @property
    def days_late(self) -> int:
        return (self.today - self.due_on).days


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    id: int
    case: CaseRef
    kind: StrEnum
    title: str
    starts_at: datetime
    status: AppointmentStatus


@dataclass(frozen=True, slots=True)
class SilentRow:
    case: CaseRef
    last_inbound_at: datetime | None
    quiet_since: datetime


@dataclass(slots=True)
class Dashboard:
    urgent: list[UrgentItem]
    flags: Section[FlagRow]
    requests: Section[RequestRow]
    evaluations_overdue: Section[EvaluationRow]
    evaluations_due: Section[EvaluationRow]
    unconfirmed: Section[AppointmentRow]
    missed: Section[AppointmentRow]
    unrecorded: Section[AppointmentRow]
    silent: Section[SilentRow]
    handovers: list[HandoverItem] = field(default_factory=list)
    phase_warnings: list[PhaseWarning] = field(default_factory=list)
    caseload_warnings: list[CaseloadWarning] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        warnings = self.handovers or self.phase_warnings or self.caseload_warnings
        return (
            not self.urgent
            and not warnings
            and all(
                not s.total
                for s in (
                    self.flags,
                    self.requests,
                    self.evaluations_overdue,
                    self.evaluations_due,
                    self.unconfirmed,
                    self.missed,
                    self.unrecorded,
                    self.silent,
                )
            )
        )


async def urgent_items(uow: UnitOfWork, actor: StaffActor, *, limit: int = 100) -> list[UrgentItem]:
    """Urgent flags not yet resolved and urgent requests still open, longest waiting first."""
    flag_rows = await uow.session.execute(
        _open_cases(
            select(Flag.id, Flag.category, Flag.created_at, Flag.status, *CASE_COLUMNS).where(
                Flag.severity == Severity.URGENT, Flag.status.in_(ACTIVE_FLAG)
            ),
            Flag.adolescent_id,
            actor,
        )
        .order_by(Flag.created_at)
        .limit(limit)
    )
    request_rows = await uow.session.execute(
        _open_cases(
            select(
                OperatorRequest.id,
                OperatorRequest.reason,
                OperatorRequest.created_at,
                *CASE_COLUMNS,
            ).where(
                OperatorRequest.status == RequestStatus.OPEN,
                OperatorRequest.urgency == Urgency.URGENT,
            ),
            OperatorRequest.adolescent_id,
            actor,
        )
        .order_by(OperatorRequest.created_at)
        .limit(limit)
    )
    items = [
        UrgentItem(
            "flag", r[0], _ref(r[4:]), r[1], r[2], acknowledged=r[3] is FlagStatus.ACKNOWLEDGED
        )
        for r in flag_rows
    ]
    items += [UrgentItem("request", r[0], _ref(r[3:]), r[1], r[2]) for r in request_rows]
    items.sort(key=lambda item: (item.acknowledged, item.since))
    return items[:limit]


EXPANDED_SECTION = 300
"""Rows a dashboard section shows when asked for all of it ("y 36 más")."""
EXPANDABLE = ("requests", "unconfirmed", "missed", "unrecorded", "silent")
"""Sections without a page of their own: the dashboard lists them whole on request."""


async def dashboard(
    uow: UnitOfWork, actor: StaffActor, now: datetime, options: ConsoleOptions, expand: str = ""
) -> Dashboard:
    """``expand`` names one section (``EXPANDABLE``) to list whole."""

    def limit_for(name: str) -> int:
        return EXPANDED_SECTION if name == expand else options.section_limit

    urgent = await urgent_items(uow, actor)

    flags = await _flag_section(uow, actor, options.section_limit, Flag.severity != Severity.URGENT)

    request_query = _open_cases(
        select(
            OperatorRequest.id, OperatorRequest.reason, OperatorRequest.created_at, *CASE_COLUMNS
        ).where(
            OperatorRequest.status == RequestStatus.OPEN,
            OperatorRequest.urgency != Urgency.URGENT,
        ),
        OperatorRequest.adolescent_id,
        actor,
    ).order_by(OperatorRequest.created_at)
    rows, total = await _section(uow, request_query, limit_for("requests"))
    open_requests = Section([RequestRow(r[0], _ref(r[3:]), r[1], r[2]) for r in rows], total)

    overdue, due = await _evaluations(uow, actor, now, options)

    appointment_columns = (
        Appointment.id,
        Appointment.kind,
        Appointment.title,
        Appointment.starts_at,
        Appointment.status,
        *CASE_COLUMNS,
    )

    # ``starts_at`` is encrypted: the windows come from the index of start times,
    # the rows (in the actor's scope) from the database, only those shown.
    times = await appointment_service.start_times(uow)
    in_scope = set(
        await uow.session.scalars(
            scoped(select(Adolescent.id).where(Adolescent.status != CaseStatus.CLOSED), actor)
        )
    )

    async def appointment_section(
        name: str,
        statuses: list[AppointmentStatus],
        keep: Callable[[AppointmentStatus, datetime], bool],
        *,
        latest_first: bool,
    ) -> Section[AppointmentRow]:
        found = times.matching(statuses, lambda s: keep(s.status, s.starts_at), in_scope)
        if latest_first:
            found.reverse()
        shown = [row_id for row_id, _ in found[: limit_for(name)]]
        query = _open_cases(
            select(*appointment_columns).where(Appointment.id.in_(shown or [0])),
            Appointment.adolescent_id,
            actor,
        )
        by_id = {r[0]: r for r in (await uow.session.execute(query)).all()}
        rows = [by_id[row_id] for row_id in shown if row_id in by_id]
        return Section(
            [AppointmentRow(r[0], _ref(r[5:]), r[1], r[2], r[3], r[4]) for r in rows],
            len(found),
        )

    unconfirmed = await appointment_section(
        "unconfirmed",
        [
            AppointmentStatus.SCHEDULED,
            AppointmentStatus.CANNOT_GO,
            AppointmentStatus.CHANGE_REQUESTED,
        ],
        lambda status, starts_at: (
            now < starts_at
            and (
                status is not AppointmentStatus.SCHEDULED
                or starts_at <= now + options.unconfirmed_within
            )
        ),
        latest_first=False,
    )
    missed = await appointment_section(
        "missed",
        [AppointmentStatus.MISSED],
        lambda _, starts_at: starts_at >= now - options.missed_lookback,
        latest_first=True,
    )
    unrecorded = await appointment_section(
        "unrecorded",
        [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED],
        lambda _, starts_at: now - options.missed_lookback <= starts_at < now - timedelta(hours=2),
        latest_first=True,
    )

    silent = await _silent(uow, actor, now, options, limit_for("silent"))
    return Dashboard(
        handovers=await handovers_for(uow, actor),
        phase_warnings=await phase_warnings(uow, actor, now),
        caseload_warnings=await caseload_warnings(uow, actor),
        urgent=urgent,
        flags=flags,
        requests=open_requests,
        evaluations_overdue=overdue,
        evaluations_due=due,
        unconfirmed=unconfirmed,
        missed=missed,
        unrecorded=unrecorded,
        silent=silent,
    )


async def _home_days(uow: UnitOfWork, now: datetime) -> dict[str, date]:
    """Today in each time zone homes use (a handful), so "due" follows each home's calendar."""
    zones = await uow.session.scalars(select(Home.timezone).distinct())
    return {zone: now.astimezone(ZoneInfo(zone)).date() for zone in zones}


def _per_zone(days: dict[str, date], condition: Any) -> Any:
    clauses = [and_(Home.timezone == zone, condition(today)) for zone, today in days.items()]
    return or_(*clauses) if clauses else false()


async def _evaluations(
    uow: UnitOfWork, actor: StaffActor, now: datetime, options: ConsoleOptions
) -> tuple[Section[EvaluationRow], Section[EvaluationRow]]:
    days = await _home_days(uow, now)
    base = scoped(
        select(Adolescent.next_evaluation_on, *CASE_COLUMNS)
        .join(Home, Home.id == Adolescent.home_id)
        .where(Adolescent.status == CaseStatus.IN_CARE, Adolescent.next_evaluation_on.is_not(None)),
        actor,
    ).order_by(Adolescent.next_evaluation_on, Adolescent.id)
    within = timedelta(days=options.evaluation_due_within_days)
    sections = []
    for condition in (
        lambda today: Adolescent.next_evaluation_on < today,
        lambda today: Adolescent.next_evaluation_on.between(today, today + within),
    ):
        rows, total = await _section(
            uow, base.where(_per_zone(days, condition)), options.section_limit
        )
        sections.append(
            Section([EvaluationRow(_ref(r[1:]), r[0], days[r[4]]) for r in rows], total)
        )
    return sections[0], sections[1]


async def _silent(
    uow: UnitOfWork, actor: StaffActor, now: datetime, options: ConsoleOptions, limit: int
) -> Section[SilentRow]:
    """Linked adolescents who have written nothing for a long time (or never, since linking).

    ``NOT EXISTS`` a recent inbound message is one index probe per case, so the
    cases that write (most of them) cost almost nothing; the last message date is
    looked up only for the silent ones."""
    cutoff = now - options.silent_after
    inbound = Message.direction == MessageDirection.INBOUND
    recent = _per_case(
        Message.id, Message.adolescent_id, Message.created_at >= cutoff, inbound
    ).exists()
    last_inbound = _per_case(
        func.max(Message.created_at), Message.adolescent_id, inbound
    ).scalar_subquery()
    linked_at = func.min(ChatLink.linked_at)
    silent = scoped(
        select(Adolescent.id)
        .join(Home, Home.id == Adolescent.home_id)
        .join(ChatLink, and_(ChatLink.adolescent_id == Adolescent.id, ChatLink.active))
        .where(Adolescent.status != CaseStatus.CLOSED, ChatLink.linked_at < cutoff, ~recent),
        actor,
    )
    listed = (
        silent.with_only_columns(
            *CASE_COLUMNS, last_inbound.label("last_inbound"), linked_at.label("linked_at")
        )
        .group_by(*CASE_COLUMNS)
        .subquery()
    )
    # The total rides along as a window count: one pass over the cases, not two.
    query = (
        select(listed, func.count().over().label("total"))
        .order_by(func.coalesce(listed.c.last_inbound, listed.c.linked_at), listed.c.id)
        .limit(limit)
    )
    rows = list((await uow.session.execute(query)).all())
    return Section(
        [SilentRow(_ref(r[0:4]), _aware(r[4]), _aware(r[4]) or _aware(r[5]) or now) for r in rows],
        int(rows[0][6]) if rows else 0,
    )


def _aware(value: Any) -> datetime | None:
    """Subquery columns lose the UTC type on SQLite; give them their zone back."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo("UTC"))


# --- The care model's limits: time in a phase, adolescents per operator ---------------


@dataclass(frozen=True, slots=True)
class PhaseWarning:
    case: CaseRef
    phase: Phase
    started_at: datetime
    limit_days: int
    ends_on: date
    today: date

    @property
    def days_left(self) -> int:
        return (self.ends_on - self.today).days


async def phase_warnings(
    uow: UnitOfWork, actor: StaffActor, now: datetime, *, limit: int = 200
) -> list[PhaseWarning]:
    """Cases in care that pass their phase's time limit within ``phases.WARN_BEFORE``
    (or have passed it), the most overdue first. Limits are each home's setting."""
    started = _per_case(
        func.max(PhaseChange.started_at),
        PhaseChange.adolescent_id,
        PhaseChange.phase == Adolescent.phase,
    ).scalar_subquery()
    rows = await uow.session.execute(
        scoped(
            select(Adolescent.phase, Home.phase_limits, started, *CASE_COLUMNS)
            .join(Home, Home.id == Adolescent.home_id)
            .where(Adolescent.status == CaseStatus.IN_CARE),
            actor,
        )
    )
    found = []
    for phase, stored, since, *ref in rows:
        days = phases.limits_from(stored).get(phase)
        since = _aware(since)
        if days is None or since is None:
            continue
        zone = ZoneInfo(ref[3])
        ends = since + timedelta(days=days)
        if ends - phases.WARN_BEFORE <= now:
            found.append(
                PhaseWarning(
                    _ref(ref),
                    phase,
                    since,
                    days,
                    ends.astimezone(zone).date(),
                    now.astimezone(zone).date(),
                )
            )
    found.sort(key=lambda w: (w.ends_on, w.case.id))
    return found[:limit]


@dataclass(frozen=True, slots=True)
class CaseloadWarning:
    staff_id: int
    name: str
    home_name: str
    cases: int
    ratio: int


async def caseload_warnings(uow: UnitOfWork, actor: StaffActor) -> list[CaseloadWarning]:
    """Reference operators holding more open cases than their home's ratio (the care
    model's one operator for eight adolescents, unless the home says otherwise).
    An operator sees her own; coordination and the team their home; admins all."""
    held = (
        select(func.count(Adolescent.id))
        .where(
            Adolescent.reference_operator_id == Staff.id,
            Adolescent.status != CaseStatus.CLOSED,
        )
        .correlate(Staff)
        .scalar_subquery()
    )
    query = (
        select(Staff.id, Staff.display_name, Home.name, held, Home.caseload_ratio)
        .join(Home, Home.id == Staff.home_id)
        .where(Staff.role == Role.OPERATOR, Staff.active, held > Home.caseload_ratio)
    )
    if actor.role is Role.OPERATOR:
        query = query.where(Staff.id == actor.id)
    elif actor.role is not Role.ADMIN:
        query = query.where(Staff.home_id == actor.home_id)
    rows = await uow.session.execute(query)
    found = [CaseloadWarning(*row) for row in rows]
    found.sort(key=lambda w: (-(w.cases - w.ratio), w.name.casefold()))
    return found


@dataclass(frozen=True, slots=True)
class HandoverItem:
    id: int
    case: CaseRef
    created_at: datetime


async def handovers_for(uow: UnitOfWork, actor: StaffActor) -> list[HandoverItem]:
    """Cases handed to ``actor`` whose handover note she has not read yet."""
    rows = await uow.session.execute(
        _open_cases(
            select(Handover.id, Handover.created_at, *CASE_COLUMNS).where(
                Handover.to_staff_id == actor.id, Handover.read_at.is_(None)
            ),
            Handover.adolescent_id,
            actor,
        ).order_by(Handover.created_at)
    )
    return [HandoverItem(r[0], _ref(r[2:]), r[1]) for r in rows]


# --- Lists ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    alias: str
    case_number: str
    phase: StrEnum
    care_setting: StrEnum
    status: CaseStatus
    next_evaluation_on: date | None
    home_name: str
    operator_name: str | None
    open_flags: int
    open_requests: int


@dataclass(slots=True)
class CaseList:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


async def caseload(
    uow: UnitOfWork,
    actor: StaffActor,
    *,
    status: CaseStatus | None,
    page: int,
    per_page: int,
) -> CaseList:
    open_flags = _per_case(
        func.count(Flag.id), Flag.adolescent_id, Flag.status.in_(ACTIVE_FLAG)
    ).scalar_subquery()
    open_requests = _per_case(
        func.count(OperatorRequest.id),
        OperatorRequest.adolescent_id,
        OperatorRequest.status == RequestStatus.OPEN,
    ).scalar_subquery()
    query = scoped(
        select(
            Adolescent.id,
            Adolescent.alias,
            Adolescent.case_number,
            Adolescent.phase,
            Adolescent.care_setting,
            Adolescent.status,
            Adolescent.next_evaluation_on,
            Home.name,
            Staff.display_name,
            open_flags,
            open_requests,
        )
        .join(Home, Home.id == Adolescent.home_id)
        .outerjoin(Staff, Staff.id == Adolescent.reference_operator_id),
        actor,
    )
    if status is not None:
        query = query.where(Adolescent.status == status)
    # The alias is encrypted: the order (and so the page) is chosen here.
    keys = (
        await uow.session.execute(query.with_only_columns(Adolescent.id, Adolescent.alias))
    ).all()
    ordered = [r[0] for r in sorted(keys, key=lambda r: (r[1].casefold(), r[1], r[0]))]
    total = len(ordered)
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    wanted = ordered[(page - 1) * per_page : page * per_page]
    position = {case_id: n for n, case_id in enumerate(wanted)}
    found = await uow.session.execute(query.where(Adolescent.id.in_(wanted or [0])))
    rows = sorted(found.all(), key=lambda r: position[r[0]])
    return CaseList([CaseRow(*row) for row in rows], total, page, pages)


async def case_id_by_number(uow: UnitOfWork, case_number: str) -> int:
    found = await uow.session.scalar(
        select(Adolescent.id).where(Adolescent.case_number == case_number.strip().upper())
    )
    if found is None:
        raise NotFound("no such case number")
    return int(found)


async def active_flags(uow: UnitOfWork, actor: StaffActor, *, limit: int = 200) -> Section[FlagRow]:
    return await _flag_section(uow, actor, limit)


async def _flag_section(
    uow: UnitOfWork, actor: StaffActor, limit: int, *conditions: ColumnElement[bool]
) -> Section[FlagRow]:
    """Open and acknowledged flags (that also meet ``conditions``) of the open cases in
    ``actor``'s scope, the most severe first, then the oldest."""
    query = _open_cases(
        select(
            Flag.id,
            Flag.category,
            Flag.severity,
            Flag.status,
            Flag.created_at,
            Flag.marked_for_evaluation,
            *CASE_COLUMNS,
        ).where(Flag.status.in_(ACTIVE_FLAG), *conditions),
        Flag.adolescent_id,
        actor,
    ).order_by(SEVERITY_ORDER, Flag.created_at)
    rows, total = await _section(uow, query, limit)
    return Section([FlagRow(r[0], _ref(r[6:]), r[1], r[2], r[3], r[4], r[5]) for r in rows], total)


# --- One case ------------------------------------------------------------------------

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


@dataclass(frozen=True, slots=True)
class HandoverView:
    id: int
    from_name: str | None
    to_staff_id: int
    to_name: str
    by_name: str
    note: str
    created_at: datetime
    read_at: datetime | None


async def handovers_of(uow: UnitOfWork, case_id: int, *, limit: int = 5) -> list[HandoverView]:
    """The case's handovers, newest first, with their notes."""
    rows = list(
        await uow.session.scalars(
            select(Handover)
            .where(Handover.adolescent_id == case_id)
            .order_by(Handover.created_at.desc(), Handover.id.desc())
            .limit(limit)
        )
    )
    names = await staff_names(
        uow, {i for r in rows for i in (r.from_staff_id, r.to_staff_id, r.by_staff_id)}
    )
    return [
        HandoverView(
            id=r.id,
            from_name=names.get(r.from_staff_id or 0),
            to_staff_id=r.to_staff_id,
            to_name=names.get(r.to_staff_id, ""),
            by_name=names.get(r.by_staff_id, ""),
            note=uow.cipher.decrypt(r.note_ciphertext),
            created_at=r.created_at,
            read_at=r.read_at,
        )
        for r in rows
    ]


async def case_page(
    uow: UnitOfWork, actor: StaffActor, case_id: int, *, timeline_limit: int
) -> CasePage:
    """Everything the progress mirror shows. The read is audited (``case.read``)."""
    case = await case_for_staff(uow, actor, case_id)
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    today = local_today(uow, home)
    consents = [await consent.state(uow, case, purpose) for purpose in ConsentPurpose]
    links = list(
        await uow.session.scalars(
            select(ChatLink)
            .where(ChatLink.adolescent_id == case.id, ChatLink.active)
            .order_by(ChatLink.linked_at.desc())
        )
    )
    plan = await uow.session.scalar(
        select(LifePlan)
        .where(LifePlan.adolescent_id == case.id)
        .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
    )
    goals = list(plan.goals) if plan else []
    by_programme: dict[Programme, list[Goal]] = defaultdict(list)
    for goal in sorted(goals, key=lambda g: (HORIZONS.index(g.horizon), g.position, g.id)):
        if goal.status is not GoalStatus.DROPPED:
            by_programme[goal.programme].append(goal)
    appointments = await appointment_service.with_history(uow, case.id)
    now = uow.now()
    upcoming = sorted((a for a in appointments if a.starts_at > now), key=lambda a: a.starts_at)
    past = [a for a in appointments if a.starts_at <= now][:20]
    all_flags = await flag_service.for_case(uow, case.id)
    timeline = await message_service.timeline(uow, case.id, limit=timeline_limit + 1)
    more = len(timeline) > timeline_limit
    timeline = timeline[:timeline_limit]
    bodies = {entry.id: entry.body for entry in timeline}
    missing = {
        f.message_id for f in all_flags if f.message_id is not None and f.message_id not in bodies
    }
    bodies.update(await _message_bodies(uow, case.id, missing))
    flags_by_message: dict[int, list[Flag]] = defaultdict(list)
    for flag in all_flags:
        if flag.message_id is not None:
            flags_by_message[flag.message_id].append(flag)

    coordinates = actor.role is Role.COORDINATOR

    def flag_view(flag: Flag) -> FlagView:
        message = bodies.get(flag.message_id) if flag.message_id else None
        return FlagView(flag, message, flag.kept_words if coordinates else None)

    open_flags = sorted(
        (flag_view(f) for f in all_flags if f.status is not FlagStatus.RESOLVED),
        key=lambda v: (v.flag.severity.rank, v.flag.created_at),
    )
    closed_flags = [flag_view(f) for f in all_flags if f.status is FlagStatus.RESOLVED][:20]
    request_rows = list(
        await uow.session.scalars(
            select(OperatorRequest)
            .where(OperatorRequest.adolescent_id == case.id)
            .order_by(OperatorRequest.created_at.desc())
            .limit(40)
        )
    )
    open_requests = [
        RequestView(r, requests.message_of(uow, r))
        for r in sorted(request_rows, key=lambda r: (r.urgency is not Urgency.URGENT, r.created_at))
        if r.status is RequestStatus.OPEN
    ]
    handled = [
        RequestView(r, requests.message_of(uow, r))
        for r in request_rows
        if r.status is not RequestStatus.OPEN
    ][:10]
    staff_ids = {case.reference_operator_id} | {e.staff_id for e in timeline}
    staff_ids |= {s.confirmed_by_id for g in goals for s in g.steps}
    staff_ids |= {c.by_staff_id for a in appointments for c in a.confirmations}
    answer_reasons = {
        c.id: appointment_service.reason_of(uow, c)
        for a in appointments
        for c in a.confirmations
        if c.reason_ciphertext is not None
    }
    staff_ids |= {f.acknowledged_by_id for f in all_flags} | {f.resolved_by_id for f in all_flags}
    staff_ids |= {r.handled_by_id for r in request_rows}
    people = [
        Person(p.id, p.display_name, p.role) for p in await plans.responsible_people(uow, home.id)
    ]
    last_evaluation = await evaluations.last_of(uow, case.id)
    period_start = evaluations.period_start_of(case, home, last_evaluation)
    since = evaluations.period_since(case, home, last_evaluation)
    activity = await activity_period(uow, case.id, since, now)
    staff_ids |= {p.id for p in people} | {e.staff_id for e in activity}
    staff_ids |= {s.responsible_staff_id for g in goals for s in g.steps}
    names = await staff_names(uow, staff_ids)
    roles = await staff_roles(uow, {s.responsible_staff_id for g in goals for s in g.steps})
    people += [
        Person(i, names.get(i, ""), role)
        for i, role in roles.items()
        if i not in {p.id for p in people}
    ]
    messaging = consents[0]
    return CasePage(
        case=case,
        home=home,
        today=today,
        age=_age(case.birth_date, today),
        operator_name=names.get(case.reference_operator_id or 0),
        consents=consents,
        links=links,
        programmes=[
            ProgrammeGoals(p, by_programme.get(p, []))
            for p in PROGRAMMES
            if not p.optional or by_programme.get(p)  # an optional route once it is begun
        ],
        dropped_goals=[g for g in goals if g.status is GoalStatus.DROPPED],
        upcoming=upcoming,
        past=past,
        open_flags=open_flags,
        closed_flags=closed_flags,
        open_requests=open_requests,
        handled_requests=handled,
        timeline=timeline,
        more_messages=more,
        flags_by_message=dict(flags_by_message),
        staff_names=names,
        last_evaluation=await evaluations.last_of(uow, case.id),
        answer_reasons=answer_reasons,
        pending_confirmation=sum(
            1 for g in goals for s in g.steps if s.done_at is not None and s.confirmed_at is None
        ),
        can_message=messaging.valid and bool(links) and case.status is not CaseStatus.CLOSED,
        notes=await notes.notes_of(uow, case.id),
        phase_history=list(reversed(await phases.history(uow, case.id, home))),
        handovers=await handovers_of(uow, case.id),
        people=people,
        progress=progress_by_programme(goals),
        activity=activity,
        period_start=period_start,
    )


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


async def staff_roles(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, Role]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await uow.session.execute(select(Staff.id, Staff.role).where(Staff.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


async def staff_names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await uow.session.execute(
        select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted))
    )
    return {row[0]: row[1] for row in rows}


def _age(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- Whose is this? ------------------------------------------------------------------

_OWNERS: dict[type[Any], Any] = {
    Appointment: Appointment.adolescent_id,
    Flag: Flag.adolescent_id,
    Message: Message.adolescent_id,
    OperatorRequest: OperatorRequest.adolescent_id,
}


async def owner_of(uow: UnitOfWork, model: type[Any], object_id: int) -> int | None:
    """The adolescent a goal, step, appointment, flag, message or request belongs to."""
    if model is Goal:
        query = (
            select(LifePlan.adolescent_id)
            .join(Goal, Goal.plan_id == LifePlan.id)
            .where(Goal.id == object_id)
        )
    elif model is Step:
        query = (
            select(LifePlan.adolescent_id)
            .join(Goal, Goal.plan_id == LifePlan.id)
            .join(Step, Step.goal_id == Goal.id)
            .where(Step.id == object_id)
        )
    else:
        column = _OWNERS[model]
        query = select(column).where(model.id == object_id)
    found = await uow.session.scalar(query)
    return int(found) if found is not None else None


async def require_owned(
    uow: UnitOfWork, actor: StaffActor, case_id: int, model: type[Any], object_id: int
) -> None:
    """Refuse, as not found, a case out of scope or an object that is not this case's.
    When the object belongs to a case outside the caller's scope, that attempt is
    audited too."""
    await case_for_staff(uow, actor, case_id, purpose="reach")
    owner = await owner_of(uow, model, object_id)
    if owner == case_id:
        return
    if owner is not None:
        await case_for_staff(uow, actor, owner, purpose="probe")
    raise NotFound(f"no {model.__name__} {object_id} in case {case_id}")


async def require_owned_case(uow: UnitOfWork, actor: StaffActor, case_id: int) -> None:
    """The case must be in scope before anything about it is read (audited if not)."""
    await case_for_staff(uow, actor, case_id, purpose="reach")


# --- Evaluations ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardRow:
    case: CaseRef
    due_on: date
    today: date
    last_held_on: date | None
    operator_name: str | None

    @property
    def days_late(self) -> int:
        return (self.today - self.due_on).days


async def evaluation_board(
    uow: UnitOfWork, actor: StaffActor, now: datetime, *, within_days: int, limit: int = 300
) -> list[BoardRow]:
    """Cases in care whose evaluation is overdue or due within ``within_days``."""
    days = await _home_days(uow, now)
    last_held = _per_case(func.max(Evaluation.held_on), Evaluation.adolescent_id).scalar_subquery()
    query = scoped(
        select(Adolescent.next_evaluation_on, last_held, Staff.display_name, *CASE_COLUMNS)
        .join(Home, Home.id == Adolescent.home_id)
        .outerjoin(Staff, Staff.id == Adolescent.reference_operator_id)
        .where(
            Adolescent.status == CaseStatus.IN_CARE,
            Adolescent.next_evaluation_on.is_not(None),
            _per_zone(
                days,
                lambda today: Adolescent.next_evaluation_on <= today + timedelta(days=within_days),
            ),
        ),
        actor,
    )
    # The alias is encrypted: ties of the date are ordered here.
    found = (await uow.session.execute(query)).all()
    rows = sorted(found, key=lambda r: (r[0], r[4].casefold(), r[3]))[:limit]
    return [
        BoardRow(_ref(r[3:]), r[0] or days[r[6]], days[r[6]], _as_date(r[1]), r[2]) for r in rows
    ]


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class GoalReview:
    goal: Goal
    done_in_period: list[Step]
    confirmed_in_period: list[Step]
    overdue: list[Step]


@dataclass(frozen=True, slots=True)
class MarkedMessage:
    id: int
    body: str
    created_at: datetime
    inbound: bool


@dataclass(slots=True)
class EvaluationSheet:
    case: Adolescent
    home: Home
    today: date
    period_start: date
    last: Evaluation | None
    operator_name: str | None
    goals: list[GoalReview]
    appointments: list[Appointment]
    attendance: dict[AppointmentStatus, int]
    flags_in_period: list[Flag]
    marked_flags: list[FlagView]
    marked_messages: list[MarkedMessage]
    requests_in_period: list[OperatorRequest]
    inbound_count: int
    next_default: date
    activity: list[Event] = field(default_factory=list)
    staff_names: dict[int, str] = field(default_factory=dict)
    progress: list[ProgrammeProgress] = field(default_factory=list)


async def evaluation_sheet(uow: UnitOfWork, actor: StaffActor, case_id: int) -> EvaluationSheet:
    """What happened since the last evaluation: the preparation sheet. Audited read."""
    case = await case_for_staff(uow, actor, case_id)
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    today = local_today(uow, home)
    last = await evaluations.last_of(uow, case.id)
    period_start = evaluations.period_start_of(case, home, last)
    since = evaluations.period_since(case, home, last)
    now = uow.now()
    plan = await uow.session.scalar(
        select(LifePlan)
        .where(LifePlan.adolescent_id == case.id)
        .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
    )
    reviews = [
        GoalReview(
            goal=goal,
            done_in_period=[s for s in goal.steps if s.done_at and s.done_at >= since],
            confirmed_in_period=[
                s for s in goal.steps if s.confirmed_at and s.confirmed_at >= since
            ],
            overdue=[s for s in goal.steps if s.done_at is None and s.due_on and s.due_on < today],
        )
        for goal in sorted(
            plan.goals if plan else [],
            key=lambda g: (PROGRAMMES.index(g.programme), HORIZONS.index(g.horizon), g.position),
        )
        if goal.status is not GoalStatus.DROPPED
    ]
    period_appointments = sorted(
        (
            a
            for a in await uow.session.scalars(
                select(Appointment).where(Appointment.adolescent_id == case.id)
            )
            if since <= a.starts_at <= now
        ),
        key=lambda a: (a.starts_at, a.id),
    )
    attendance: dict[AppointmentStatus, int] = defaultdict(int)
    for appointment in period_appointments:
        attendance[appointment.status] += 1
    all_flags = await flag_service.for_case(uow, case.id)
    marked = [f for f in all_flags if f.marked_for_evaluation]
    marked_ids = {f.message_id for f in marked if f.message_id is not None}
    message_rows = list(
        await uow.session.scalars(
            select(Message)
            .where(
                Message.adolescent_id == case.id,
                or_(Message.marked_for_evaluation, Message.id.in_(sorted(marked_ids) or [0])),
            )
            .order_by(Message.created_at)
        )
    )
    bodies = {m.id: uow.cipher.decrypt(m.body_ciphertext) for m in message_rows}
    inbound_count = await uow.session.scalar(
        select(func.count(Message.id)).where(
            Message.adolescent_id == case.id,
            Message.direction == MessageDirection.INBOUND,
            Message.created_at >= since,
        )
    )
    period_requests = list(
        await uow.session.scalars(
            select(OperatorRequest)
            .where(OperatorRequest.adolescent_id == case.id, OperatorRequest.created_at >= since)
            .order_by(OperatorRequest.created_at)
        )
    )
    events = await activity_period(uow, case.id, since, now)
    names = await staff_names(uow, {case.reference_operator_id} | {e.staff_id for e in events})
    return EvaluationSheet(
        case=case,
        home=home,
        today=today,
        period_start=period_start,
        last=last,
        operator_name=names.get(case.reference_operator_id or 0),
        goals=reviews,
        appointments=period_appointments,
        attendance=dict(attendance),
        flags_in_period=[f for f in all_flags if f.created_at >= since],
        marked_flags=[FlagView(f, bodies.get(f.message_id or 0)) for f in marked],
        marked_messages=[
            MarkedMessage(m.id, bodies[m.id], m.created_at, m.direction is MessageDirection.INBOUND)
            for m in message_rows
            if m.marked_for_evaluation
        ],
        requests_in_period=period_requests,
        inbound_count=int(inbound_count or 0),
        next_default=today + timedelta(days=home.evaluation_cadence_days),
        activity=events,
        staff_names=names,
        progress=progress_by_programme(list(plan.goals) if plan else []),
    )
