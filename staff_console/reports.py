"""Reports: how a home is doing month by month, for coordination (their home) and
admins (any home, or all). Each chart is SVG drawn here, shown with its table, and
the same numbers download as CSV. Counts only: no names, no words, no case numbers.

The numbers are counted in Python over the period's rows: one home, or one country,
over six months is a few thousand rows, read once per visit.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import N_, Translator, format_date
from plan_store.enums import (
    AppointmentKind,
    AppointmentStatus,
    GoalStatus,
    MessageDirection,
    Role,
)
from plan_store.errors import NotFound
from plan_store.models import (
    Adolescent,
    Alert,
    Appointment,
    Evaluation,
    FollowUpCheckin,
    Goal,
    Home,
    LifePlan,
    Message,
    Step,
)
from plan_store.services import audit
from plan_store.services.access import StaffActor, scope_cases
from plan_store.unit_of_work import UnitOfWork
from staff_console.charts import Chart, Series
from staff_console.context import Page, staff_endpoint
from staff_console.guards import COORDINATORS_AND_ADMINS, only
from staff_console.labels import label

MONTHS = 6


@dataclass(frozen=True, slots=True)
class Report:
    home: Home | None
    homes: list[tuple[int, str]]
    months: list[date]
    charts: list[Chart]
    timezone: str


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first day of the last ``count`` months, oldest first, this month included."""
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(found))


def _cases(actor: StaffActor, home_id: int | None) -> Select[Any]:
    query = scope_cases(select(Adolescent.id), actor)
    if home_id is not None:
        query = query.where(Adolescent.home_id == home_id)
    return query


@dataclass(frozen=True, slots=True)
class _Period:
    """The months a report covers, in the report's time zone, over the cases it counts."""

    t: Translator
    zone: ZoneInfo
    months: list[date]
    labels: list[str]
    cases: Any
    """The ids of the cases counted, as a subquery."""

    @property
    def since(self) -> datetime:
        return datetime.combine(self.months[0], time(), self.zone)

    @property
    def keys(self) -> list[tuple[int, int]]:
        return [(m.year, m.month) for m in self.months]

    def month_of(self, moment: datetime | date) -> tuple[int, int]:
        day = moment.astimezone(self.zone).date() if isinstance(moment, datetime) else moment
        return (day.year, day.month)

    def per_month(self, moments: list[Any]) -> list[float]:
        counted = Counter(self.month_of(m) for m in moments if m is not None)
        return [float(counted[k]) for k in self.keys]


async def build(
    uow: UnitOfWork, t: Translator, lang: str, actor: StaffActor, home_id: int | None, tz: str
) -> Report:
    zone = ZoneInfo(tz)
    months = month_starts(uow.now().astimezone(zone).date())
    period = _Period(
        t,
        zone,
        months,
        [format_date(m, lang, "MMM yyyy") for m in months],
        _cases(actor, home_id).scalar_subquery(),
    )
    charts = [
        await chart(uow, period)
        for chart in (
            _plan_chart,
            _appointments_chart,
            _alerts_chart,
            _evaluations_chart,
            _chats_chart,
            _follow_up_chart,
        )
    ]
    homes_query = select(Home.id, Home.name).order_by(Home.name, Home.id)
    if actor.role is not Role.ADMIN:
        homes_query = homes_query.where(Home.id == actor.home_id)
    homes = [(row[0], row[1]) for row in await uow.session.execute(homes_query)]
    home = await uow.session.get(Home, home_id) if home_id is not None else None
    return Report(home, homes, months, charts, tz)


async def _plan_chart(uow: UnitOfWork, period: _Period) -> Chart:
    t, cases, since = period.t, period.cases, period.since
    plan_items = select(Goal.id).join(LifePlan, LifePlan.id == Goal.plan_id)
    achieved = list(
        await uow.session.scalars(
            select(Goal.updated_at)
            .join(LifePlan, LifePlan.id == Goal.plan_id)
            .where(
                LifePlan.adolescent_id.in_(cases),
                Goal.status == GoalStatus.ACHIEVED,
                Goal.updated_at >= since,
            )
        )
    )
    confirmed = list(
        await uow.session.scalars(
            select(Step.confirmed_at).where(
                Step.goal_id.in_(plan_items.where(LifePlan.adolescent_id.in_(cases))),
                Step.confirmed_at >= since,
            )
        )
    )
    return Chart(
        "plan",
        t.gettext(N_("Metas logradas y pasos confirmados por mes")),
        period.labels,
        [
            Series(t.gettext(N_("Metas logradas")), period.per_month(achieved)),
            Series(t.gettext(N_("Pasos confirmados")), period.per_month(confirmed)),
        ],
    )


async def _appointments_chart(uow: UnitOfWork, period: _Period) -> Chart:
    t = period.t
    kept: dict[AppointmentKind, int] = defaultdict(int)
    missed: dict[AppointmentKind, int] = defaultdict(int)
    rows = await uow.session.execute(
        select(Appointment.kind, Appointment.status, Appointment.starts_at).where(
            Appointment.adolescent_id.in_(period.cases),
            Appointment.status.in_([AppointmentStatus.ATTENDED, AppointmentStatus.MISSED]),
        )
    )
    for kind, status, starts_at in rows:
        if starts_at < period.since:  # starts_at is encrypted: the window is applied here
            continue
        (kept if status is AppointmentStatus.ATTENDED else missed)[kind] += 1
    kinds = list(AppointmentKind)
    return Chart(
        "appointments",
        t.gettext(N_("Citas a las que fue y a las que faltó, por tipo (seis meses)")),
        [label(t, k) for k in kinds],
        [
            Series(t.gettext(N_("Fue")), [float(kept[k]) for k in kinds]),
            Series(t.gettext(N_("Faltó")), [float(missed[k]) for k in kinds]),
        ],
    )


