"""The care model's limits on the dashboard: time in a phase, adolescents per operator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from plan_store.enums import CaseStatus, Phase, Role
from plan_store.models import Adolescent, Home, PhaseChange, Staff
from plan_store.services import phases
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from staff_console.queries.common import CASE_COLUMNS, CaseRef, aware, case_ref, per_case, scoped


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
    (or have passed it), the most overdue first. Limits are each home's setting.

    The database keeps the cases near the shortest limit any home sets for their
    phase, as bare numbers; each home's own limit is checked here, and only the
    cases that warn are read again with their (encrypted) alias."""
    limits = await _phase_limits(uow, actor)
    shortest: dict[Phase, int] = {}
    for per_phase in limits.values():
        for phase, home_days in per_phase.items():
            shortest[phase] = min(home_days, shortest.get(phase, home_days))
    if not shortest:
        return []
    started = per_case(
        func.max(PhaseChange.started_at),
        PhaseChange.adolescent_id,
        PhaseChange.phase == Adolescent.phase,
    ).scalar_subquery()
    near = or_(
        *(
            and_(Adolescent.phase == phase, started <= now + phases.WARN_BEFORE - timedelta(days))
            for phase, days in shortest.items()
        )
    )
    in_care = await uow.session.execute(
        scoped(
            select(Adolescent.id, Adolescent.home_id, Adolescent.phase, started).where(
                Adolescent.status == CaseStatus.IN_CARE, near
            ),
            actor,
        )
    )
    ends: dict[int, tuple[Phase, datetime, int]] = {}
    for case_id, home_id, phase, stored_since in in_care:
        days = limits.get(home_id, {}).get(phase)
        since = aware(stored_since)
        if days is None or since is None:
            continue
        if since + timedelta(days=days) - phases.WARN_BEFORE <= now:
            ends[case_id] = (phase, since, days)
    if not ends:
        return []
    refs = await uow.session.execute(
        select(*CASE_COLUMNS)
        .join(Home, Home.id == Adolescent.home_id)
        .where(Adolescent.id.in_(sorted(ends)))
    )
    found = []
    for ref in refs:
        phase, since, days = ends[ref[0]]
        zone = ZoneInfo(ref[3])
        found.append(
            PhaseWarning(
                case_ref(ref),
                phase,
                since,
                days,
                (since + timedelta(days=days)).astimezone(zone).date(),
                now.astimezone(zone).date(),
            )
        )
    found.sort(key=lambda w: (w.ends_on, w.case.id))
    return found[:limit]


async def _phase_limits(uow: UnitOfWork, actor: StaffActor) -> dict[int, dict[Phase, int]]:
    """The limits of each home ``actor`` sees a case of, by home (homes that store the
    same limits share them)."""
    homes = select(Home.id, Home.phase_limits)
    if actor.role is not Role.ADMIN:
        homes = homes.where(Home.id.in_(scoped(select(Adolescent.home_id), actor)))
    parsed: dict[str, dict[Phase, int]] = {}
    limits = {}
    for home_id, stored in await uow.session.execute(homes):
        key = json.dumps(stored, sort_keys=True)
        if key not in parsed:
            parsed[key] = phases.limits_from(stored)
        limits[home_id] = parsed[key]
    return limits


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
