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
closed vocabularies are their stored codes, staff appear by display name
(``export_rows``). The caller serialises it (the console as JSON).

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

from collections.abc import Iterable
from dataclasses import dataclass
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
    family,
    flags,
    legal,
)
from plan_store.services.access import StaffActor
from plan_store.services.cases import case_for_coordination
from plan_store.services.consent import ConsentState
from plan_store.services.export_rows import (
    Names,
    access_row,
    appointment_row,
    case_row,
    chat_link_row,
    checkin_row,
    concern_row,
    consent_decision_row,
    consent_state_row,
    evaluation_row,
    flag_row,
    handover_row,
    iso_day,
    iso_time,
    linking_code_row,
    message_row,
    plan_row,
    proposal_row,
    request_row,
    team_note_row,
)
from plan_store.unit_of_work import UnitOfWork

FORMAT = "rumbo.case_export"
VERSION = 1


async def _staff_names(uow: UnitOfWork, ids: Iterable[int | None]) -> Names:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return Names({})
    rows = await uow.session.execute(
        select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted))
    )
    return Names({row[0]: row[1] for row in rows})


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
        "case": case_row(case, home, name),
        "consent": {
            "in_force": [consent_state_row(s) for s in rows.states],
            "decisions": [consent_decision_row(c, name) for c in rows.consents],
        },
        "chat_links": [chat_link_row(link) for link in rows.links],
        "linking_codes": [linking_code_row(code, name) for code in rows.codes],
        "plan": plan_row(rows.plan, rows.goals, name),
        "appointments": [appointment_row(uow, visit, name) for visit in rows.visits],
        "requests": [request_row(uow, request, name) for request in rows.asked],
        "messages": [message_row(uow, message, name) for message in rows.messages],
        "flags": [flag_row(flag, name) for flag in rows.raised],
        "evaluations": [evaluation_row(evaluation, name) for evaluation in rows.evaluations],
        "follow_up_checkins": [checkin_row(checkin) for checkin in rows.checkins],
        "phases": [
            {"phase": row.phase.value, "since": iso_time(row.started_at)} for row in rows.phases
        ],
        "team_notes": [team_note_row(uow, note, name) for note in rows.team_notes],
        "handovers": [handover_row(uow, handover, name) for handover in rows.handovers],
        "access_log": [access_row(entry, name) for entry in rows.trail],
    }
    exported["her_voice"] = await _her_voice(uow, actor, case.id)
    exported.update(await _family_and_papers(uow, case.id))
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
        "proposals": [proposal_row(uow, p, name) for p in ideas],
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
        "concerns": [concern_row(uow, c, name) for c in raised],
    }
