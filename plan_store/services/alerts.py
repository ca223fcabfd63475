"""Alerts: every urgent flag or urgent request reaches a person on duty.

``raise_alert`` is called by ``flags.raise_flag`` and ``requests.create`` in their
own transaction: the alert, its first recipients and one delivery per recipient and
channel are written with the flag or request, and an ``AlertRaised`` event wakes the
dispatcher after the commit. Delivery happens from the database (``claim_deliveries``
/ ``record_delivery``, with a lease like the outbox), so a crash between the commit
and the send loses nothing and sends nothing twice.

Who is told (``AlertStep``): at once, whoever is on duty in the home (when nobody
reachable is, the case's backup, then the coordinators, so that somebody is); after
the home's first delay, the backup and everyone on duty; after the second, the
coordinators; once that too has waited a first delay, the adolescent is given the
emergency numbers again. ``escalate_due`` moves each alert one step by a
compare-and-set on ``step``: each step happens once, whatever the workers.

An alert holds the case, a category and a severity, never the adolescent's words
or alias; so does everything sent about it.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.engine import CursorResult

from plan_store.enums import (
    AlertChannel,
    AlertStep,
    Channel,
    DeliveryStatus,
    FlagStatus,
    Severity,
)
from plan_store.errors import NotFound, OutOfScope
from plan_store.events import AlertAcknowledged, AlertEscalated, AlertRaised
from plan_store.models import (
    Adolescent,
    Alert,
    AlertDelivery,
    Flag,
    Home,
    Staff,
    StaffChat,
)
from plan_store.services import audit, duty
from plan_store.services.access import StaffActor, may_see
from plan_store.unit_of_work import UnitOfWork

ALERTING = frozenset({Severity.URGENT, Severity.HIGH})
"""Flag severities that raise an alert (the chat tells the adolescent a person is
told now for exactly these)."""
REQUEST_CATEGORY = "urgent_request"
MAX_ATTEMPTS = 8


# --- raising --------------------------------------------------------------------


async def raise_alert(
    uow: UnitOfWork,
    adolescent_id: int,
    *,
    category: str,
    severity: Severity,
    flag_id: int | None = None,
    request_id: int | None = None,
) -> Alert:
    """A new alert for the case, told to its first recipients; while an earlier alert
    of the case waits unacknowledged, that one (it is already escalating)."""
    waiting = await open_for_case(uow, adolescent_id)
    if waiting is not None:
        audit.record(
            uow,
            "alert.again",
            actor="system",
            adolescent_id=adolescent_id,
            target=f"alert:{waiting.id}",
            details={"category": category, "flag": flag_id, "request": request_id},
        )
        return waiting
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        raise NotFound(f"no case {adolescent_id}")
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    now = uow.now()
    alert = Alert(
        adolescent_id=case.id,
        home_id=case.home_id,
        flag_id=flag_id,
        request_id=request_id,
        category=category[:40],
        severity=severity,
        created_at=now,
        step=AlertStep.ON_DUTY,
        next_step_at=now + timedelta(minutes=home.alert_backup_minutes),
    )
    uow.session.add(alert)
    await uow.flush()
    told: list[Staff] = []
    for step in (AlertStep.ON_DUTY, AlertStep.BACKUP, AlertStep.COORDINATORS):
        told += await _recipients(uow, case, step)
        if await duty.reachable(uow, told):
            break  # somebody is really told; the later steps come on time
    await _deliver_to(uow, alert, told, AlertStep.ON_DUTY)
    audit.record(
        uow,
        "alert.raise",
        actor="system",
        adolescent_id=case.id,
        target=f"alert:{alert.id}",
        details={
            "category": alert.category,
            "severity": severity.value,
            "recipients": sorted({s.id for s in told}),
        },
    )
    uow.record(AlertRaised(alert.id, alert.home_id))
    return alert


async def _recipients(uow: UnitOfWork, case: Adolescent, step: AlertStep) -> list[Staff]:
    if step is AlertStep.ON_DUTY:
        return await duty.on_duty(uow, case.home_id)
    if step is AlertStep.BACKUP:
        people = []
        if case.backup_operator_id is not None:
            backup = await uow.session.get(Staff, case.backup_operator_id)
            if backup is not None and backup.active:
                people.append(backup)
        return people + await duty.on_duty(uow, case.home_id)
    if step is AlertStep.COORDINATORS:
        return await duty.coordinators(uow, case.home_id)
    return []


async def _deliver_to(uow: UnitOfWork, alert: Alert, staff: Iterable[Staff], step: int) -> int:
    """One delivery per person and channel she has, none twice; how many were added."""
    people = {member.id: member for member in staff}
    if not people:
        return 0
    chats = set(
        await uow.session.scalars(
            select(StaffChat.staff_id).where(
                StaffChat.staff_id.in_(people), StaffChat.channel == Channel.TELEGRAM
            )
        )
    )
    already = set(
        (row.staff_id, row.channel)
        for row in (
            await uow.session.execute(
                select(AlertDelivery.staff_id, AlertDelivery.channel).where(
                    AlertDelivery.alert_id == alert.id
                )
            )
        ).all()
    )
    now = uow.now()
    added = 0
    for member in people.values():
        channels = [AlertChannel.CONSOLE]
        if member.id in chats and AlertChannel.TELEGRAM in uow.alert_channels:
            channels.append(AlertChannel.TELEGRAM)
        if member.email and AlertChannel.EMAIL in uow.alert_channels:
            channels.append(AlertChannel.EMAIL)
        for channel in channels:
            if (member.id, channel) in already:
                continue
            uow.session.add(
                AlertDelivery(
                    alert_id=alert.id,
                    staff_id=member.id,
                    channel=channel,
                    step=step,
                    status=DeliveryStatus.PENDING,
                    not_before=now,
                    created_at=now,
                )
            )
            added += 1
    await uow.flush()
    return added


# --- reading --------------------------------------------------------------------


async def open_for_case(uow: UnitOfWork, adolescent_id: int) -> Alert | None:
    """The case's alert that waits for someone to acknowledge it, if any."""
    found: Alert | None = await uow.session.scalar(
        select(Alert)
        .where(Alert.adolescent_id == adolescent_id, Alert.acknowledged_at.is_(None))
        .order_by(Alert.id.desc())
        .limit(1)
    )
    return found


