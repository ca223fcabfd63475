"""Alerts: every urgent flag or urgent request reaches a person on duty.

``raise_alert`` is called by ``flags.raise_flag`` and ``requests.create`` in their
own transaction: the alert, its first recipients and one delivery per recipient and
channel are written with the flag or request, and an ``AlertRaised`` event wakes the
dispatcher after the commit. Delivery happens from the database
(``alert_deliveries``, with a lease like the outbox), so a crash between the commit
and the send loses nothing and sends nothing twice.

Who is told (``AlertStep``): at once, whoever is on duty in the home (when nobody
reachable is, the case's backup, then the coordinators, so that somebody is); after
the home's first delay, the backup and everyone on duty; after the second, the
coordinators; once that too has waited a first delay, the adolescent is given the
emergency numbers again. ``escalate_due`` moves each alert one step by a
compare-and-set on ``step``: each step happens once, whatever the workers.

Beside this module: ``alert_recipients`` (who is told at each step),
``alert_deliveries`` (the deliveries and their claims) and ``alert_reads`` (the
alerts as the console shows them).

An alert holds the case, a category and a severity, never the adolescent's words
or alias; so does everything sent about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from plan_store.enums import AlertStep, FlagStatus, Severity
from plan_store.errors import NotFound, OutOfScope
from plan_store.events import AlertAcknowledged, AlertEscalated, AlertRaised
from plan_store.models import Adolescent, Alert, AlertDelivery, Flag, Home, Staff
from plan_store.services import alert_deliveries, audit, duty
from plan_store.services.access import StaffActor, may_see
from plan_store.services.alert_recipients import recipients
from plan_store.unit_of_work import UnitOfWork

ALERTING = frozenset({Severity.URGENT, Severity.HIGH})
"""Flag severities that raise an alert (the chat tells the adolescent a person is
told now for exactly these)."""
REQUEST_CATEGORY = "urgent_request"


# --- raising --------------------------------------------------------------------


async def raise_alert(
    uow: UnitOfWork,
    adolescent_id: int,
    *,
    category: str,
    severity: Severity,
    flag_id: int | None = None,
    request_id: int | None = None,
) -> Alert:
    """A new alert for the case, told to its first recipients; while an earlier alert
    of the case waits unacknowledged, that one (it is already escalating)."""
    waiting = await open_for_case(uow, adolescent_id)
    if waiting is not None:
        audit.record(
            uow,
            "alert.again",
            actor="system",
            adolescent_id=adolescent_id,
            target=f"alert:{waiting.id}",
            details={"category": category, "flag": flag_id, "request": request_id},
        )
        return waiting
    case = await uow.session.get(Adolescent, adolescent_id)
    if case is None:
        raise NotFound(f"no case {adolescent_id}")
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    now = uow.now()
    alert = Alert(
        adolescent_id=case.id,
        home_id=case.home_id,
        flag_id=flag_id,
        request_id=request_id,
        category=category[:40],
        severity=severity,
        created_at=now,
        step=AlertStep.ON_DUTY,
        next_step_at=now + timedelta(minutes=home.alert_backup_minutes),
    )
    uow.session.add(alert)
    await uow.flush()
    told: list[Staff] = []
    for step in (AlertStep.ON_DUTY, AlertStep.BACKUP, AlertStep.COORDINATORS):
        told += await recipients(uow, case, step)
        if await duty.reachable(uow, told):
            break  # somebody is really told; the later steps come on time
    await alert_deliveries.add_deliveries(uow, alert, told, AlertStep.ON_DUTY)
    audit.record(
        uow,
        "alert.raise",
        actor="system",
        adolescent_id=case.id,
        target=f"alert:{alert.id}",
        details={
            "category": alert.category,
            "severity": severity.value,
            "recipients": sorted({s.id for s in told}),
        },
    )
    uow.record(AlertRaised(alert.id, alert.home_id))
    return alert


async def open_for_case(uow: UnitOfWork, adolescent_id: int) -> Alert | None:
    """The case's alert that waits for someone to acknowledge it, if any."""
    found: Alert | None = await uow.session.scalar(
        select(Alert)
        .where(Alert.adolescent_id == adolescent_id, Alert.acknowledged_at.is_(None))
        .order_by(Alert.id.desc())
        .limit(1)
    )
    return found


# --- acknowledging ----------------------------------------------------------------


async def may_act(uow: UnitOfWork, actor: StaffActor, alert: Alert) -> tuple[bool, bool]:
    """Whether ``actor`` may open and act on ``alert``, and whether only because she is
    on duty in its home (an access audited as such)."""
    case = await uow.session.get(Adolescent, alert.adolescent_id)
    if case is None:
        return False, False
    if may_see(actor, case) or case.backup_operator_id == actor.id:
        return True, False
    told_to = await uow.session.scalar(
        select(func.count())
        .select_from(AlertDelivery)
        .where(AlertDelivery.alert_id == alert.id, AlertDelivery.staff_id == actor.id)
    )
    on_duty = actor.home_id == alert.home_id and await duty.is_on_duty(uow, actor.id, alert.home_id)
    if on_duty or told_to:
        return True, True
    return False, False


