"""De-duplication of inbound updates by (channel, update id)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
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
    dialect = uow.session.get_bind().dialect.name
    result = await uow.session.execute(
        _RECORD[dialect == "postgresql"],
        {"channel": channel, "update_id": update_id, "received_at": uow.now()},
    )
    return bool(getattr(result, "rowcount", 0))


def _record(insert: Any) -> Any:
    # On the table, not the mapped class: a Core statement, whose result has the
    # rowcount (the ORM's would not, given its parameters apart).
    return (
        insert(ProcessedUpdate.__table__)
        .values(
            channel=bindparam("channel"),
            update_id=bindparam("update_id"),
            received_at=bindparam("received_at"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    )


# Built once (every update runs it), for SQLite and for PostgreSQL.
_RECORD = (_record(sqlite.insert), _record(postgresql.insert))