async def told(uow: UnitOfWork, alert_id: int) -> list[Staff]:
    """The people this alert really reaches: by Telegram or email, or on a console
    page they have open right now; by name."""
    delivered = select(AlertDelivery.staff_id).where(
        AlertDelivery.alert_id == alert_id,
        AlertDelivery.status != DeliveryStatus.FAILED,
    )
    # A subquery, not DISTINCT over the staff rows: PostgreSQL cannot compare their
    # JSON column (the recovery codes).
    rows = await uow.session.scalars(
        select(Staff).where(Staff.id.in_(delivered)).order_by(Staff.display_name)
    )
    people = list(rows)
    reached = await duty.reachable(uow, people)
    return [member for member in people if member.id in reached]


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
        await uow.session.execute(
            update(AlertDelivery)
            .where(
                AlertDelivery.staff_id == staff_id,
                AlertDelivery.channel == AlertChannel.CONSOLE,
                AlertDelivery.status == DeliveryStatus.PENDING,
                AlertDelivery.alert_id.in_([alert.id for alert, _ in rows]),
            )
            .values(status=DeliveryStatus.SENT, sent_at=uow.now(), attempts=1)
        )
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


# --- acknowledging ----------------------------------------------------------------


async def may_act(uow: UnitOfWork, actor: StaffActor, alert: Alert) -> tuple[bool, bool]:
    """Whether ``actor`` may open and act on ``alert``, and whether only because she is
    on duty in its home (an access audited as such)."""
    case = await uow.session.get(Adolescent, alert.adolescent_id)
    if case is None:
        return False, False
    if may_see(actor, case) or case.backup_operator_id == actor.id:
        return True, False
    told_to = await uow.session.scalar(
        select(func.count())
        .select_from(AlertDelivery)
        .where(AlertDelivery.alert_id == alert.id, AlertDelivery.staff_id == actor.id)
    )
    on_duty = actor.home_id == alert.home_id and await duty.is_on_duty(uow, actor.id, alert.home_id)
    if on_duty or told_to:
        return True, True
    return False, False


async def alert_for_staff(
    uow: UnitOfWork, actor: StaffActor, alert_id: int, *, purpose: str = "read"
) -> tuple[Alert, bool]:
    """The alert, if ``actor`` may act on it, and whether as on-duty access; audited."""
    alert = await uow.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    allowed, on_duty = await may_act(uow, actor, alert)
    if not allowed:
        await uow.commit_apart(
            audit.entry(
                uow,
                "alert.out_of_scope",
                staff_id=actor.id,
                adolescent_id=alert.adolescent_id,
                target=f"alert:{alert.id}",
                details={"purpose": purpose},
            )
        )
        raise OutOfScope(f"alert {alert_id} is outside the caller's scope")
    if purpose == "read":
        audit.record(
            uow,
            "alert.read",
            staff_id=actor.id,
            adolescent_id=alert.adolescent_id,
            target=f"alert:{alert.id}",
            details={"on_duty_access": on_duty},
        )
    return alert, on_duty


