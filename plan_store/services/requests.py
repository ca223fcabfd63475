"""Requests to the reference operator: reason, optional message, urgency."""

from __future__ import annotations

from sqlalchemy import select

from plan_store.enums import RequestReason, RequestStatus, Severity, Urgency
from plan_store.errors import InvalidTransition, NotFound
from plan_store.models import OperatorRequest
from plan_store.services import alerts, audit
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.services.appointments import appointment_of_case
from plan_store.services.messages import MAX_BODY
from plan_store.services.plans import goal_of_case
from plan_store.unit_of_work import UnitOfWork

MAX_MESSAGE = MAX_BODY
"""Characters of a request's message kept: the same as a message's, as a request's
message is what the adolescent typed (each text is also in the timeline). A longer
one keeps its start and its length (``OperatorRequest.original_length``)."""


async def create(
    uow: UnitOfWork,
    adolescent_id: int,
    *,
    reason: RequestReason,
    urgency: Urgency,
    message: str = "",
    goal_id: int | None = None,
    appointment_id: int | None = None,
    speaker_language: str | None = None,
) -> OperatorRequest:
    """``speaker_language``: the adolescent asks for someone who speaks it."""
    if goal_id is not None:
        await goal_of_case(uow, adolescent_id, goal_id)
    if appointment_id is not None:
        await appointment_of_case(uow, adolescent_id, appointment_id)
    message = message.strip()
    request = OperatorRequest(
        adolescent_id=adolescent_id,
        reason=reason,
        urgency=urgency,
        message_ciphertext=uow.cipher.encrypt(message[:MAX_MESSAGE]) if message else None,
        original_length=len(message) if len(message) > MAX_MESSAGE else None,
        goal_id=goal_id,
        appointment_id=appointment_id,
        speaker_language=speaker_language,
        status=RequestStatus.OPEN,
        created_at=uow.now(),
    )
    uow.session.add(request)
    await uow.flush()
    audit.record(
        uow,
        "request.create",
        actor="adolescent",
        adolescent_id=adolescent_id,
        target=f"request:{request.id}",
        details={"reason": reason.value, "urgency": urgency.value}
        | ({"speaker_language": speaker_language} if speaker_language else {}),
    )
    if urgency is Urgency.URGENT:
        await alerts.raise_alert(
            uow,
            adolescent_id,
            category=alerts.REQUEST_CATEGORY,
            severity=Severity.URGENT,
            request_id=request.id,
        )
    return request


async def open_for(uow: UnitOfWork, adolescent_id: int) -> list[OperatorRequest]:
    rows = await uow.session.scalars(
        select(OperatorRequest)
        .where(
            OperatorRequest.adolescent_id == adolescent_id,
            OperatorRequest.status == RequestStatus.OPEN,
        )
        .order_by(OperatorRequest.created_at)
    )
    return list(rows)


def message_of(uow: UnitOfWork, request: OperatorRequest) -> str:
    if request.message_ciphertext is None:
        return ""
    return uow.cipher.decrypt(request.message_ciphertext)


async def handle(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    request_id: int,
    status: RequestStatus = RequestStatus.ANSWERED,
) -> OperatorRequest:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    request = await uow.session.get(OperatorRequest, request_id)
    if request is None or request.adolescent_id != case.id:
        raise NotFound(f"no request {request_id} for case {adolescent_id}")
    return await _handled(uow, actor, request, status)


async def handle_from_alert(
    uow: UnitOfWork,
    actor: StaffActor,
    alert_id: int,
    status: RequestStatus = RequestStatus.ANSWERED,
) -> OperatorRequest:
    """The urgent request behind an alert, answered by whoever may act on the alert
    (on duty too: the audit says so)."""
    alert, on_duty = await alerts.alert_for_staff(uow, actor, alert_id, purpose="change")
    request = await uow.session.get(OperatorRequest, alert.request_id) if alert.request_id else None
    if request is None:
        raise NotFound(f"no request behind alert {alert_id}")
    return await _handled(uow, actor, request, status, on_duty_access=on_duty)


async def _handled(
    uow: UnitOfWork,
    actor: StaffActor,
    request: OperatorRequest,
    status: RequestStatus,
    *,
    on_duty_access: bool = False,
) -> OperatorRequest:
    if status is RequestStatus.OPEN or request.status is not RequestStatus.OPEN:
        raise InvalidTransition(f"request {request.id} is {request.status}")
    request.status = status
    request.handled_at = uow.now()
    request.handled_by_id = actor.id
    audit.record(
        uow,
        f"request.{status.value}",
        staff_id=actor.id,
        adolescent_id=request.adolescent_id,
        target=f"request:{request.id}",
        details={"on_duty_access": True} if on_duty_access else None,
    )
    await alerts.settle_for(uow, actor, request_id=request.id)
    return request
