"""The duty roster: who is on duty in a home, now or at any moment.

A home's roster is a weekly pattern of shifts (``DutyShift``, in the home's time
zone) plus one-off changes (``DutyChange``: someone covers, or someone is off, for a
stretch of time). Each case may name a backup operator, and the home's coordinators
are the last resort (see ``alerts``). Coordinators edit their home's roster, admins
every home's; every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, true

from plan_store.enums import AlertChannel, Channel, Role
from plan_store.errors import NotFound, OutOfScope, ValidationFailed
from plan_store.models import Adolescent, DutyChange, DutyShift, Home, Staff, StaffChat
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

MAX_ESCALATION_MINUTES = 24 * 60


def covers(shift: DutyShift, local: datetime) -> bool:
    """Whether a weekly shift covers ``local`` (a time in the home's zone)."""
    moment = local.time().replace(tzinfo=None)
    today = local.weekday()
    if shift.starts < shift.ends:
        return shift.weekday == today and shift.starts <= moment < shift.ends
    # Past midnight (or a whole day when starts == ends).
    if shift.weekday == today and moment >= shift.starts:
        return True
    return shift.weekday == (today - 1) % 7 and moment < shift.ends


async def on_duty(uow: UnitOfWork, home_id: int, at: datetime | None = None) -> list[Staff]:
    """The active staff on duty in the home at ``at`` (default now), by name."""
    home = await uow.session.get(Home, home_id)
    if home is None:
        return []
    return (await _on_duty_in(uow, [home], at or uow.now(), every_home=False))[home_id]


async def _on_duty_in(
    uow: UnitOfWork, homes: Sequence[Home], at: datetime, *, every_home: bool
) -> dict[int, list[Staff]]:
    """``on_duty`` for each of ``homes`` (``every_home``: they are all the homes), in
    three queries whatever their number: a console page shows every home's duty to
    an admin, and a query per home made that page slow on a large installation."""
    wanted = [home.id for home in homes]

    def of_homes(column: Any) -> Any:
        return true() if every_home else column.in_(wanted)

    local = {home.id: at.astimezone(ZoneInfo(home.timezone)) for home in homes}
    ids: dict[int, set[int]] = {home_id: set() for home_id in wanted}
    for shift in await uow.session.scalars(select(DutyShift).where(of_homes(DutyShift.home_id))):
        if shift.home_id in ids and covers(shift, local[shift.home_id]):
            ids[shift.home_id].add(shift.staff_id)
    changes = await uow.session.scalars(
        select(DutyChange)
        .where(
            of_homes(DutyChange.home_id),
            DutyChange.starts_at <= at,
            DutyChange.ends_at > at,
        )
        .order_by(DutyChange.id)
    )
    for change in changes:
        if change.home_id not in ids:
            continue
        if change.on_duty:
            ids[change.home_id].add(change.staff_id)
        else:
            ids[change.home_id].discard(change.staff_id)
    everyone = set().union(*ids.values())
    if not everyone:
        return {home_id: [] for home_id in wanted}
    staff = list(
        await uow.session.scalars(
            select(Staff).where(Staff.id.in_(everyone), Staff.active).order_by(Staff.display_name)
        )
    )
    return {home_id: [m for m in staff if m.id in ids[home_id]] for home_id in wanted}


async def is_on_duty(
    uow: UnitOfWork, staff_id: int, home_id: int, at: datetime | None = None
) -> bool:
    return any(member.id == staff_id for member in await on_duty(uow, home_id, at))


CONSOLE_PRESENCE = timedelta(seconds=60)
"""A console page that asked for alerts this recently is open: it reaches her."""


async def reachable(uow: UnitOfWork, staff: Iterable[Staff]) -> set[int]:
    """Of ``staff``, those an alert really reaches now: a linked Telegram chat or an
    email (when the installation sends them), or a console page open right now."""
    members = list(staff)
    ids = [member.id for member in members]
    if not ids:
        return set()
    channels = uow.alert_channels
    linked: set[int] = set()
    if AlertChannel.TELEGRAM in channels:
        linked = set(
            await uow.session.scalars(
                select(StaffChat.staff_id).where(
                    StaffChat.staff_id.in_(ids), StaffChat.channel == Channel.TELEGRAM
                )
            )
        )
    recent = uow.now() - CONSOLE_PRESENCE
    return {
        member.id
        for member in members
        if member.id in linked
        or (member.email and AlertChannel.EMAIL in channels)
        or (member.console_seen_at is not None and member.console_seen_at >= recent)
    }


@dataclass(frozen=True, slots=True)
class HomeDuty:
    """Who is on duty in a home now, and what is wrong with it."""

    home_id: int
    home_name: str
    on_duty: tuple[str, ...]
    unreachable: tuple[str, ...]
    """On duty, but with no Telegram chat linked and no email."""

    @property
    def nobody(self) -> bool:
        return not self.on_duty

    @property
    def warning(self) -> bool:
        return self.nobody or bool(self.unreachable)


async def duty_now(uow: UnitOfWork, home_ids: Sequence[int] | None = None) -> list[HomeDuty]:
    """Every home's duty now (``home_ids``: only those), by home name."""
    query = select(Home).order_by(Home.name)
    if home_ids is not None:
        query = query.where(Home.id.in_(home_ids))
    homes = list(await uow.session.scalars(query))
    members = await _on_duty_in(uow, homes, uow.now(), every_home=home_ids is None)
    ok = await reachable(uow, {m.id: m for team in members.values() for m in team}.values())
    return [
        HomeDuty(
            home_id=home.id,
            home_name=home.name,
            on_duty=tuple(m.display_name for m in members[home.id]),
            unreachable=tuple(m.display_name for m in members[home.id] if m.id not in ok),
        )
        for home in homes
    ]


async def coordinators(uow: UnitOfWork, home_id: int) -> list[Staff]:
    rows = await uow.session.scalars(
        select(Staff)
        .where(Staff.home_id == home_id, Staff.role == Role.COORDINATOR, Staff.active)
        .order_by(Staff.display_name)
    )
    return list(rows)


# --- editing the roster ------------------------------------------------------------


def _may_edit(actor: StaffActor, home_id: int) -> None:
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.COORDINATOR and actor.home_id == home_id:
        return
    raise OutOfScope("only the home's coordinators and admins edit its roster")


async def _member(uow: UnitOfWork, home_id: int, staff_id: int) -> Staff:
    staff = await uow.session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.home_id != home_id:
        raise ValidationFailed("that person does not work in this home")
    return staff


async def shifts(uow: UnitOfWork, home_id: int) -> list[DutyShift]:
    rows = await uow.session.scalars(
        select(DutyShift)
        .where(DutyShift.home_id == home_id)
        .order_by(DutyShift.weekday, DutyShift.starts, DutyShift.id)
    )
    return list(rows)


async def changes(uow: UnitOfWork, home_id: int, since: datetime) -> list[DutyChange]:
    """The one-off changes that have not ended by ``since``."""
    rows = await uow.session.scalars(
        select(DutyChange)
        .where(DutyChange.home_id == home_id, DutyChange.ends_at > since)
        .order_by(DutyChange.starts_at, DutyChange.id)
    )
    return list(rows)


async def add_shift(
    uow: UnitOfWork,
    actor: StaffActor,
    home_id: int,
    *,
    staff_id: int,
    weekdays: Iterable[int],
    starts: time,
    ends: time,
) -> list[DutyShift]:
    _may_edit(actor, home_id)
    await _member(uow, home_id, staff_id)
    days = sorted(set(weekdays))
    if not days or any(day not in range(7) for day in days):
        raise ValidationFailed("choose at least one day of the week")
    added = []
    for day in days:
        shift = DutyShift(
            home_id=home_id,
            staff_id=staff_id,
            weekday=day,
            starts=starts,
            ends=ends,
            created_at=uow.now(),
        )
        uow.session.add(shift)
        added.append(shift)
    await uow.flush()
    audit.record(
        uow,
        "duty.shift_add",
        staff_id=actor.id,
        target=f"home:{home_id}",
        details={
            "staff": staff_id,
            "weekdays": days,
            "starts": starts.isoformat("minutes"),
            "ends": ends.isoformat("minutes"),
        },
    )
    return added


async def remove_shift(uow: UnitOfWork, actor: StaffActor, shift_id: int) -> None:
    shift = await uow.session.get(DutyShift, shift_id)
    if shift is None:
        raise NotFound(f"no shift {shift_id}")
    _may_edit(actor, shift.home_id)
    await uow.session.execute(delete(DutyShift).where(DutyShift.id == shift_id))
    audit.record(
        uow,
        "duty.shift_remove",
        staff_id=actor.id,
        target=f"home:{shift.home_id}",
        details={"staff": shift.staff_id, "weekday": shift.weekday},
    )


async def add_change(
    uow: UnitOfWork,
    actor: StaffActor,
    home_id: int,
    *,
    staff_id: int,
    starts_at: datetime,
    ends_at: datetime,
    on_duty: bool,
) -> DutyChange:
    _may_edit(actor, home_id)
    await _member(uow, home_id, staff_id)
    if ends_at <= starts_at:
        raise ValidationFailed("the change must end after it starts")
    if ends_at - starts_at > timedelta(days=62):
        raise ValidationFailed("a one-off change lasts at most two months")
    change = DutyChange(
        home_id=home_id,
        staff_id=staff_id,
        on_duty=on_duty,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by_id=actor.id,
        created_at=uow.now(),
    )
    uow.session.add(change)
    await uow.flush()
    audit.record(
        uow,
        "duty.change_add",
        staff_id=actor.id,
        target=f"home:{home_id}",
        details={
            "staff": staff_id,
            "on_duty": on_duty,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return change


async def remove_change(uow: UnitOfWork, actor: StaffActor, change_id: int) -> None:
    change = await uow.session.get(DutyChange, change_id)
    if change is None:
        raise NotFound(f"no change {change_id}")
    _may_edit(actor, change.home_id)
    await uow.session.execute(delete(DutyChange).where(DutyChange.id == change_id))
    audit.record(
        uow,
        "duty.change_remove",
        staff_id=actor.id,
        target=f"home:{change.home_id}",
        details={"staff": change.staff_id},
    )


async def set_backup(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, staff_id: int | None
) -> Adolescent:
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        raise NotFound(f"no case {adolescent_id}")
    try:
        _may_edit(actor, case.home_id)
    except OutOfScope:
        await uow.commit_apart(
            audit.entry(
                uow,
                "case.out_of_scope",
                staff_id=actor.id,
                adolescent_id=case.id,
                details={"purpose": "change"},
            )
        )
        raise
    if staff_id is not None:
        await _member(uow, case.home_id, staff_id)
    case.backup_operator_id = staff_id
    audit.record(
        uow,
        "case.backup_operator",
        staff_id=actor.id,
        adolescent_id=case.id,
        details={"staff": staff_id},
    )
    return case


async def set_escalation(
    uow: UnitOfWork,
    actor: StaffActor,
    home_id: int,
    *,
    backup_minutes: int,
    coordinators_minutes: int,
) -> Home:
    _may_edit(actor, home_id)
    home = await uow.session.get(Home, home_id)
    if home is None:
        raise NotFound(f"no home {home_id}")
    if not 1 <= backup_minutes < coordinators_minutes <= MAX_ESCALATION_MINUTES:
        raise ValidationFailed("the coordinators come after the backup, within a day")
    home.alert_backup_minutes = backup_minutes
    home.alert_coordinators_minutes = coordinators_minutes
    audit.record(
        uow,
        "home.alert_escalation",
        staff_id=actor.id,
        target=f"home:{home_id}",
        details={"backup": backup_minutes, "coordinators": coordinators_minutes},
    )
    return home