async def acknowledge(uow: UnitOfWork, actor: StaffActor, alert_id: int, *, via: str) -> Alert:
    """ "I see it": the first acknowledgement counts, a later one changes nothing.

    The flag behind the alert is acknowledged too, deliveries not yet sent are
    dropped, and the adolescent will be told (see ``to_tell_acknowledged``)."""
    alert, on_duty = await alert_for_staff(uow, actor, alert_id, purpose="change")
    if alert.acknowledged_at is not None:
        return alert
    now = uow.now()
    result = await uow.session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=actor.id, next_step_at=None)
        .execution_options(synchronize_session=False)
    )
    if _count(result) != 1:  # someone else was quicker
        await uow.session.refresh(alert)
        return alert
    await uow.session.refresh(alert)
    if alert.flag_id is not None:
        flag = await uow.session.get(Flag, alert.flag_id)
        if flag is not None and flag.status is FlagStatus.OPEN:
            flag.status = FlagStatus.ACKNOWLEDGED
            flag.acknowledged_at = now
            flag.acknowledged_by_id = actor.id
    await uow.session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.alert_id == alert.id,
            AlertDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, last_error="acknowledged before it went out")
    )
    audit.record(
        uow,
        "alert.acknowledge",
        staff_id=actor.id,
        adolescent_id=alert.adolescent_id,
        target=f"alert:{alert.id}",
        details={
            "via": via,
            "on_duty_access": on_duty,
            "seconds": int((now - alert.created_at).total_seconds()),
        },
    )
    uow.record(AlertAcknowledged(alert.id, actor.id))
    return alert


async def settle_for(
    uow: UnitOfWork, actor: StaffActor, *, flag_id: int | None = None, request_id: int | None = None
) -> None:
    """A flag acknowledged or a request handled in the console: its alert is seen."""
    condition = Alert.flag_id == flag_id if flag_id is not None else Alert.request_id == request_id
    ids = list(
        await uow.session.scalars(
            select(Alert.id).where(condition, Alert.acknowledged_at.is_(None))
        )
    )
    for alert_id in ids:
        await acknowledge(uow, actor, alert_id, via="console")


async def to_tell_acknowledged(uow: UnitOfWork, limit: int = 50) -> list[tuple[Alert, Staff]]:
    """Acknowledged alerts whose adolescent has not been told yet, with who saw them."""
    rows = (
        await uow.session.execute(
            select(Alert, Staff)
            .join(Staff, Staff.id == Alert.acknowledged_by_id)
            .where(Alert.acknowledged_at.is_not(None), Alert.ack_told_at.is_(None))
            .order_by(Alert.acknowledged_at)
            .limit(limit)
        )
    ).all()
    return [(alert, staff) for alert, staff in rows]


async def mark_told(uow: UnitOfWork, alert_id: int) -> bool:
    """Claim the telling of an acknowledgement: True for the one caller that gets it."""
    result = await uow.session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.ack_told_at.is_(None))
        .values(ack_told_at=uow.now())
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


# --- escalating -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escalated:
    alert_id: int
    adolescent_id: int
    step: AlertStep
    added: int
    """Deliveries added for the new recipients."""


async def escalate_due(uow: UnitOfWork, now: datetime | None = None) -> list[Escalated]:
    """Move every alert whose next step is due one step on; each step happens once."""
    now = now or uow.now()
    due = list(
        await uow.session.scalars(
            select(Alert)
            .where(Alert.acknowledged_at.is_(None), Alert.next_step_at <= now)
            .order_by(Alert.next_step_at)
            .limit(100)
        )
    )
    done = []
    for alert in due:
        home = await uow.session.get(Home, alert.home_id)
        case = await uow.session.get(Adolescent, alert.adolescent_id)
        if home is None or case is None:
            continue
        step = AlertStep(min(alert.step + 1, AlertStep.UNANSWERED))
        after = {
            AlertStep.BACKUP: home.alert_coordinators_minutes,
            AlertStep.COORDINATORS: home.alert_coordinators_minutes + home.alert_backup_minutes,
        }.get(step)
        result = await uow.session.execute(
            update(Alert)
            .where(
                Alert.id == alert.id,
                Alert.step == alert.step,
                Alert.acknowledged_at.is_(None),
            )
            .values(
                step=step,
                next_step_at=(
                    alert.created_at + timedelta(minutes=after) if after is not None else None
                ),
            )
            .execution_options(synchronize_session=False)
        )
        if _count(result) != 1:
            continue  # another worker took this step
        added = await _deliver_to(uow, alert, await _recipients(uow, case, step), step)
        audit.record(
            uow,
            "alert.escalate",
            actor="system",
            adolescent_id=alert.adolescent_id,
            target=f"alert:{alert.id}",
            details={"step": step.name.lower(), "deliveries": added},
        )
        uow.record(AlertEscalated(alert.id, step))
        done.append(Escalated(alert.id, alert.adolescent_id, step, added))
    return done


