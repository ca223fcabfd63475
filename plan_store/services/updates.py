"""De-duplication of inbound updates by (channel, update id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from plan_store.enums import Channel
from plan_store.models import ProcessedUpdate
from plan_store.unit_of_work import UnitOfWork


async def first_seen(uow: UnitOfWork, channel: Channel, update_id: str) -> bool:
    """Record the update in this transaction; False if it was applied before.

    One statement, ``INSERT ... ON CONFLICT DO NOTHING``, and the transaction's first
    write: on SQLite it takes the write lock at once (waiting its turn behind another
    writer instead of failing later on a stale snapshot), and on PostgreSQL a second
    delivery racing in another transaction waits for the first to commit and then
    finds it applied (or, if the first rolled back, applies it)."""
    return update_id in await first_seen_among(uow, channel, [update_id])


async def first_seen_among(
    uow: UnitOfWork, channel: Channel, update_ids: Sequence[str]
) -> set[str]:
    """``first_seen`` for many updates of ``channel`` in one statement: the ids among
    ``update_ids`` not applied before, now recorded in this transaction.

    A burst pays one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for its updates
    instead of one each, with what ``first_seen`` says of each: the transaction's first
    write, and a second delivery racing in another transaction waits for the first.
    An id given twice is recorded once; the caller applies it once."""
    unique = list(dict.fromkeys(update_ids))
    if not unique:
        return set()
    now = uow.now()
    postgres = uow.session.get_bind().dialect.name == "postgresql"
    # Run as an executemany: SQLAlchemy sends the rows in one multi-row INSERT
    # (``insertmanyvalues``), from one statement compiled once. A statement built with
    # the rows in ``values()`` has no cache key, and was compiled again at every call.
    result = await uow.session.execute(
        _RECORD_POSTGRES if postgres else _RECORD_SQLITE,
        [{"channel": channel, "update_id": update_id, "received_at": now} for update_id in unique],
    )
    return set(result.scalars())


def _record(insert: Any) -> Any:
    """``first_seen_among``'s statement, in ``insert``'s dialect (both have ``ON
    CONFLICT DO NOTHING``)."""
    table = ProcessedUpdate.__table__
    assert isinstance(table, Table)
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(table.c.update_id)
    )


_RECORD_POSTGRES = _record(postgresql.insert)
_RECORD_SQLITE = _record(sqlite.insert)
