"""The alerts as the console shows them: those open, those of one person's pages,
and how long alerts waited for a person, per home."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update

from plan_store.enums import AlertChannel, Severity
from plan_store.models import Adolescent, Alert, AlertDelivery, Staff
from plan_store.services import alert_deliveries, duty
from plan_store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenAlert:
    id: int
    adolescent_id: int
    case_number: str
    home_id: int
    category: str
    severity: Severity
    created_at: datetime
    step: int

    def waiting(self, now: datetime) -> timedelta:
        return now - self.created_at


def _open_alerts_query(home_ids: Sequence[int] | None) -> Select[Alert, str]:
    query = (
        select(Alert, Adolescent.case_number)
        .join(Adolescent, Adolescent.id == Alert.adolescent_id)
        .where(Alert.acknowledged_at.is_(None))
        .order_by(Alert.created_at)
    )
    if home_ids is not None:
        query = query.where(Alert.home_id.in_(home_ids))
    return query


def _open(alert: Alert, case_number: str) -> OpenAlert:
    return OpenAlert(
        id=alert.id,
        adolescent_id=alert.adolescent_id,
        case_number=case_number,
        home_id=alert.home_id,
        category=alert.category,
        severity=alert.severity,
        created_at=alert.created_at,
        step=alert.step,
    )


async def open_alerts(uow: UnitOfWork, home_ids: Sequence[int] | None = None) -> list[OpenAlert]:
    """Every unacknowledged alert (of ``home_ids``), oldest first."""
    rows = (await uow.session.execute(_open_alerts_query(home_ids))).all()
    return [_open(alert, number) for alert, number in rows]


async def live_for(uow: UnitOfWork, staff_id: int) -> list[OpenAlert]:
    """The open alerts for this person's console: those told to her, and while she is
    on duty every open alert of her home. The first time a page of hers shows one,
    its console delivery is sent; asking marks her console as open."""
    told_to_her = select(AlertDelivery.alert_id).where(
        AlertDelivery.staff_id == staff_id,
        AlertDelivery.channel == AlertChannel.CONSOLE,
    )
    member = await uow.session.get(Staff, staff_id)
    if (
        member is not None
        and member.home_id is not None
        and await duty.is_on_duty(uow, staff_id, member.home_id)
    ):
        query = _open_alerts_query(None).where(
            or_(Alert.id.in_(told_to_her), Alert.home_id == member.home_id)
        )
    else:
        query = _open_alerts_query(None).where(Alert.id.in_(told_to_her))
    rows = (await uow.session.execute(query)).all()
    now = uow.now()
    await uow.session.execute(
        update(Staff)
        .where(
            Staff.id == staff_id,
            or_(
                Staff.console_seen_at.is_(None),
                Staff.console_seen_at < now - timedelta(seconds=20),
            ),
        )
        .values(console_seen_at=now)
    )
    if rows:
        await alert_deliveries.shown_on_console(uow, staff_id, [alert.id for alert, _ in rows])
    return [_open(alert, number) for alert, number in rows]


@dataclass(frozen=True, slots=True)
class AckTimes:
    home_id: int
    acknowledged: int
    median: timedelta | None
    p90: timedelta | None


def _rank(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    index = max(0, math.ceil(fraction * len(values)) - 1)
    return values[index]


async def ack_times(
    uow: UnitOfWork, home_ids: Sequence[int], since: datetime
) -> dict[int, AckTimes]:
    """Per home: how long alerts raised since ``since`` waited for a person."""
    rows = (
        await uow.session.execute(
            select(Alert.home_id, Alert.created_at, Alert.acknowledged_at).where(
                Alert.home_id.in_(home_ids),
                Alert.created_at >= since,
                Alert.acknowledged_at.is_not(None),
            )
        )
    ).all()
    waits: dict[int, list[float]] = {home_id: [] for home_id in home_ids}
    for home_id, created, acknowledged in rows:
        if acknowledged is None:
            continue
        waits[home_id].append((acknowledged - created).total_seconds())
    result = {}
    for home_id, values in waits.items():
        values.sort()
        result[home_id] = AckTimes(
            home_id=home_id,
            acknowledged=len(values),
            median=timedelta(seconds=_rank(values, 0.5)) if values else None,
            p90=timedelta(seconds=_rank(values, 0.9)) if values else None,
        )
    return result
