"""How the sweeps read many rows at once: ``CHUNK`` ids to an ``IN`` list, and which
of their dedupe keys another run has taken already.

A sweep reads what it needs for all of its cases at once, a few queries per chunk
rather than one per case, and makes only the rows whose keys are free (a unique key
in the database still stops two runs at once from making one twice). ``CHUNK`` is
read when a sweep runs, so one setting serves every sweep.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from plan_store.unit_of_work import UnitOfWork

CHUNK = 500


async def taken(uow: UnitOfWork, column: Any, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are already in ``column`` (a unique dedupe key column)."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(
            await uow.session.scalars(
                select(column).where(column.in_(wanted[start : start + CHUNK]))
            )
        )
    return found