# --- delivering -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """A claimed delivery, with what the message needs (nothing of the adolescent's
    words or alias: the case number, the category, how long it has waited)."""

    id: int
    token: str
    channel: AlertChannel
    attempts: int
    alert_id: int
    adolescent_id: int
    case_number: str
    category: str
    severity: Severity
    created_at: datetime
    step: int
    staff_id: int
    staff_name: str
    language: str
    address: str
    """The staff chat's id (Telegram) or the email address."""


async def claim_deliveries(
    uow: UnitOfWork,
    now: datetime,
    *,
    channels: Sequence[AlertChannel],
    lease: timedelta,
    limit: int = 50,
) -> list[DeliveryJob]:
    """Take due deliveries (pending, or sending with a lapsed lease) for ``lease``.

    One UPDATE over a sub-select with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
    that workers claim disjoint rows; on SQLite the single writer does the same.
    Commit right after, before sending."""
    if not channels:
        return []
    token = secrets.token_hex(16)
    due = (
        select(AlertDelivery.id)
        .where(
            AlertDelivery.channel.in_(channels),
            or_(
                and_(
                    AlertDelivery.status == DeliveryStatus.PENDING,
                    AlertDelivery.not_before <= now,
                ),
                and_(
                    AlertDelivery.status == DeliveryStatus.SENDING,
                    AlertDelivery.lease_until < now,
                ),
            ),
        )
        .order_by(AlertDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    await uow.session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id.in_(due.scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING,
            lease_until=now + lease,
            attempts=AlertDelivery.attempts + 1,
            claim_token=token,
        )
        .execution_options(synchronize_session=False)
    )
    rows = (
        await uow.session.execute(
            select(AlertDelivery, Alert, Adolescent.case_number, Staff, StaffChat.external_id)
            .join(Alert, Alert.id == AlertDelivery.alert_id)
            .join(Adolescent, Adolescent.id == Alert.adolescent_id)
            .join(Staff, Staff.id == AlertDelivery.staff_id)
            .outerjoin(
                StaffChat,
                (StaffChat.staff_id == Staff.id) & (StaffChat.channel == Channel.TELEGRAM),
            )
            .where(AlertDelivery.claim_token == token)
            .order_by(AlertDelivery.id)
        )
    ).all()
    jobs = []
    for delivery, alert, number, staff, chat in rows:
        address = chat if delivery.channel is AlertChannel.TELEGRAM else staff.email
        jobs.append(
            DeliveryJob(
                id=delivery.id,
                token=token,
                channel=delivery.channel,
                attempts=delivery.attempts,
                alert_id=alert.id,
                adolescent_id=alert.adolescent_id,
                case_number=number,
                category=alert.category,
                severity=alert.severity,
                created_at=alert.created_at,
                step=delivery.step,
                staff_id=staff.id,
                staff_name=staff.display_name,
                language=staff.language,
                address=address or "",
            )
        )
    return jobs


async def record_delivery(
    uow: UnitOfWork,
    job: DeliveryJob,
    *,
    sent: bool,
    error: str = "",
    retry_in: timedelta | None = None,
) -> bool:
    """The outcome of a claimed delivery; False when the claim was lost meanwhile.

    Not sent: tried again after ``retry_in`` until ``MAX_ATTEMPTS``, then failed."""
    now = uow.now()
    values: dict[str, object]
    if sent:
        values = {"status": DeliveryStatus.SENT, "sent_at": now, "lease_until": None}
    elif retry_in is not None and job.attempts < MAX_ATTEMPTS:
        values = {
            "status": DeliveryStatus.PENDING,
            "not_before": now + retry_in,
            "lease_until": None,
            "last_error": error[:300],
        }
    else:
        values = {"status": DeliveryStatus.FAILED, "lease_until": None, "last_error": error[:300]}
    result = await uow.session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == job.id,
            AlertDelivery.claim_token == job.token,
            AlertDelivery.status == DeliveryStatus.SENDING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


async def deliveries(uow: UnitOfWork, alert_id: int) -> list[tuple[AlertDelivery, Staff]]:
    rows = (
        await uow.session.execute(
            select(AlertDelivery, Staff)
            .join(Staff, Staff.id == AlertDelivery.staff_id)
            .where(AlertDelivery.alert_id == alert_id)
            .order_by(AlertDelivery.step, Staff.display_name, AlertDelivery.channel)
        )
    ).all()
    return [(delivery, staff) for delivery, staff in rows]


def _count(result: object) -> int:
    if isinstance(result, CursorResult):
        return int(result.rowcount or 0)
    return int(getattr(result, "rowcount", 0) or 0)
