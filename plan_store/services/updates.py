"""De-duplication of inbound updates by (channel, update id)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam
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
    dialect = uow.session.get_bind().dialect.name
    now = uow.now()
    result = await uow.session.execute(
        _record_many(dialect == "postgresql", len(unique)),
        {
            **{f"update_id_{n}": update_id for n, update_id in enumerate(unique)},
            "channel": channel,
            "received_at": now,
        },
    )
    return set(result.scalars())


@functools.lru_cache(maxsize=64)
def _record_many(postgres: bool, count: int) -> Any:
    """``first_seen_among``'s statement for ``count`` ids, built once for each count."""
    table = ProcessedUpdate.__table__
    assert isinstance(table, Table)
    insert = postgresql.insert if postgres else sqlite.insert
    return (
        insert(table)
        .values(
            [
                {
                    "channel": bindparam("channel"),
                    "update_id": bindparam(f"update_id_{n}"),
                    "received_at": bindparam("received_at"),
                }
                for n in range(count)
            ]
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(table.c.update_id)
    )
