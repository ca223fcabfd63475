"""The daily digest of non-urgent flags for each reference operator.

Urgent flags raise alerts (``alerts``); the others (a voice note to listen to, a
medium risk, a missed appointment, ...) are gathered once a day, from the home's
08:00, into one email per operator who has new ones: how many, of which kind, for
which case numbers, with a link to the console. Never words or aliases.

``plan`` writes the day's digest rows (one per operator and day: a unique key makes
a second writer fail instead of doubling); ``claim`` and ``record`` deliver them with a
lease, as alert deliveries are.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update

from plan_store.enums import DeliveryStatus, Role
from plan_store.models import Adolescent, Flag, FlagDigest, Home, Staff
from plan_store.services.alerts import ALERTING
from plan_store.unit_of_work import UnitOfWork

SENT_FROM = time(8, 0)
MAX_ATTEMPTS = 8


async def plan(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Write today's digest for every operator with non-urgent flags raised in the
    24 hours before her home's 08:00 (once it is past 08:00 there); how many."""
    now = now or uow.now()
    written = 0
    for home in await uow.session.scalars(select(Home)):
        local = now.astimezone(ZoneInfo(home.timezone))
        if local.time() < SENT_FROM:
            continue
        day = local.date()
        until = datetime.combine(day, SENT_FROM, ZoneInfo(home.timezone))
        counts = await _flags(uow, home.id, until - timedelta(days=1), until)
        done = set(
            await uow.session.scalars(select(FlagDigest.staff_id).where(FlagDigest.day == day))
        )
        for staff_id, count in counts.items():
            if staff_id in done:
                continue
            uow.session.add(
                FlagDigest(staff_id=staff_id, day=day, flag_count=count, created_at=now)
            )
            written += 1
    await uow.flush()
    return written


async def _flags(uow: UnitOfWork, home_id: int, since: datetime, until: datetime) -> Counter[int]:
    rows = await uow.session.scalars(
        select(Adolescent.reference_operator_id)
        .join(Flag, Flag.adolescent_id == Adolescent.id)
        .join(Staff, Staff.id == Adolescent.reference_operator_id)
        .where(
            Adolescent.home_id == home_id,
            Flag.created_at >= since,
            Flag.created_at < until,
            Flag.severity.not_in(ALERTING),
            Staff.active,
            Staff.role == Role.OPERATOR,
            Staff.email.is_not(None),
        )
    )
    return Counter(staff_id for staff_id in rows if staff_id is not None)


@dataclass(frozen=True, slots=True)
class DigestJob:
    id: int
    token: str
    attempts: int
    staff_id: int
    language: str
    address: str
    lines: tuple[tuple[str, str], ...]
    """(case number, flag category) of each flag in the digest, by case number."""


async def claim(
    uow: UnitOfWork, now: datetime, *, lease: timedelta, limit: int = 20
) -> list[DigestJob]:
    token = secrets.token_hex(16)
    due = (
        select(FlagDigest.id)
        .where(
            or_(
                and_(
                    FlagDigest.status == DeliveryStatus.PENDING,
                    or_(FlagDigest.lease_until.is_(None), FlagDigest.lease_until <= now),
                ),
                and_(FlagDigest.status == DeliveryStatus.SENDING, FlagDigest.lease_until < now),
            )
        )
        .order_by(FlagDigest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    await uow.session.execute(
        update(FlagDigest)
        .where(FlagDigest.id.in_(due.scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING,
            lease_until=now + lease,
            attempts=FlagDigest.attempts + 1,
            claim_token=token,
        )
        .execution_options(synchronize_session=False)
    )
    jobs = []
    rows = (
        await uow.session.execute(
            select(FlagDigest, Staff, Home)
            .join(Staff, Staff.id == FlagDigest.staff_id)
            .join(Home, Home.id == Staff.home_id)
            .where(FlagDigest.claim_token == token)
        )
    ).all()
    for digest, staff, home in rows:
        until = datetime.combine(digest.day, SENT_FROM, ZoneInfo(home.timezone))
        found = await uow.session.execute(
            select(Adolescent.case_number, Flag.category)
            .join(Flag, Flag.adolescent_id == Adolescent.id)
            .where(
                Adolescent.reference_operator_id == staff.id,
                Flag.created_at >= until - timedelta(days=1),
                Flag.created_at < until,
                Flag.severity.not_in(ALERTING),
            )
            .order_by(Adolescent.case_number, Flag.id)
        )
        jobs.append(
            DigestJob(
                id=digest.id,
                token=token,
                attempts=digest.attempts,
                staff_id=staff.id,
                language=staff.language,
                address=staff.email or "",
                lines=tuple((number, category.value) for number, category in found.all()),
            )
        )
    return jobs


async def record(
    uow: UnitOfWork,
    job: DigestJob,
    *,
    sent: bool,
    error: str = "",
    retry_in: timedelta | None = None,
) -> bool:
    now = uow.now()
    values: dict[str, object]
    if sent:
        values = {"status": DeliveryStatus.SENT, "sent_at": now, "lease_until": None}
    elif retry_in is not None and job.attempts < MAX_ATTEMPTS:
        # Pending again, not before ``retry_in`` (the lease column says when).
        values = {"status": DeliveryStatus.PENDING, "lease_until": now + retry_in}
    else:
        values = {"status": DeliveryStatus.FAILED, "lease_until": None}
    result = await uow.session.execute(
        update(FlagDigest)
        .where(
            FlagDigest.id == job.id,
            FlagDigest.claim_token == job.token,
            FlagDigest.status == DeliveryStatus.SENDING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
