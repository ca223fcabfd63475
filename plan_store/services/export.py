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
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from plan_store.enums import ConsentPurpose, Programme
from plan_store.models import (
    Adolescent,
    AuditEntry,
    CaseNote,
    ChatLink,
    Concern,
    Consent,
    Evaluation,
    EvaluationAgreement,
    EvaluationVoice,
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
    family,
    flags,
    legal,
    proposals,
    requests,
)
from plan_store.services.access import StaffActor
from plan_store.services.cases import case_for_coordination
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

    consents = list(
        await uow.session.scalars(
            select(Consent).where(Consent.adolescent_id == case.id).order_by(Consent.id)
        )
    )
    states = [await consent.state(uow, case, purpose) for purpose in ConsentPurpose]
    links = list(
        await uow.session.scalars(
            select(ChatLink).where(ChatLink.adolescent_id == case.id).order_by(ChatLink.id)
        )
    )
    codes = list(
        await uow.session.scalars(
            select(LinkingCode).where(LinkingCode.adolescent_id == case.id).order_by(LinkingCode.id)
        )
    )
    plan = await uow.session.scalar(
        select(LifePlan)
        .where(LifePlan.adolescent_id == case.id)
        .options(selectinload(LifePlan.goals).selectinload(Goal.steps))
    )
    programmes = list(Programme)
    goals = (
        sorted(plan.goals, key=lambda g: (programmes.index(g.programme), g.position, g.id))
        if plan
        else []
    )
    visits = sorted(
        await appointments.with_history(uow, case.id), key=lambda a: (a.starts_at, a.id)
    )
    asked = list(
        await uow.session.scalars(
            select(OperatorRequest)
            .where(OperatorRequest.adolescent_id == case.id)
            .order_by(OperatorRequest.id)
        )
    )
    messages = list(
        await uow.session.scalars(
            select(Message).where(Message.adolescent_id == case.id).order_by(Message.id)
        )
    )
    raised = sorted(await flags.for_case(uow, case.id), key=lambda f: f.id)
    evaluations = list(
        await uow.session.scalars(
            select(Evaluation).where(Evaluation.adolescent_id == case.id).order_by(Evaluation.id)
        )
    )
    checkins = list(
        await uow.session.scalars(
            select(FollowUpCheckin)
            .where(FollowUpCheckin.adolescent_id == case.id)
            .order_by(FollowUpCheckin.due_on, FollowUpCheckin.id)
        )
    )
    trail = list(
        await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.adolescent_id == case.id).order_by(AuditEntry.id)
        )
    )
    phase_rows = list(
        await uow.session.scalars(
            select(PhaseChange)
            .where(PhaseChange.adolescent_id == case.id)
            .order_by(PhaseChange.started_at, PhaseChange.id)
        )
    )
    team_notes = list(
        await uow.session.scalars(
            select(CaseNote).where(CaseNote.adolescent_id == case.id).order_by(CaseNote.id)
        )
    )
    handed = list(
        await uow.session.scalars(
            select(Handover).where(Handover.adolescent_id == case.id).order_by(Handover.id)
        )
    )
    name = await _staff_names(
        uow,
        [
            case.reference_operator_id,
            *(c.explained_by_id for c in consents),
            *(c.issued_by_id for c in codes),
            *(s.confirmed_by_id for g in goals for s in g.steps),
            *(a.created_by_id for a in visits),
            *(c.by_staff_id for a in visits for c in a.confirmations),
            *(r.handled_by_id for r in asked),
            *(m.staff_id for m in messages),
            *(f.acknowledged_by_id for f in raised),
            *(f.resolved_by_id for f in raised),
            *(e.recorded_by_id for e in evaluations),
            *(e.staff_id for e in trail),
            *(p.by_staff_id for p in phase_rows),
            *(n.staff_id for n in team_notes),
            *(i for h in handed for i in (h.from_staff_id, h.to_staff_id, h.by_staff_id)),
        ],
    )

    exported = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso_time(uow.now()),
        "case": _case(case, home, name),
        "consent": {
            "in_force": [
                {
                    "purpose": s.purpose.value,
                    "decision": s.decision.value if s.decision else None,
                    "version": s.version,
                    "current_version": s.current_version,
                    "valid": s.valid,
                    "asked_again_at_18": s.needs_reconsent_at_18,
                }
                for s in states
            ],
            "decisions": [
                {
                    "purpose": c.purpose.value,
                    "decision": c.decision.value,
                    "text_version": c.text_version,
                    "language": c.language,
                    "channel": c.channel.value if c.channel else None,
                    "explained_by": name(c.explained_by_id),
                    "decided_at": iso_time(c.decided_at),
                }
                for c in consents
            ],
        },
        "chat_links": [
            {
                "channel": link.channel.value,
                "active": link.active,
                "linked_at": iso_time(link.linked_at),
                "unlinked_at": iso_time(link.unlinked_at),
                "unlink_reason": link.unlink_reason,
            }
            for link in links
        ],
        "linking_codes": [
            {
                "issued_by": name(code.issued_by_id),
                "issued_at": iso_time(code.created_at),
                "expires_at": iso_time(code.expires_at),
                "used_at": iso_time(code.used_at),
            }
            for code in codes
        ],
        "plan": {
            "drafted_at": iso_time(plan.drafted_at) if plan else None,
            "revised_at": iso_time(plan.revised_at) if plan else None,
            "goals": [
                {
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
                for goal in goals
            ],
        },
        "appointments": [
            {
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
            for visit in visits
        ],
        "requests": [
            {
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
            for request in asked
        ],
        "messages": [_message(uow, message, name) for message in messages],
        "flags": [
            {
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
            for flag in raised
        ],
        "evaluations": [
            {
                "held_on": iso_day(evaluation.held_on),
                "period_start": iso_day(evaluation.period_start),
                "summary": evaluation.summary,
                "goals_reviewed": evaluation.goals_reviewed,
                "next_on": iso_day(evaluation.next_on),
                "recorded_by": name(evaluation.recorded_by_id),
                "created_at": iso_time(evaluation.created_at),
            }
            for evaluation in evaluations
        ],
        "follow_up_checkins": [
            {
                "due_on": iso_day(checkin.due_on),
                "sent_at": iso_time(checkin.sent_at),
                "answered_at": iso_time(checkin.answered_at),
                "answers": dict(checkin.answers),
            }
            for checkin in checkins
        ],
        "phases": [
            {"phase": row.phase.value, "since": iso_time(row.started_at)} for row in phase_rows
        ],
        "team_notes": [
            {
                "by": name(note.staff_id),
                "role": note.role.value,
                "at": iso_time(note.created_at),
                "note": uow.cipher.decrypt(note.body_ciphertext),
            }
            for note in team_notes
        ],
        "handovers": [
            {
                "from": name(h.from_staff_id),
                "to": name(h.to_staff_id),
                "by": name(h.by_staff_id),
                "at": iso_time(h.created_at),
                "note": uow.cipher.decrypt(h.note_ciphertext),
            }
            for h in handed
        ],
        "access_log": [
            {
                "at": iso_time(entry.at),
                "action": entry.action,
                "actor": entry.actor,
                "staff": name(entry.staff_id),
            }
            for entry in trail
        ],
    }
    exported["her_voice"] = await _her_voice(uow, actor, case.id)
    exported.update(await _family_and_papers(uow, case.id))
    audit.record(
        uow,
        "case.export",
        staff_id=actor.id,
        adolescent_id=case.id,
        details={"messages": len(messages)},
    )
    return exported


async def _family_and_papers(uow: UnitOfWork, case_id: int) -> dict[str, Any]:
    kin = await family.family_of(uow, case_id, records=10_000)
    procedures = await legal.procedures_of(uow, case_id)
    return {
        "family_contacts": [
            {
                "name": c.name,
                "relation": c.relation,
                "way": c.way.value,
                "allowed_by": c.allowed_by,
                "allowed_since": iso_day(c.allowed_since),
                "ended_on": iso_day(c.ended_on),
                "calls_and_visits": [
                    {"way": r.way.value, "held_on": iso_day(r.held_on), "note": r.note}
                    for r in kin.records
                    if r.contact_id == c.id
                ],
            }
            for c in kin.contacts
        ],
        "legal_procedures": [
            {
                "kind": p.kind.value,
                "stage": p.stage.value,
                "next_on": iso_day(p.next_on),
                "next": p.next_what,
                "followed_by": p.followed_by,
                "stages": [{"stage": s.stage.value, "at": iso_time(s.at)} for s in p.stages],
            }
            for p in procedures
        ],
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
    ideas = list(
        await uow.session.scalars(
            select(Proposal).where(Proposal.adolescent_id == case_id).order_by(Proposal.id)
        )
    )
    answers = list(
        await uow.session.scalars(
            select(EvaluationVoice)
            .where(EvaluationVoice.adolescent_id == case_id)
            .order_by(EvaluationVoice.evaluation_on, EvaluationVoice.id)
        )
    )
    shared = list(
        await uow.session.scalars(
            select(EvaluationAgreement)
            .where(EvaluationAgreement.adolescent_id == case_id)
            .order_by(EvaluationAgreement.id)
        )
    )
    raised = list(
        await uow.session.scalars(
            select(Concern).where(Concern.adolescent_id == case_id).order_by(Concern.id)
        )
    )
    raised = [c for c in raised if concerns.may_read(actor, c)]
    name = await _staff_names(
        uow,
        [
            *(p.decided_by_id for p in ideas),
            *(a.shared_by_id for a in shared),
            *(c.handled_by_id for c in raised),
        ],
    )
    return {
        "proposals": [
            {
                "kind": p.kind.value,
                "programme": p.programme.value if p.programme else None,
                "horizon": p.horizon.value if p.horizon else None,
                "text": proposals.text_of(uow, p),
                "due_on": iso_day(p.due_on),
                "status": p.status.value,
                "reply": proposals.reply_of(uow, p),
                "created_at": iso_time(p.created_at),
                "decided_at": iso_time(p.decided_at),
                "decided_by": name(p.decided_by_id),
            }
            for p in ideas
        ],
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
        "concerns": [
            {
                "kind": c.kind.value,
                "text": concerns.text_of(uow, c),
                "voice_note": _voice(uow, c.voice_ciphertext),
                "status": c.status.value,
                "created_at": iso_time(c.created_at),
                "handled_at": iso_time(c.handled_at),
                "handled_by": name(c.handled_by_id),
                "note": c.note,
            }
            for c in raised
        ],
    }


def _voice(uow: UnitOfWork, ciphertext: bytes | None) -> dict[str, str] | None:
    if ciphertext is None:
        return None
    audio = uow.cipher.decrypt_bytes(ciphertext)
    return {"format": VOICE_FORMAT, "base64": base64.b64encode(audio).decode("ascii")}
