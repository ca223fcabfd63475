"""Leases: one holder at a time of a named piece of work, as a row in the database.

One scheduler per installation: any number of processes may run the scheduler
part; each tick, each one tries to take or renew the lease named ``scheduler``.
Only the holder of a live lease sweeps. The lease is taken with one conditional
``UPDATE`` (held by me, or lapsed), which is atomic on PostgreSQL (a concurrent
updater waits and then re-checks the condition) and on SQLite (one writer); the
first holder ever is an ``INSERT`` that only one process can win (the name is the
primary key).

The lease only saves work: two sweeps at once would still not send twice, because
every reminder and flag has a unique dedupe key.

The outbox has leases too, one per channel (``bot.outbox.duty``): a process that
only sends holds them, so that the processes taking updates leave it the sending.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError

from plan_store.models import SchedulerLease
from plan_store.unit_of_work import UnitOfWorkFactory

SCHEDULER = "scheduler"


async def acquire(
    uow_factory: UnitOfWorkFactory,
    holder: str,
    now: datetime,
    ttl: timedelta,
    name: str = SCHEDULER,
) -> bool:
    """Take or renew the lease until ``now + ttl``; False when another holds it."""
    async with uow_factory() as uow:
        result = await uow.session.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == name,
                or_(SchedulerLease.holder == holder, SchedulerLease.lease_until <= now),
            )
            .values(
                acquired_at=case(
                    (SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=now
                ),
                holder=holder,
                lease_until=now + ttl,
                renewed_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            await uow.commit()
            return True
        if await uow.session.get(SchedulerLease, name) is not None:
            return False
        uow.session.add(
            SchedulerLease(
                name=name, holder=holder, lease_until=now + ttl, acquired_at=now, renewed_at=now
            )
        )
        try:
            await uow.commit()
        except IntegrityError:
            return False
        return True


async def release(
    uow_factory: UnitOfWorkFactory, holder: str, now: datetime, name: str = SCHEDULER
) -> None:
    """Let another process take over at once (on a clean stop)."""
    async with uow_factory() as uow:
        await uow.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(lease_until=now)
            .execution_options(synchronize_session=False)
        )
        await uow.commit()


async def live_holders(
    uow_factory: UnitOfWorkFactory, names: Collection[str], now: datetime
) -> dict[str, str]:
    """The holder of each lease of ``names`` that has not lapsed at ``now``."""
    async with uow_factory() as uow:
        rows = await uow.session.execute(
            select(SchedulerLease.name, SchedulerLease.holder).where(
                SchedulerLease.name.in_(list(names)), SchedulerLease.lease_until > now
            )
        )
        return {name: holder for name, holder in rows.tuples()}
