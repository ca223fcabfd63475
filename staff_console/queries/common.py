"""What every page's queries share: the actor's scope, how a row names its case,
a section of a longer list, each home's today, and staff names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
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

from plan_store.enums import CaseStatus, FlagStatus, Role, Severity
from plan_store.models import Adolescent, Flag, Home, Staff
from plan_store.services.access import StaffActor, scope_cases
from plan_store.unit_of_work import UnitOfWork

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
Q = TypeVar("Q", bound=AnySelect)

ACTIVE_FLAG = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
SEVERITY_ORDER = case(*[(Flag.severity == s, s.rank) for s in Severity], else_=len(Severity))


def scoped(query: Q, actor: StaffActor) -> Q:
    """Narrow any query that has ``Adolescent`` among its tables to ``actor``'s cases."""
    return cast(Q, scope_cases(cast(Any, query), actor))


def per_case(
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


def case_ref(row: Any) -> CaseRef:
    return CaseRef(id=row[0], alias=row[1], case_number=row[2], timezone=row[3])


def open_cases(query: Q, subject: Any, actor: StaffActor) -> Q:
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


async def section_rows(uow: UnitOfWork, query: AnySelect, limit: int) -> tuple[list[Any], int]:
    """The first ``limit`` rows, and how many there are in all: the total rides
    along as a window count, one pass over the rows, not two."""
    counted = query.add_columns(func.count().over()).limit(limit)
    rows = list((await uow.session.execute(counted)).all())
    return [tuple(row[:-1]) for row in rows], int(rows[0][-1]) if rows else 0


async def home_days(uow: UnitOfWork, now: datetime) -> dict[str, date]:
    """Today in each time zone homes use (a handful), so "due" follows each home's calendar."""
    zones = await uow.session.scalars(select(Home.timezone).distinct())
    return {zone: now.astimezone(ZoneInfo(zone)).date() for zone in zones}


def per_zone(days: dict[str, date], condition: Any) -> Any:
    clauses = [and_(Home.timezone == zone, condition(today)) for zone, today in days.items()]
    return or_(*clauses) if clauses else false()


def aware(value: Any) -> datetime | None:
    """Subquery columns lose the UTC type on SQLite; give them their zone back."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo("UTC"))


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


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
