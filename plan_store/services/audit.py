"""The audit log: every staff read of a case and every change. Never content."""

from __future__ import annotations

from typing import Any

from plan_store.models import AuditEntry
from plan_store.unit_of_work import UnitOfWork


def entry(
    uow: UnitOfWork,
    action: str,
    *,
    staff_id: int | None = None,
    actor: str = "staff",
    adolescent_id: int | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        at=uow.now(),
        staff_id=staff_id,
        actor=actor if staff_id is None else "staff",
        action=action,
        adolescent_id=adolescent_id,
        target=target,
        details=details or {},
    )


def record(
    uow: UnitOfWork,
    action: str,
    *,
    staff_id: int | None = None,
    actor: str = "staff",
    adolescent_id: int | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the current transaction."""
    row = entry(
        uow,
        action,
        staff_id=staff_id,
        actor=actor,
        adolescent_id=adolescent_id,
        target=target,
        details=details,
    )
    uow.session.add(row)
    return row
