"""An alert's deliveries: one per person told and channel she has, claimed with a
lease like the outbox, so that a crash between the commit and the send loses
nothing and sends nothing twice. This module alone writes their state."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select, update

from plan_store.enums import AlertChannel, Channel, DeliveryStatus, Severity
from plan_store.models import Adolescent, Alert, AlertDelivery, Staff, StaffChat
from plan_store.unit_of_work import UnitOfWork

MAX_ATTEMPTS = 8


async def add_deliveries(uow: UnitOfWork, alert: Alert, staff: Iterable[Staff], step: int) -> int:
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


async def drop_unsent(uow: UnitOfWork, alert_id: int) -> None:
    """The alert was acknowledged: what has not gone out yet never will."""
    await uow.session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.alert_id == alert_id,
            AlertDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, last_error="acknowledged before it went out")
    )


async def shown_on_console(uow: UnitOfWork, staff_id: int, alert_ids: Sequence[int]) -> None:
    """A page of hers showed these alerts: their console deliveries to her are sent."""
    await uow.session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.staff_id == staff_id,
            AlertDelivery.channel == AlertChannel.CONSOLE,
            AlertDelivery.status == DeliveryStatus.PENDING,
            AlertDelivery.alert_id.in_(alert_ids),
        )
        .values(status=DeliveryStatus.SENT, sent_at=uow.now(), attempts=1)
    )


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


def _due(now: datetime, channels: Sequence[AlertChannel], limit: int) -> Select[int]:
    """Due deliveries: pending and due, or sending with a lapsed lease."""
    return (
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
    await uow.session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id.in_(_due(now, channels, limit).scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING,
            lease_until=now + lease,
            attempts=AlertDelivery.attempts + 1,
            claim_token=token,
        )
        .execution_options(synchronize_session=False)
    )
    return await _claimed(uow, token)


async def _claimed(uow: UnitOfWork, token: str) -> list[DeliveryJob]:
    """The deliveries claimed with ``token``, with what their messages need."""
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
    return int(getattr(result, "rowcount", 0) or 0) == 1


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
