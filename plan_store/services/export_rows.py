"""How each kept row reads in a case's export: plain values, times in UTC with a
"Z", days as ISO dates, staff by display name, what she wrote decrypted."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

from plan_store.models import (
    Adolescent,
    Appointment,
    AuditEntry,
    CaseNote,
    ChatLink,
    Concern,
    Consent,
    Evaluation,
    Flag,
    FollowUpCheckin,
    Goal,
    Handover,
    Home,
    LifePlan,
    LinkingCode,
    Message,
    OperatorRequest,
    Proposal,
)
from plan_store.services import appointments, concerns, proposals, requests
from plan_store.services.consent import ConsentState
from plan_store.unit_of_work import UnitOfWork

VOICE_FORMAT = "audio/ogg; codecs=opus"


def iso_time(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC, with a "Z": ``2026-03-02T16:00:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Names:
    """Staff display names by id, read once for the whole export."""

    def __init__(self, names: dict[int, str]) -> None:
        self._names = names

    def __call__(self, staff_id: int | None) -> str | None:
        if staff_id is None:
            return None
        return self._names.get(staff_id, "")


def consent_state_row(state: ConsentState) -> dict[str, Any]:
    return {
        "purpose": state.purpose.value,
        "decision": state.decision.value if state.decision else None,
        "version": state.version,
        "current_version": state.current_version,
        "valid": state.valid,
        "asked_again_at_18": state.needs_reconsent_at_18,
    }


def consent_decision_row(decision: Consent, name: Names) -> dict[str, Any]:
    return {
        "purpose": decision.purpose.value,
        "decision": decision.decision.value,
        "text_version": decision.text_version,
        "language": decision.language,
        "channel": decision.channel.value if decision.channel else None,
        "explained_by": name(decision.explained_by_id),
        "decided_at": iso_time(decision.decided_at),
    }


def chat_link_row(link: ChatLink) -> dict[str, Any]:
    return {
        "channel": link.channel.value,
        "active": link.active,
        "linked_at": iso_time(link.linked_at),
        "unlinked_at": iso_time(link.unlinked_at),
        "unlink_reason": link.unlink_reason,
    }


def linking_code_row(code: LinkingCode, name: Names) -> dict[str, Any]:
    return {
        "issued_by": name(code.issued_by_id),
        "issued_at": iso_time(code.created_at),
        "expires_at": iso_time(code.expires_at),
        "used_at": iso_time(code.used_at),
    }


def plan_row(plan: LifePlan | None, goals: list[Goal], name: Names) -> dict[str, Any]:
    return {
        "drafted_at": iso_time(plan.drafted_at) if plan else None,
        "revised_at": iso_time(plan.revised_at) if plan else None,
        "goals": [goal_row(goal, name) for goal in goals],
    }


def goal_row(goal: Goal, name: Names) -> dict[str, Any]:
    return {
        "id": goal.id,
        "programme": goal.programme.value,
        "horizon": goal.horizon.value,
        "title": goal.title,
        "status": goal.status.value,
        "target_date": iso_day(goal.target_date),
        "created_at": iso_time(goal.created_at),
        "updated_at": iso_time(goal.updated_at),
        "steps": [
            {
                "title": step.title,
                "responsible": step.responsible,
                "due_on": iso_day(step.due_on),
                "done_at": iso_time(step.done_at),
                "confirmed_at": iso_time(step.confirmed_at),
                "confirmed_by": name(step.confirmed_by_id),
            }
            for step in goal.steps
        ],
    }


def appointment_row(uow: UnitOfWork, visit: Appointment, name: Names) -> dict[str, Any]:
    return {
        "id": visit.id,
        "kind": visit.kind.value,
        "title": visit.title,
        "place": visit.place,
        "starts_at": iso_time(visit.starts_at),
        "status": visit.status.value,
        "scheduled_by": name(visit.created_by_id),
        "created_at": iso_time(visit.created_at),
        "answers": [
            {
                "answer": answer.answer.value,
                "reason": appointments.reason_of(uow, answer),
                "channel": answer.channel.value if answer.channel else None,
                "by_staff": name(answer.by_staff_id),
                "answered_at": iso_time(answer.answered_at),
            }
            for answer in visit.confirmations
        ],
    }


def request_row(uow: UnitOfWork, request: OperatorRequest, name: Names) -> dict[str, Any]:
    return {
        "reason": request.reason.value,
        "urgency": request.urgency.value,
        "message": requests.message_of(uow, request),
        "goal_id": request.goal_id,
        "appointment_id": request.appointment_id,
        "status": request.status.value,
        "created_at": iso_time(request.created_at),
        "handled_at": iso_time(request.handled_at),
        "handled_by": name(request.handled_by_id),
    }


def flag_row(flag: Flag, name: Names) -> dict[str, Any]:
    return {
        "category": flag.category.value,
        "severity": flag.severity.value,
        "status": flag.status.value,
        "message_id": flag.message_id,
        "detail": flag.detail,
        "note": flag.note,
        "marked_for_evaluation": flag.marked_for_evaluation,
        "created_at": iso_time(flag.created_at),
        "acknowledged_at": iso_time(flag.acknowledged_at),
        "acknowledged_by": name(flag.acknowledged_by_id),
        "resolved_at": iso_time(flag.resolved_at),
        "resolved_by": name(flag.resolved_by_id),
    }


def evaluation_row(evaluation: Evaluation, name: Names) -> dict[str, Any]:
    return {
        "held_on": iso_day(evaluation.held_on),
        "period_start": iso_day(evaluation.period_start),
        "summary": evaluation.summary,
        "goals_reviewed": evaluation.goals_reviewed,
        "next_on": iso_day(evaluation.next_on),
        "recorded_by": name(evaluation.recorded_by_id),
        "created_at": iso_time(evaluation.created_at),
    }


def checkin_row(checkin: FollowUpCheckin) -> dict[str, Any]:
    return {
        "due_on": iso_day(checkin.due_on),
        "sent_at": iso_time(checkin.sent_at),
        "answered_at": iso_time(checkin.answered_at),
        "answers": dict(checkin.answers),
    }


def team_note_row(uow: UnitOfWork, note: CaseNote, name: Names) -> dict[str, Any]:
    return {
        "by": name(note.staff_id),
        "role": note.role.value,
        "at": iso_time(note.created_at),
        "note": uow.cipher.decrypt(note.body_ciphertext),
    }


def handover_row(uow: UnitOfWork, handover: Handover, name: Names) -> dict[str, Any]:
    return {
        "from": name(handover.from_staff_id),
        "to": name(handover.to_staff_id),
        "by": name(handover.by_staff_id),
        "at": iso_time(handover.created_at),
        "note": uow.cipher.decrypt(handover.note_ciphertext),
    }


def access_row(entry: AuditEntry, name: Names) -> dict[str, Any]:
    return {
        "at": iso_time(entry.at),
        "action": entry.action,
        "actor": entry.actor,
        "staff": name(entry.staff_id),
    }


def case_row(case: Adolescent, home: Home, name: Names) -> dict[str, Any]:
    return {
        "case_number": case.case_number,
        "alias": case.alias,
        "birth_date": iso_day(case.birth_date),
        "language": case.language,
        "phase": case.phase.value,
        "care_setting": case.care_setting.value,
        "status": case.status.value,
        "home": home.name,
        "reference_operator": name(case.reference_operator_id),
        "next_evaluation_on": iso_day(case.next_evaluation_on),
        "left_care_on": iso_day(case.left_care_on),
        "follow_up_until": iso_day(case.follow_up_until),
        "created_at": iso_time(case.created_at),
    }


def message_row(uow: UnitOfWork, message: Message, name: Names) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction.value,
        "kind": message.kind.value,
        "channel": message.channel.value if message.channel else None,
        "body": uow.cipher.decrypt(message.body_ciphertext),
        "voice_note": voice_row(uow, message.voice_ciphertext),
        "from_staff": name(message.staff_id),
        "marked_for_evaluation": message.marked_for_evaluation,
        "created_at": iso_time(message.created_at),
    }


def proposal_row(uow: UnitOfWork, proposal: Proposal, name: Names) -> dict[str, Any]:
    return {
        "kind": proposal.kind.value,
        "programme": proposal.programme.value if proposal.programme else None,
        "horizon": proposal.horizon.value if proposal.horizon else None,
        "text": proposals.text_of(uow, proposal),
        "due_on": iso_day(proposal.due_on),
        "status": proposal.status.value,
        "reply": proposals.reply_of(uow, proposal),
        "created_at": iso_time(proposal.created_at),
        "decided_at": iso_time(proposal.decided_at),
        "decided_by": name(proposal.decided_by_id),
    }


def concern_row(uow: UnitOfWork, concern: Concern, name: Names) -> dict[str, Any]:
    return {
        "kind": concern.kind.value,
        "text": concerns.text_of(uow, concern),
        "voice_note": voice_row(uow, concern.voice_ciphertext),
        "status": concern.status.value,
        "created_at": iso_time(concern.created_at),
        "handled_at": iso_time(concern.handled_at),
        "handled_by": name(concern.handled_by_id),
        "note": concern.note,
    }


def voice_row(uow: UnitOfWork, ciphertext: bytes | None) -> dict[str, str] | None:
    if ciphertext is None:
        return None
    audio = uow.cipher.decrypt_bytes(ciphertext)
    return {"format": VOICE_FORMAT, "base64": base64.b64encode(audio).decode("ascii")}
