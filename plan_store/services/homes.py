"""Homes: creating them and changing their settings (the cadence of evaluations,
how long records are kept, quiet hours, the emergency numbers the chat gives)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from plan_store.enums import CareSetting, Phase
from plan_store.errors import DuplicateName, NotFound, ValidationFailed
from plan_store.models import Home
from plan_store.services import audit, phases
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

MEXICO_EMERGENCY_NUMBERS = {"Emergencias": "911", "Línea de la Vida": "800 911 2000"}
MAX_HOME_NAME = 120
MAX_CADENCE_DAYS = 92
MAX_RETENTION_DAYS = 3650
MAX_EMERGENCY_NUMBERS = 6
"""As many as the chat shows under a safety answer."""
MAX_NUMBER_NAME = 40
MAX_NUMBER = 30
MAX_SAFEGUARDING_DAYS = 3650
_PHONE = re.compile(r"[0-9+()*#. -]+")


def _checked_settings(
    *,
    name: str,
    timezone: str,
    evaluation_cadence_days: int,
    retention_days: int,
    emergency_numbers: dict[str, Any],
    safeguarding_days: int = 90,
) -> tuple[str, dict[str, str]]:
    """The home's name and emergency numbers as stored; ``ValidationFailed`` on any
    setting a home cannot work with."""
    name = name.strip()
    if not name or len(name) > MAX_HOME_NAME:
        raise ValidationFailed(f"a home's name has 1 to {MAX_HOME_NAME} characters")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed(f"unknown time zone {timezone!r}") from error
    if not 1 <= evaluation_cadence_days <= MAX_CADENCE_DAYS:
        raise ValidationFailed(f"the evaluation cadence is between 1 and {MAX_CADENCE_DAYS} days")
    if retention_days < 0:
        raise ValidationFailed("the retention period cannot be negative")
    if retention_days > MAX_RETENTION_DAYS:
        raise ValidationFailed(f"the retention period is at most {MAX_RETENTION_DAYS} days")
    if not 0 <= safeguarding_days <= MAX_SAFEGUARDING_DAYS:
        raise ValidationFailed(
            f"the safeguarding period is between 0 and {MAX_SAFEGUARDING_DAYS} days"
        )
    numbers: dict[str, str] = {}
    for label, number in emergency_numbers.items():
        label, number = str(label).strip(), str(number).strip()
        if not label or len(label) > MAX_NUMBER_NAME:
            raise ValidationFailed(
                f"an emergency number's name has 1 to {MAX_NUMBER_NAME} characters"
            )
        digits = sum(ch.isdigit() for ch in number)
        if len(number) > MAX_NUMBER or digits < 3 or not _PHONE.fullmatch(number):
            raise ValidationFailed(f"{number!r} is not a phone number")
        numbers[label] = number
    if not numbers:
        raise ValidationFailed("a home has at least one emergency number")
    if len(numbers) > MAX_EMERGENCY_NUMBERS:
        raise ValidationFailed(f"at most {MAX_EMERGENCY_NUMBERS} emergency numbers are shown")
    return name, numbers


DEFAULT_CASELOAD_RATIO = 8
"""Adolescents per reference operator in the care model."""
MAX_CASELOAD_RATIO = 60


def _check_ratio(ratio: int) -> None:
    if not 1 <= ratio <= MAX_CASELOAD_RATIO:
        raise ValidationFailed(f"a caseload ratio is 1 to {MAX_CASELOAD_RATIO}")


async def _name_taken(uow: UnitOfWork, name: str, but: int | None = None) -> bool:
    query = select(Home.id).where(Home.name == name)
    if but is not None:
        query = query.where(Home.id != but)
    return await uow.session.scalar(query) is not None


async def create_home(
    uow: UnitOfWork,
    *,
    name: str,
    kind: CareSetting,
    timezone: str = "America/Mexico_City",
    evaluation_cadence_days: int = 14,
    retention_days: int = 0,
    quiet_start: time = time(21, 0),
    quiet_end: time = time(8, 0),
    emergency_numbers: dict[str, Any] | None = None,
    caseload_ratio: int = DEFAULT_CASELOAD_RATIO,
    phase_limits: dict[Phase, int | None] | None = None,
    by: StaffActor | None = None,
    safeguarding_days: int = 90,
) -> Home:
    """A new home. Without ``emergency_numbers`` it gets Mexico's (911, Línea de la Vida);
    without ``phase_limits``, the care model's (``phases.DEFAULT_LIMITS``)."""
    _check_ratio(caseload_ratio)
    name, numbers = _checked_settings(
        name=name,
        timezone=timezone,
        evaluation_cadence_days=evaluation_cadence_days,
        retention_days=retention_days,
        emergency_numbers=emergency_numbers or dict(MEXICO_EMERGENCY_NUMBERS),
        safeguarding_days=safeguarding_days,
    )
    if await _name_taken(uow, name):
        raise DuplicateName(f"a home named {name!r} exists")
    home = Home(
        name=name,
        kind=kind,
        timezone=timezone,
        evaluation_cadence_days=evaluation_cadence_days,
        retention_days=retention_days,
        safeguarding_days=safeguarding_days,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        emergency_numbers=numbers,
        caseload_ratio=caseload_ratio,
        phase_limits=phases.checked_limits(phase_limits or {}),
        created_at=uow.now(),
    )
    uow.session.add(home)
    await uow.flush()
    audit.record(
        uow,
        "home.create",
        staff_id=by.id if by else None,
        actor="system" if by is None else "staff",
        target=f"home:{home.id}",
    )
    return home


async def update_home(
    uow: UnitOfWork,
    by: StaffActor,
    home_id: int,
    *,
    name: str,
    kind: CareSetting,
    timezone: str,
    evaluation_cadence_days: int,
    retention_days: int,
    quiet_start: time,
    quiet_end: time,
    emergency_numbers: dict[str, Any],
    safeguarding_days: int = 90,
    caseload_ratio: int | None = None,
    phase_limits: dict[Phase, int | None] | None = None,
) -> Home:
    """Change a home's settings, checked as ``create_home`` checks them (the ratio and
    the phase limits only when given). Dates already
    set (the next evaluation of each case) stay: a new cadence counts from the next
    evaluation recorded. The audit entry names the settings that changed."""
    home = await uow.session.get(Home, home_id)
    if home is None:
        raise NotFound(f"no home {home_id}")
    name, numbers = _checked_settings(
        name=name,
        timezone=timezone,
        evaluation_cadence_days=evaluation_cadence_days,
        retention_days=retention_days,
        emergency_numbers=emergency_numbers,
        safeguarding_days=safeguarding_days,
    )
    if await _name_taken(uow, name, but=home.id):
        raise DuplicateName(f"a home named {name!r} exists")
    wanted: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "timezone": timezone,
        "evaluation_cadence_days": evaluation_cadence_days,
        "retention_days": retention_days,
        "safeguarding_days": safeguarding_days,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "emergency_numbers": numbers,
    }
    if caseload_ratio is not None:
        _check_ratio(caseload_ratio)
        wanted["caseload_ratio"] = caseload_ratio
    if phase_limits is not None:
        wanted["phase_limits"] = phases.checked_limits(phase_limits)
    changed = sorted(field for field, value in wanted.items() if getattr(home, field) != value)
    for field in changed:
        setattr(home, field, wanted[field])
    if changed:
        audit.record(
            uow,
            "home.update",
            staff_id=by.id,
            target=f"home:{home.id}",
            details={"changed": changed},
        )
    return home
