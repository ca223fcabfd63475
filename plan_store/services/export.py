"""The right of access: everything kept about one adolescent, as one plain dict.

The design promises that a case's data can be exported as one file. This builds
what goes in it, from the same rows the console reads: the case's own fields, consent
decisions, chat links (the channel, never the chat's number or phone), the life plan,
appointments and their answers, requests, messages, flags, evaluations, follow-up
check-ins, her voice in the plan (proposals, answers before evaluations, agreements,
requests to change operator and complaints, save one about the person exporting),
linking codes (when issued and used; the code itself is never kept), the phase
history, the team's notes and handover notes, and the audit trail of who read or
changed the case. What the adolescent wrote is decrypted; voice notes come as base64
OGG/Opus. Times are ISO 8601 in UTC ("Z"), days are ISO dates,
closed vocabularies are their stored codes, staff appear by display name. The caller
serialises it (the console as JSON).

Who may export: a coordinator of the case's home or an admin, never an operator, not
even the case's reference operator. An operator already reads all of this on the
case page, inside the console, where every read is audited; the export takes the
whole record out into a file that can be copied and forwarded, so it is a deliberate
act of the people accountable for the home's records. An adolescent who asks their
operator for their data is answered through coordination, which also keeps the
number of people able to pull a complete file small. The export is audited
(``case.export``) in the same transaction that reads it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plan_store.enums import ConsentPurpose, Programme
from plan_store.models import (
    Adolescent,
    Appointment,
    AuditEntry,
    CaseNote,
    ChatLink,
    Concern,
    Consent,
    Evaluation,
    EvaluationAgreement,
    EvaluationVoice,
    Flag,
    FollowUpCheckin,
    Goal,
    Handover,
    Home,
    LifePlan,
    LinkingCode,
    Message,
    OperatorRequest,
    PhaseChange,
    Proposal,
    Staff,
)
from plan_store.services import (
    appointments,
    audit,
    concerns,
    consent,
    evaluation_voice,
    flags,
    proposals,
    requests,
)
from plan_store.services.access import StaffActor
from plan_store.services.cases import case_for_coordination
from plan_store.services.consent import ConsentState
from plan_store.unit_of_work import UnitOfWork

FORMAT = "rumbo.case_export"
VERSION = 1
VOICE_FORMAT = "audio/ogg; codecs=opus"


def iso_time(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC, with a "Z": ``2026-03-02T16:00:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Names:
    """Staff display names by id, read once for the whole export."""

    def __init__(self, names: dict[int, str]) -> None:
        self._names = names

    def __call__(self, staff_id: int | None) -> str | None:
        if staff_id is None:
            return None
        return self._names.get(staff_id, "")


async def _staff_names(uow: UnitOfWork, ids: Iterable[int | None]) -> _Names:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return _Names({})
    rows = await uow.session.execute(
        select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted))
    )
    return _Names({row[0]: row[1] for row in rows})


async def case_export(uow: UnitOfWork, actor: StaffActor, adolescent_id: int) -> dict[str, Any]:
    """Everything kept about the adolescent (see the module's docstring). Refused
    (``OutOfScope``, shown as not found) to anyone but coordination of the case's
    home and admins; audited as ``case.export``."""
    case = await case_for_coordination(uow, actor, adolescent_id, purpose="export")
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    rows = await _Rows.load(uow, case)
    name = await _staff_names(uow, rows.staff_ids(case))
    exported = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso_time(uow.now()),
        "case": _case(case, home, name),
        "consent": {
            "in_force": [_consent_state(s) for s in rows.states],
            "decisions": [_consent_decision(c, name) for c in rows.consents],
        },
        "chat_links": [_chat_link(link) for link in rows.links],
        "linking_codes": [_linking_code(code, name) for code in rows.codes],
        "plan": _plan(rows.plan, rows.goals, name),
        "appointments": [_appointment(uow, visit, name) for visit in rows.visits],
        "requests": [_request(uow, request, name) for request in rows.asked],
        "messages": [_message(uow, message, name) for message in rows.messages],
        "flags": [_flag(flag, name) for flag in rows.raised],
        "evaluations": [_evaluation(evaluation, name) for evaluation in rows.evaluations],
        "follow_up_checkins": [_checkin(checkin) for checkin in rows.checkins],
        "phases": [
            {"phase": row.phase.value, "since": iso_time(row.started_at)} for row in rows.phases
        ],
        "team_notes": [_team_note(uow, note, name) for note in rows.team_notes],
        "handovers": [_handover(uow, handover, name) for handover in rows.handovers],
        "access_log": [_access(entry, name) for entry in rows.trail],
    }
    exported["her_voice"] = await _her_voice(uow, actor, case.id)
    audit.record(
        uow,
        "case.export",
        staff_id=actor.id,
        adolescent_id=case.id,
        details={"messages": len(rows.messages)},
    )
    return exported


async def _of_case(uow: UnitOfWork, model: Any, case_id: int, *order: Any) -> list[Any]:
    """The rows of ``model`` that belong to the case, in ``order`` (else by id)."""
    statement = select(model).where(model.adolescent_id == case_id)
    return list(await uow.session.scalars(statement.order_by(*(order or (model.id,)))))


@dataclass(slots=True)
class _Rows:
    """Every row of the case the export reads, each kind in its export order."""

    consents: list[Consent]
    states: list[ConsentState]
    links: list[ChatLink]
    codes: list[LinkingCode]
    plan: LifePlan | None
    goals: list[Goal]
    visits: list[Appointment]
    asked: list[OperatorRequest]
    messages: list[Message]
    raised: list[Flag]
    evaluations: list[Evaluation]
    checkins: list[FollowUpCheckin]
    trail: list[AuditEntry]
    phases: list[PhaseChange]
    team_notes: list[CaseNote]
    handovers: list[Handover]

    @classmethod
    async def load(cls, uow: UnitOfWork, case: Adolescent) -> _Rows:
        plan = await uow.session.scalar(
            select(LifePlan)
            .where(LifePlan.adolescent_id == case.id)
            .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
        )
        programmes = list(Programme)
        visits = await appointments.with_history(uow, case.id)
        return cls(
            consents=await _of_case(uow, Consent, case.id),
            states=[await consent.state(uow, case, purpose) for purpose in ConsentPurpose],
            links=await _of_case(uow, ChatLink, case.id),
            codes=await _of_case(uow, LinkingCode, case.id),
            plan=plan,
            goals=sorted(
                plan.goals if plan else [],
                key=lambda g: (programmes.index(g.programme), g.position, g.id),
            ),
            visits=sorted(visits, key=lambda a: (a.starts_at, a.id)),
            asked=await _of_case(uow, OperatorRequest, case.id),
            messages=await _of_case(uow, Message, case.id),
            raised=sorted(await flags.for_case(uow, case.id), key=lambda f: f.id),
            evaluations=await _of_case(uow, Evaluation, case.id),
            checkins=await _of_case(
                uow, FollowUpCheckin, case.id, FollowUpCheckin.due_on, FollowUpCheckin.id
            ),
            trail=await _of_case(uow, AuditEntry, case.id),
            phases=await _of_case(
                uow, PhaseChange, case.id, PhaseChange.started_at, PhaseChange.id
            ),
            team_notes=await _of_case(uow, CaseNote, case.id),
            handovers=await _of_case(uow, Handover, case.id),
        )

    def staff_ids(self, case: Adolescent) -> list[int | None]:
        """Every staff member the export names."""
        return [
            case.reference_operator_id,
            *(c.explained_by_id for c in self.consents),
            *(c.issued_by_id for c in self.codes),
            *(s.confirmed_by_id for g in self.goals for s in g.steps),
            *(a.created_by_id for a in self.visits),
            *(c.by_staff_id for a in self.visits for c in a.confirmations),
            *(r.handled_by_id for r in self.asked),
            *(m.staff_id for m in self.messages),
            *(f.acknowledged_by_id for f in self.raised),
            *(f.resolved_by_id for f in self.raised),
            *(e.recorded_by_id for e in self.evaluations),
            *(e.staff_id for e in self.trail),
            *(p.by_staff_id for p in self.phases),
            *(n.staff_id for n in self.team_notes),
            *(i for h in self.handovers for i in (h.from_staff_id, h.to_staff_id, h.by_staff_id)),
        ]


def _consent_state(state: ConsentState) -> dict[str, Any]:
    return {
        "purpose": state.purpose.value,
        "decision": state.decision.value if state.decision else None,
        "version": state.version,
        "current_version": state.current_version,
        "valid": state.valid,
        "asked_again_at_18": state.needs_reconsent_at_18,
    }


def _consent_decision(decision: Consent, name: _Names) -> dict[str, Any]:
    return {
        "purpose": decision.purpose.value,
        "decision": decision.decision.value,
        "text_version": decision.text_version,
        "language": decision.language,
        "channel": decision.channel.value if decision.channel else None,
        "explained_by": name(decision.explained_by_id),
        "decided_at": iso_time(decision.decided_at),
    }


def _chat_link(link: ChatLink) -> dict[str, Any]:
    return {
        "channel": link.channel.value,
        "active": link.active,
        "linked_at": iso_time(link.linked_at),
        "unlinked_at": iso_time(link.unlinked_at),
        "unlink_reason": link.unlink_reason,
    }


def _linking_code(code: LinkingCode, name: _Names) -> dict[str, Any]:
    return {
        "issued_by": name(code.issued_by_id),
        "issued_at": iso_time(code.created_at),
        "expires_at": iso_time(code.expires_at),
        "used_at": iso_time(code.used_at),
    }


def _plan(plan: LifePlan | None, goals: list[Goal], name: _Names) -> dict[str, Any]:
    return {
        "drafted_at": iso_time(plan.drafted_at) if plan else None,
        "revised_at": iso_time(plan.revised_at) if plan else None,
        "goals": [_goal(goal, name) for goal in goals],
    }


def _goal(goal: Goal, name: _Names) -> dict[str, Any]:
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


def _appointment(uow: UnitOfWork, visit: Appointment, name: _Names) -> dict[str, Any]:
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


def _request(uow: UnitOfWork, request: OperatorRequest, name: _Names) -> dict[str, Any]:
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


def _flag(flag: Flag, name: _Names) -> dict[str, Any]:
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


def _evaluation(evaluation: Evaluation, name: _Names) -> dict[str, Any]:
    return {
        "held_on": iso_day(evaluation.held_on),
        "period_start": iso_day(evaluation.period_start),
        "summary": evaluation.summary,
        "goals_reviewed": evaluation.goals_reviewed,
        "next_on": iso_day(evaluation.next_on),
        "recorded_by": name(evaluation.recorded_by_id),
        "created_at": iso_time(evaluation.created_at),
    }


def _checkin(checkin: FollowUpCheckin) -> dict[str, Any]:
    return {
        "due_on": iso_day(checkin.due_on),
        "sent_at": iso_time(checkin.sent_at),
        "answered_at": iso_time(checkin.answered_at),
        "answers": dict(checkin.answers),
    }


def _team_note(uow: UnitOfWork, note: CaseNote, name: _Names) -> dict[str, Any]:
    return {
        "by": name(note.staff_id),
        "role": note.role.value,
        "at": iso_time(note.created_at),
        "note": uow.cipher.decrypt(note.body_ciphertext),
    }


def _handover(uow: UnitOfWork, handover: Handover, name: _Names) -> dict[str, Any]:
    return {
        "from": name(handover.from_staff_id),
        "to": name(handover.to_staff_id),
        "by": name(handover.by_staff_id),
        "at": iso_time(handover.created_at),
        "note": uow.cipher.decrypt(handover.note_ciphertext),
    }


def _access(entry: AuditEntry, name: _Names) -> dict[str, Any]:
    return {
        "at": iso_time(entry.at),
        "action": entry.action,
        "actor": entry.actor,
        "staff": name(entry.staff_id),
    }


def _case(case: Adolescent, home: Home, name: _Names) -> dict[str, Any]:
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


def _message(uow: UnitOfWork, message: Message, name: _Names) -> dict[str, Any]:
    voice = None
    if message.voice_ciphertext is not None:
        audio = uow.cipher.decrypt_bytes(message.voice_ciphertext)
        voice = {"format": VOICE_FORMAT, "base64": base64.b64encode(audio).decode("ascii")}
    return {
        "id": message.id,
        "direction": message.direction.value,
        "kind": message.kind.value,
        "channel": message.channel.value if message.channel else None,
        "body": uow.cipher.decrypt(message.body_ciphertext),
        "voice_note": voice,
        "from_staff": name(message.staff_id),
        "marked_for_evaluation": message.marked_for_evaluation,
        "created_at": iso_time(message.created_at),
    }


async def _her_voice(uow: UnitOfWork, actor: StaffActor, case_id: int) -> dict[str, Any]:
    """Her proposals, her answers before evaluations, the agreements sent to her, and
    her requests to change operator and complaints, with her own words (a concern
    about the person exporting is left out: they may not read it)."""
    ideas = await _of_case(uow, Proposal, case_id)
    answers = await _of_case(
        uow, EvaluationVoice, case_id, EvaluationVoice.evaluation_on, EvaluationVoice.id
    )
    shared = await _of_case(uow, EvaluationAgreement, case_id)
    raised = [c for c in await _of_case(uow, Concern, case_id) if concerns.may_read(actor, c)]
    name = await _staff_names(
        uow,
        [
            *(p.decided_by_id for p in ideas),
            *(a.shared_by_id for a in shared),
            *(c.handled_by_id for c in raised),
        ],
    )
    return {
        "proposals": [_proposal(uow, p, name) for p in ideas],
        "before_evaluations": [
            {
                "evaluation_on": iso_day(a.evaluation_on),
                "answers": dict(a.answers),
                "words": evaluation_voice.note_of(uow, a),
                "answered_at": iso_time(a.answered_at),
            }
            for a in answers
        ],
        "agreements": [
            {
                "items": evaluation_voice.items_of(uow, a),
                "sent_at": iso_time(a.sent_at),
                "shared_by": name(a.shared_by_id),
                "answer": a.answer.value if a.answer else None,
                "answered_at": iso_time(a.answered_at),
            }
            for a in shared
        ],
        "concerns": [_concern(uow, c, name) for c in raised],
    }


def _proposal(uow: UnitOfWork, proposal: Proposal, name: _Names) -> dict[str, Any]:
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


def _concern(uow: UnitOfWork, concern: Concern, name: _Names) -> dict[str, Any]:
    return {
        "kind": concern.kind.value,
        "text": concerns.text_of(uow, concern),
        "voice_note": _voice(uow, concern.voice_ciphertext),
        "status": concern.status.value,
        "created_at": iso_time(concern.created_at),
        "handled_at": iso_time(concern.handled_at),
        "handled_by": name(concern.handled_by_id),
        "note": concern.note,
    }


def _voice(uow: UnitOfWork, ciphertext: bytes | None) -> dict[str, str] | None:
    if ciphertext is None:
        return None
    audio = uow.cipher.decrypt_bytes(ciphertext)
    return {"format": VOICE_FORMAT, "base64": base64.b64encode(audio).decode("ascii")}
