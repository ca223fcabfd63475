"""The phases of the route of care over time: each case's phase history, and the
care model's time limits per phase, which each home may set for itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from plan_store.enums import Phase
from plan_store.errors import ValidationFailed
from plan_store.models import Home, PhaseChange
from plan_store.unit_of_work import UnitOfWork

DEFAULT_LIMITS: dict[Phase, int] = {
    Phase.FIRST_RECEPTION: 45,
    Phase.RECEPTION: 30,
    Phase.INTEGRATION: 90,
    Phase.INDEPENDENCE: 60,
}
"""Days in a phase, from the care model: first reception at most 45 days; inside a
residential centre reception 25-30 days, integration about 3 months, independence
about 2 months. The other phases have no limit unless a home sets one."""
WARN_BEFORE = timedelta(days=7)
"""The dashboard warns this long before a case passes its phase's limit."""
MAX_LIMIT_DAYS = 3650


def limits_of(home: Home) -> dict[Phase, int]:
    """The home's limits: its own settings over the care model's defaults."""
    return limits_from(home.phase_limits)


def limits_from(stored: dict[str, Any] | None) -> dict[Phase, int]:
    """Limits from what ``Home.phase_limits`` stores (0: no limit at this home)."""
    limits = dict(DEFAULT_LIMITS)
    for key, days in (stored or {}).items():
        try:
            phase = Phase(key)
        except ValueError:
            continue
        if isinstance(days, int) and days > 0:
            limits[phase] = days
        else:
            limits.pop(phase, None)
    return limits


def checked_limits(raw: dict[Phase, int | None]) -> dict[str, Any]:
    """What ``Home.phase_limits`` stores for these limits: a phase given ``None``
    (or 0) has no limit at this home."""
    stored: dict[str, Any] = {}
    for phase, days in raw.items():
        if days is not None and not 0 <= days <= MAX_LIMIT_DAYS:
            raise ValidationFailed(f"a phase lasts 0 to {MAX_LIMIT_DAYS} days")
        if days != DEFAULT_LIMITS.get(phase):
            stored[phase.value] = days or 0
    return stored


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    phase: Phase
    started_at: datetime
    ended_at: datetime | None
    limit_days: int | None

    def days(self, now: datetime) -> int:
        return ((self.ended_at or now) - self.started_at).days

    def over_limit(self, now: datetime) -> bool:
        return self.limit_days is not None and self.days(now) > self.limit_days


async def history(uow: UnitOfWork, adolescent_id: int, home: Home) -> list[PhaseSpan]:
    """The case's phases, oldest first, each with when it began and ended."""
    rows = list(
        await uow.session.scalars(
            select(PhaseChange)
            .where(PhaseChange.adolescent_id == adolescent_id)
            .order_by(PhaseChange.started_at, PhaseChange.id)
        )
    )
    limits = limits_of(home)
    spans = []
    for index, row in enumerate(rows):
        ended = rows[index + 1].started_at if index + 1 < len(rows) else None
        spans.append(PhaseSpan(row.phase, row.started_at, ended, limits.get(row.phase)))
    return spans
