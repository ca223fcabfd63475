"""Counters of failures that hold under concurrency and across processes.

Each counter is one ``Throttle`` row, found by a hashed key and changed only under a
row lock taken by ``locked``: the insert that makes sure the row exists takes
SQLite's write lock (every other writer waits for this transaction), and on
PostgreSQL ``SELECT ... FOR UPDATE`` locks the row. So the check ("may this attempt
go on?") and the count of its failure are one step for everyone: forty parallel
guesses are checked one after the other, never forty against the same count.

Callers lock their rows always in the same order (most specific first) so that two
attempts never wait for each other in a circle.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from plan_store.models import Throttle

__all__ = ["Throttle", "blocked", "clear", "growing_delay", "locked", "prune", "throttle_key"]
from plan_store.unit_of_work import UnitOfWork


def throttle_key(kind: str, *parts: str) -> str:
    """A key that names what is counted without keeping it: a hash."""
    joined = "\x1f".join(parts)
    digest = hashlib.sha256(f"rumbo-throttle:{kind}:{joined}".encode()).hexdigest()
    return f"{kind[:15]}:{digest}"


async def locked(uow: UnitOfWork, key: str, *, window: timedelta) -> Throttle:
    """The counter under ``key``, locked until the transaction ends; a counter whose
    window has passed starts again from zero."""
    now = uow.now()
    session = uow.session
    dialect = session.get_bind().dialect.name
    values = {"key": key, "failures": 0, "window_start": now, "alerted": False}
    if dialect == "postgresql":
        pg = postgresql.insert(Throttle).values(values)
        await session.execute(pg.on_conflict_do_nothing(index_elements=["key"]))
    else:
        lite = sqlite.insert(Throttle).values(values)
        await session.execute(lite.on_conflict_do_nothing(index_elements=["key"]))
    row = await session.scalar(
        select(Throttle)
        .where(Throttle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    if row.window_start <= now - window and not blocked(row, now):
        row.failures, row.window_start, row.blocked_until, row.alerted = 0, now, None, False
    return row


def blocked(row: Throttle, now: datetime) -> bool:
    return row.blocked_until is not None and row.blocked_until > now


def growing_delay(
    failures: int, *, free: int, first: timedelta, longest: timedelta
) -> timedelta | None:
    """No wait for the first ``free`` failures, then ``first``, doubled each time."""
    if failures <= free:
        return None
    delay: timedelta = first * (2 ** min(failures - free - 1, 30))
    return min(delay, longest)


async def clear(uow: UnitOfWork, key: str) -> None:
    await uow.session.execute(delete(Throttle).where(Throttle.key == key))


async def prune(uow: UnitOfWork, *, older_than: timedelta) -> int:
    """Forget counters nobody touched for a while (none of them blocks any more)."""
    now = uow.now()
    result = await uow.session.execute(
        delete(Throttle).where(
            Throttle.window_start <= now - older_than,
            (Throttle.blocked_until.is_(None)) | (Throttle.blocked_until <= now),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