async def alert_for_staff(
    uow: UnitOfWork, actor: StaffActor, alert_id: int, *, purpose: str = "read"
) -> tuple[Alert, bool]:
    """The alert, if ``actor`` may act on it, and whether as on-duty access; audited."""
    alert = await uow.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    allowed, on_duty = await may_act(uow, actor, alert)
    if not allowed:
        await uow.commit_apart(
            audit.entry(
                uow,
                "alert.out_of_scope",
                staff_id=actor.id,
                adolescent_id=alert.adolescent_id,
                target=f"alert:{alert.id}",
                details={"purpose": purpose},
            )
        )
        raise OutOfScope(f"alert {alert_id} is outside the caller's scope")
    if purpose == "read":
        audit.record(
            uow,
            "alert.read",
            staff_id=actor.id,
            adolescent_id=alert.adolescent_id,
            target=f"alert:{alert.id}",
            details={"on_duty_access": on_duty},
        )
    return alert, on_duty


async def acknowledge(uow: UnitOfWork, actor: StaffActor, alert_id: int, *, via: str) -> Alert:
    """ "I see it": the first acknowledgement counts, a later one changes nothing.

    The flag behind the alert is acknowledged too, deliveries not yet sent are
    dropped, and the adolescent will be told (see ``to_tell_acknowledged``)."""
    alert, on_duty = await alert_for_staff(uow, actor, alert_id, purpose="change")
    if alert.acknowledged_at is not None:
        return alert
    now = uow.now()
    result = await uow.session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=actor.id, next_step_at=None)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:  # someone else was quicker
        await uow.session.refresh(alert)
        return alert
    await uow.session.refresh(alert)
    if alert.flag_id is not None:
        flag = await uow.session.get(Flag, alert.flag_id)
        if flag is not None and flag.status is FlagStatus.OPEN:
            flag.status = FlagStatus.ACKNOWLEDGED
            flag.acknowledged_at = now
            flag.acknowledged_by_id = actor.id
    await alert_deliveries.drop_unsent(uow, alert.id)
    audit.record(
        uow,
        "alert.acknowledge",
        staff_id=actor.id,
        adolescent_id=alert.adolescent_id,
        target=f"alert:{alert.id}",
        details={
            "via": via,
            "on_duty_access": on_duty,
            "seconds": int((now - alert.created_at).total_seconds()),
        },
    )
    uow.record(AlertAcknowledged(alert.id, actor.id))
    return alert


async def settle_for(
    uow: UnitOfWork, actor: StaffActor, *, flag_id: int | None = None, request_id: int | None = None
) -> None:
    """A flag acknowledged or a request handled in the console: its alert is seen."""
    condition = Alert.flag_id == flag_id if flag_id is not None else Alert.request_id == request_id
    ids = list(
        await uow.session.scalars(
            select(Alert.id).where(condition, Alert.acknowledged_at.is_(None))
        )
    )
    for alert_id in ids:
        await acknowledge(uow, actor, alert_id, via="console")


async def to_tell_acknowledged(uow: UnitOfWork, limit: int = 50) -> list[tuple[Alert, Staff]]:
    """Acknowledged alerts whose adolescent has not been told yet, with who saw them."""
    rows = (
        await uow.session.execute(
            select(Alert, Staff)
            .join(Staff, Staff.id == Alert.acknowledged_by_id)
            .where(Alert.acknowledged_at.is_not(None), Alert.ack_told_at.is_(None))
            .order_by(Alert.acknowledged_at)
            .limit(limit)
        )
    ).all()
    return [(alert, staff) for alert, staff in rows]


async def mark_told(uow: UnitOfWork, alert_id: int) -> bool:
    """Claim the telling of an acknowledgement: True for the one caller that gets it."""
    result = await uow.session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.ack_told_at.is_(None))
        .values(ack_told_at=uow.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


# --- escalating -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escalated:
    alert_id: int
    adolescent_id: int
    step: AlertStep
    added: int
    """Deliveries added for the new recipients."""


async def escalate_due(uow: UnitOfWork, now: datetime | None = None) -> list[Escalated]:
    """Move every alert whose next step is due one step on; each step happens once."""
    now = now or uow.now()
    due = list(
        await uow.session.scalars(
            select(Alert)
            .where(Alert.acknowledged_at.is_(None), Alert.next_step_at <= now)
            .order_by(Alert.next_step_at)
            .limit(100)
        )
    )
    done = []
    for alert in due:
        home = await uow.session.get(Home, alert.home_id)
        case = await uow.session.get(Adolescent, alert.adolescent_id)
        if home is None or case is None:
            continue
        step = AlertStep(min(alert.step + 1, AlertStep.UNANSWERED))
        after = {
            AlertStep.BACKUP: home.alert_coordinators_minutes,
            AlertStep.COORDINATORS: home.alert_coordinators_minutes + home.alert_backup_minutes,
        }.get(step)
        result = await uow.session.execute(
            update(Alert)
            .where(
                Alert.id == alert.id,
                Alert.step == alert.step,
                Alert.acknowledged_at.is_(None),
            )
            .values(
                step=step,
                next_step_at=(
                    alert.created_at + timedelta(minutes=after) if after is not None else None
                ),
            )
            .execution_options(synchronize_session=False)
        )
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            continue  # another worker took this step
        told = await recipients(uow, case, step)
        added = await alert_deliveries.add_deliveries(uow, alert, told, step)
        audit.record(
            uow,
            "alert.escalate",
            actor="system",
            adolescent_id=alert.adolescent_id,
            target=f"alert:{alert.id}",
            details={"step": step.name.lower(), "deliveries": added},
        )
        uow.record(AlertEscalated(alert.id, step))
        done.append(Escalated(alert.id, alert.adolescent_id, step, added))
    return done
