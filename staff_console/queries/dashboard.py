"""The dashboard: urgent items first, then every section that needs someone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, case, func, or_, select

from plan_store.enums import (
    AppointmentStatus,
    CaseStatus,
    FlagStatus,
    RequestStatus,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import (
    Adolescent,
    Appointment,
    ChatLink,
    Flag,
    Home,
    OperatorRequest,
)
from plan_store.services import appointments as appointment_service
from plan_store.services.access import StaffActor
from plan_store.services.appointments import Start, StartTimes
from plan_store.unit_of_work import UnitOfWork
from staff_console.options import ConsoleOptions
from staff_console.queries.care_limits import (
    CaseloadWarning,
    PhaseWarning,
    caseload_warnings,
    phase_warnings,
)
from staff_console.queries.common import (
    ACTIVE_FLAG,
    CASE_COLUMNS,
    CaseRef,
    Section,
    aware,
    case_ref,
    home_days,
    open_cases,
    per_zone,
    scoped,
    section_rows,
)
from staff_console.queries.flags import FlagRow, flag_section
from staff_console.queries.handovers import HandoverItem, handovers_for


@dataclass(frozen=True, slots=True)
class UrgentItem:
    kind: str  # "flag" or "request"
    id: int
    case: CaseRef
    topic: StrEnum
    since: datetime
    acknowledged: bool = False


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
    urgent: Section[UrgentItem]
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
            not self.urgent.total
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


async def urgent_items(uow: UnitOfWork, actor: StaffActor, limit: int) -> Section[UrgentItem]:
    """Urgent flags not yet resolved and urgent requests still open: the first
    ``limit``, those nobody has seen yet first, then the longest waiting; and how many
    there are in all."""
    flag_rows, flag_total = await section_rows(
        uow,
        open_cases(
            select(Flag.id, Flag.category, Flag.created_at, Flag.status, *CASE_COLUMNS).where(
                Flag.severity == Severity.URGENT, Flag.status.in_(ACTIVE_FLAG)
            ),
            Flag.adolescent_id,
            actor,
        ).order_by(Flag.status == FlagStatus.ACKNOWLEDGED, Flag.created_at),
        limit,
    )
    request_rows, request_total = await section_rows(
        uow,
        open_cases(
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
        ).order_by(OperatorRequest.created_at),
        limit,
    )
    items = [
        UrgentItem(
            "flag", r[0], case_ref(r[4:]), r[1], r[2], acknowledged=r[3] is FlagStatus.ACKNOWLEDGED
        )
        for r in flag_rows
    ]
    items += [UrgentItem("request", r[0], case_ref(r[3:]), r[1], r[2]) for r in request_rows]
    items.sort(key=lambda item: (item.acknowledged, item.since))
    return Section(items[:limit], flag_total + request_total)


EXPANDED_SECTION = 300
"""Rows a dashboard section shows when asked for all of it ("y 36 más")."""
EXPANDABLE = ("urgent", "requests", "unconfirmed", "missed", "unrecorded", "silent")
"""Sections without a page of their own: the dashboard lists them whole on request."""


def rows_shown(name: str, options: ConsoleOptions, expand: str = "") -> int:
    """How many rows the section ``name`` lists when ``expand`` names the one listed whole."""
    if name == expand:
        return EXPANDED_SECTION
    return options.urgent_limit if name == "urgent" else options.section_limit


async def dashboard(
    uow: UnitOfWork, actor: StaffActor, now: datetime, options: ConsoleOptions, expand: str = ""
) -> Dashboard:
    """``expand`` names one section (``EXPANDABLE``) to list whole."""

    def limit_for(name: str) -> int:
        return rows_shown(name, options, expand)

    overdue, due = await _evaluations(uow, actor, now, options)
    appointments = AppointmentSections(uow, actor, now, options, limit_for)
    return Dashboard(
        handovers=await handovers_for(uow, actor),
        phase_warnings=await phase_warnings(uow, actor, now),
        caseload_warnings=await caseload_warnings(uow, actor),
        urgent=await urgent_items(uow, actor, limit_for("urgent")),
        flags=await flag_section(
            uow, actor, options.section_limit, Flag.severity != Severity.URGENT
        ),
        requests=await _open_requests(uow, actor, limit_for("requests")),
        evaluations_overdue=overdue,
        evaluations_due=due,
        unconfirmed=await appointments.unconfirmed(),
        missed=await appointments.missed(),
        unrecorded=await appointments.unrecorded(),
        silent=await _silent(uow, actor, now, options, limit_for("silent")),
    )


async def _open_requests(uow: UnitOfWork, actor: StaffActor, limit: int) -> Section[RequestRow]:
    """Requests still open that are not urgent (the urgent ones lead the page), oldest first."""
    query = open_cases(
        select(
            OperatorRequest.id, OperatorRequest.reason, OperatorRequest.created_at, *CASE_COLUMNS
        ).where(
            OperatorRequest.status == RequestStatus.OPEN,
            OperatorRequest.urgency != Urgency.URGENT,
        ),
        OperatorRequest.adolescent_id,
        actor,
    ).order_by(OperatorRequest.created_at)
    rows, total = await section_rows(uow, query, limit)
    return Section([RequestRow(r[0], case_ref(r[3:]), r[1], r[2]) for r in rows], total)


APPOINTMENT_COLUMNS = (
    Appointment.id,
    Appointment.kind,
    Appointment.title,
    Appointment.starts_at,
    Appointment.status,
    *CASE_COLUMNS,
)


class AppointmentSections:
    """The three sections of appointments that need someone.

    ``starts_at`` is encrypted: the windows come from the index of start times,
    the rows (in the actor's scope) from the database, only those shown."""

    def __init__(
        self,
        uow: UnitOfWork,
        actor: StaffActor,
        now: datetime,
        options: ConsoleOptions,
        limit_for: Callable[[str], int],
    ) -> None:
        self.uow, self.actor, self.now, self.options = uow, actor, now, options
        self.limit_for = limit_for
        self._in_scope: tuple[StartTimes, Callable[[Start], bool]] | None = None

    async def unconfirmed(self) -> Section[AppointmentRow]:
        """Coming soon and not confirmed, or coming at all and refused or to be changed."""
        times, counted = await self._index()
        now = self.now
        found = times.matching(
            [AppointmentStatus.SCHEDULED],
            lambda s: now < s.starts_at and counted(s),
            since=now,
            until=now + self.options.unconfirmed_within,
        )
        found += times.matching(
            [AppointmentStatus.CANNOT_GO, AppointmentStatus.CHANGE_REQUESTED],
            lambda s: now < s.starts_at and counted(s),
            since=now,
        )
        found.sort(key=lambda pair: (pair[1].starts_at, pair[0]))
        return await self._section("unconfirmed", found)

    async def missed(self) -> Section[AppointmentRow]:
        """Missed within the look-back, latest first."""
        times, counted = await self._index()
        since = self.now - self.options.missed_lookback
        found = times.matching([AppointmentStatus.MISSED], counted, since=since)
        found.reverse()
        return await self._section("missed", found)

    async def unrecorded(self) -> Section[AppointmentRow]:
        """Past (by two hours) within the look-back, and nobody said whether she went."""
        times, counted = await self._index()
        since = self.now - self.options.missed_lookback
        until = self.now - timedelta(hours=2)
        found = times.matching(
            [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED],
            lambda s: s.starts_at < until and counted(s),
            since=since,
            until=until,
        )
        found.reverse()
        return await self._section("unrecorded", found)

    async def _index(self) -> tuple[StartTimes, Callable[[Start], bool]]:
        """The index of start times, and whether an appointment's case is open and in
        the actor's scope (read once). An admin's scope is every case, and cases are
        never deleted: only the closed ones are read, fewer than the open ones."""
        if self._in_scope is None:
            times = await appointment_service.start_times(self.uow)
            counted: Callable[[Start], bool]
            if self.actor.role is Role.ADMIN:
                closed = set(
                    await self.uow.session.scalars(
                        select(Adolescent.id).where(Adolescent.status == CaseStatus.CLOSED)
                    )
                )
                counted = lambda s: s.adolescent_id not in closed  # noqa: E731
            else:
                open_cases_in_scope = scoped(
                    select(Adolescent.id).where(Adolescent.status != CaseStatus.CLOSED),
                    self.actor,
                )
                in_scope = set(await self.uow.session.scalars(open_cases_in_scope))
                counted = lambda s: s.adolescent_id in in_scope  # noqa: E731
            self._in_scope = times, counted
        return self._in_scope

    async def _section(self, name: str, found: list[tuple[int, Start]]) -> Section[AppointmentRow]:
        shown = [row_id for row_id, _ in found[: self.limit_for(name)]]
        query = open_cases(
            select(*APPOINTMENT_COLUMNS).where(Appointment.id.in_(shown or [0])),
            Appointment.adolescent_id,
            self.actor,
        )
        by_id = {r[0]: r for r in (await self.uow.session.execute(query)).all()}
        rows = [by_id[row_id] for row_id in shown if row_id in by_id]
        return Section(
            [AppointmentRow(r[0], case_ref(r[5:]), r[1], r[2], r[3], r[4]) for r in rows],
            len(found),
        )


async def _evaluations(
    uow: UnitOfWork, actor: StaffActor, now: datetime, options: ConsoleOptions
) -> tuple[Section[EvaluationRow], Section[EvaluationRow]]:
    """Overdue and due soon, each home by its own calendar. Both totals come from one
    count over the cases due by the latest of those days (a window count would sort
    every overdue case, alias and all, to show ten); the rows, ten of each, from the
    index of due dates."""
    days = await home_days(uow, now)
    within = timedelta(days=options.evaluation_due_within_days)
    due_on = Adolescent.next_evaluation_on
    overdue = per_zone(days, lambda today: due_on < today)
    due = per_zone(days, lambda today: due_on.between(today, today + within))
    cases = scoped(
        select(*CASE_COLUMNS)
        .join(Home, Home.id == Adolescent.home_id)
        .where(Adolescent.status == CaseStatus.IN_CARE, due_on.is_not(None)),
        actor,
    )
    last_day = max(days.values(), default=now.date()) + within
    totals = (
        await uow.session.execute(
            cases.with_only_columns(
                func.count(case((overdue, 1))), func.count(case((due, 1)))
            ).where(due_on <= last_day)
        )
    ).one()
    sections = []
    for condition, total in zip((overdue, due), totals, strict=True):
        rows = await uow.session.execute(
            cases.add_columns(due_on)
            .where(condition)
            .order_by(due_on, Adolescent.id)
            .limit(options.section_limit)
        )
        sections.append(
            Section([EvaluationRow(case_ref(r), r[4], days[r[3]]) for r in rows], int(total))
        )
    return sections[0], sections[1]


async def _silent(
    uow: UnitOfWork, actor: StaffActor, now: datetime, options: ConsoleOptions, limit: int
) -> Section[SilentRow]:
    """Linked adolescents who have written nothing for a long time (or never, since linking).

    Each case keeps the time of her latest message (``last_inbound_at``, written with
    it), so this reads the cases and their chat links, never the messages."""
    cutoff = now - options.silent_after
    last_inbound = Adolescent.last_inbound_at
    linked_at = func.min(ChatLink.linked_at)
    listed = (
        scoped(
            select(*CASE_COLUMNS, last_inbound, linked_at.label("linked_at"))
            .join(Home, Home.id == Adolescent.home_id)
            .join(ChatLink, and_(ChatLink.adolescent_id == Adolescent.id, ChatLink.active))
            .where(
                Adolescent.status != CaseStatus.CLOSED,
                ChatLink.linked_at < cutoff,
                or_(last_inbound.is_(None), last_inbound < cutoff),
            ),
            actor,
        )
        .group_by(*CASE_COLUMNS, last_inbound)
        .subquery()
    )
    # The total rides along as a window count: one pass over the cases, not two.
    query = (
        select(listed, func.count().over().label("total"))
        .order_by(func.coalesce(listed.c.last_inbound_at, listed.c.linked_at), listed.c.id)
        .limit(limit)
    )
    rows = list((await uow.session.execute(query)).all())
    return Section(
        [SilentRow(case_ref(r[0:4]), aware(r[4]), aware(r[4]) or aware(r[5]) or now) for r in rows],
        int(rows[0][6]) if rows else 0,
    )