async def _alerts_chart(uow: UnitOfWork, period: _Period) -> Chart:
    t, keys = period.t, period.keys
    raised = await uow.session.execute(
        select(Alert.created_at, Alert.acknowledged_at).where(
            Alert.adolescent_id.in_(period.cases), Alert.created_at >= period.since
        )
    )
    waits: dict[tuple[int, int], list[float]] = defaultdict(list)
    for created, acknowledged in raised:
        if acknowledged is not None:
            waits[period.month_of(created)].append((acknowledged - created).total_seconds() / 60)
    return Chart(
        "alerts",
        t.gettext(N_("Minutos hasta que alguien vio una alerta urgente, por mes")),
        period.labels,
        [
            Series(t.gettext(N_("Mediana")), [_rank(waits[k], 0.5) for k in keys]),
            Series(t.gettext(N_("9 de cada 10, a lo más")), [_rank(waits[k], 0.9) for k in keys]),
        ],
        note=t.gettext(N_("Cuenta las alertas que alguien vio; las que esperan aún, no.")),
    )


async def _evaluations_chart(uow: UnitOfWork, period: _Period) -> Chart:
    t = period.t
    held = await uow.session.execute(
        select(Evaluation.adolescent_id, Evaluation.held_on, Evaluation.next_on)
        .where(Evaluation.adolescent_id.in_(period.cases))
        .order_by(Evaluation.adolescent_id, Evaluation.held_on, Evaluation.id)
    )
    on_time: list[date] = []
    late: list[date] = []
    due: dict[int, date] = {}
    for case_id, held_on, next_on in held:
        if held_on >= period.months[0] and case_id in due:
            (on_time if held_on <= due[case_id] else late).append(held_on)
        due[case_id] = next_on
    return Chart(
        "evaluations",
        t.gettext(N_("Evaluaciones a tiempo y tarde por mes")),
        period.labels,
        [
            Series(t.gettext(N_("A tiempo")), period.per_month(on_time)),
            Series(t.gettext(N_("Tarde")), period.per_month(late)),
        ],
        note=t.gettext(N_("La primera evaluación de cada caso no cuenta: no tenía fecha.")),
    )


async def _chats_chart(uow: UnitOfWork, period: _Period) -> Chart:
    t = period.t
    writing = await uow.session.execute(
        select(Message.adolescent_id, Message.created_at).where(
            Message.adolescent_id.in_(period.cases),
            Message.direction == MessageDirection.INBOUND,
            Message.created_at >= period.since,
        )
    )
    active: dict[tuple[int, int], set[int]] = defaultdict(set)
    for case_id, at in writing:
        active[period.month_of(at)].add(case_id)
    return Chart(
        "chats",
        t.gettext(N_("Chats activos por mes (adolescentes que escribieron)")),
        period.labels,
        [Series(t.gettext(N_("Chats activos")), [float(len(active[k])) for k in period.keys])],
    )


async def _follow_up_chart(uow: UnitOfWork, period: _Period) -> Chart:
    t = period.t
    checkins = list(
        await uow.session.execute(
            select(FollowUpCheckin.sent_at, FollowUpCheckin.answered_at).where(
                FollowUpCheckin.adolescent_id.in_(period.cases),
                FollowUpCheckin.sent_at >= period.since,
            )
        )
    )
    return Chart(
        "follow_up",
        t.gettext(N_("Seguimiento después del cuidado: preguntas enviadas y respondidas")),
        period.labels,
        [
            Series(t.gettext(N_("Enviadas")), period.per_month([s for s, _ in checkins])),
            Series(t.gettext(N_("Respondidas")), period.per_month([a for _, a in checkins])),
        ],
    )


def _rank(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` fall (nearest rank), rounded to
    a tenth of a minute; 0 when there is none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def _home_id(page: Page) -> int | None:
    """Coordination sees its home; an admin the home chosen (``?home=``), or all."""
    if page.me.role is not Role.ADMIN:
        return page.me.home_id
    value = page.request.query_params.get("home", "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


async def _report(page: Page) -> Report:
    home_id = _home_id(page)
    async with page.uow() as uow:
        tz = page.console.options.timezone
        if home_id is not None:
            home = await uow.session.get(Home, home_id)
            if home is None:
                raise NotFound(f"no home {home_id}")
            tz = home.timezone
        report = await build(uow, page.t, page.lang, page.actor, home_id, tz)
        audit.record(
            uow, "report.read", staff_id=page.me.id, target=f"home:{home_id}" if home_id else ""
        )
        await uow.commit()
    return report


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def reports_page(page: Page) -> Response:
    report = await _report(page)
    query = page.request.url.query
    return page.render(
        "reports.html", report=report, csv_url="/reports.csv" + (f"?{query}" if query else "")
    )


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def reports_csv(page: Page) -> Response:
    report = await _report(page)
    out = io.StringIO()
    writer = csv.writer(out)
    t = page.t
    # Translators: the column headings of the reports' CSV file.
    writer.writerow(
        [t.gettext("Gráfica"), t.gettext("Categoría"), t.gettext("Serie"), t.gettext("Valor")]
    )
    for chart in report.charts:
        for series in chart.series:
            for category, value in zip(chart.categories, series.values, strict=True):
                writer.writerow([chart.title, category, series.name, f"{value:g}"])
    name = f"rumbo-reportes-{report.home.id if report.home else 'todas'}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"', **page.extra_headers},
    )


routes: list[BaseRoute] = [
    Route("/reports", reports_page, methods=["GET"]),
    Route("/reports.csv", reports_csv, methods=["GET"]),
]
