"""Her voice in the console: her proposals (case page and dashboard: accept, rework,
decline with a reason she reads), what she said before the evaluation (top of the
preparation sheet), and the agreements sent to her after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import N_
from plan_store.enums import CaseStatus, ProposalKind, ProposalStatus
from plan_store.models import (
    Adolescent,
    Evaluation,
    EvaluationAgreement,
    EvaluationVoice,
    Goal,
    Home,
    Proposal,
)
from plan_store.services import evaluation_voice, proposals
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import case_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError
from staff_console.queries.common import CASE_COLUMNS, CaseRef, Section, scoped

MAX_REPLY = proposals.MAX_REPLY

QUESTIONS = {
    "going": N_("Cómo va su plan"),
    "hard": N_("Qué se le hizo difícil"),
    "talk": N_("De qué quiere hablar"),
    "proud": N_("Una meta de la que está orgullosa u orgulloso"),
}
ANSWERS = {
    ("going", "good"): N_("Bien"),
    ("going", "so_so"): N_("Más o menos"),
    ("going", "hard"): N_("Difícil"),
    ("hard", "school"): N_("La escuela"),
    ("hard", "home"): N_("La casa"),
    ("hard", "feelings"): N_("Cómo se siente"),
    ("hard", "papers"): N_("Sus papeles"),
    ("hard", "nothing"): N_("Nada"),
    ("talk", "goals"): N_("Sus metas"),
    ("talk", "family"): N_("Su familia"),
    ("talk", "papers"): N_("Sus papeles"),
    ("talk", "home"): N_("La casa"),
    ("talk", "nothing"): N_("Nada más"),
    ("proud", "none"): N_("Todavía de ninguna"),
}


@dataclass(frozen=True, slots=True)
class ProposalView:
    proposal: Proposal
    text: str
    reply: str
    goal_title: str | None


@dataclass(frozen=True, slots=True)
class AgreementView:
    agreement: EvaluationAgreement
    evaluation: Evaluation
    items: list[str]


@dataclass(slots=True)
class CaseParticipation:
    undecided: list[ProposalView]
    decided: list[ProposalView]
    agreement: AgreementView | None


async def for_case(uow: UnitOfWork, case: Adolescent) -> CaseParticipation:
    """What the case page shows of her voice (the case was read, audited, already)."""
    rows = await proposals.of_case(uow, case.id)
    goal_ids = {p.goal_id for p in rows if p.goal_id is not None}
    titles: dict[int, str] = {}
    if goal_ids:
        found = await uow.session.execute(
            select(Goal.id, Goal.title).where(Goal.id.in_(sorted(goal_ids)))
        )
        titles = {row[0]: row[1] for row in found}
    views = [
        ProposalView(
            p,
            proposals.text_of(uow, p),
            proposals.reply_of(uow, p),
            titles.get(p.goal_id) if p.goal_id is not None else None,
        )
        for p in rows
    ]
    latest = await evaluation_voice.latest_of(uow, case.id)
    agreement = (
        AgreementView(latest[0], latest[1], evaluation_voice.items_of(uow, latest[0]))
        if latest
        else None
    )
    return CaseParticipation(
        undecided=[v for v in views if v.proposal.status in proposals.UNDECIDED],
        decided=[v for v in reversed(views) if v.proposal.status not in proposals.UNDECIDED][:10],
        agreement=agreement,
    )


@dataclass(frozen=True, slots=True)
class ProposalRow:
    id: int
    case: CaseRef
    kind: ProposalKind
    status: ProposalStatus
    created_at: datetime


async def for_dashboard(uow: UnitOfWork, actor: StaffActor, limit: int) -> Section[ProposalRow]:
    """Her proposals still to decide, in ``actor``'s cases, oldest first."""
    query = scoped(
        select(Proposal.id, Proposal.kind, Proposal.status, Proposal.created_at, *CASE_COLUMNS)
        .join(Adolescent, Adolescent.id == Proposal.adolescent_id)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status != CaseStatus.CLOSED,
            Proposal.status.in_(proposals.UNDECIDED),
        ),
        actor,
    ).order_by(Proposal.created_at)
    rows = list((await uow.session.execute(query.limit(limit))).all())
    total = len(rows)
    if total == limit:
        total = len(list(await uow.session.execute(query)))
    return Section(
        [ProposalRow(r[0], CaseRef(r[4], r[5], r[6], r[7]), r[1], r[2], r[3]) for r in rows],
        total,
    )


@dataclass(frozen=True, slots=True)
class SheetVoice:
    """ "Lo que dice <alias>": her answers before the evaluation."""

    voice: EvaluationVoice
    answers: list[tuple[str, str, bool]]
    """(the question's label, the answer's label or a goal's title, whether the
    answer is a label to translate), in question order; labels are Spanish msgids."""
    note: str


async def for_sheet(uow: UnitOfWork, case: Adolescent, period_start: date) -> SheetVoice | None:
    voice = await evaluation_voice.for_sheet(uow, case, period_start)
    if voice is None:
        return None
    answers = dict(voice.answers or {})
    shown: list[tuple[str, str, bool]] = []
    for question in evaluation_voice.QUESTIONS:
        value = str(answers.get(question, ""))
        if not value:
            continue
        label = ANSWERS.get((question, value))
        if label is not None:
            shown.append((QUESTIONS[question], label, True))
        elif question == "proud" and value.isdigit():
            goal = await uow.session.get(Goal, int(value))
            if goal is not None:
                shown.append((QUESTIONS[question], goal.title, False))
    return SheetVoice(voice, shown, evaluation_voice.note_of(uow, voice))


# --- staff decide -------------------------------------------------------------------


@staff_endpoint()
async def decide(page: Page) -> Response:
    case_id = page.int_param("case_id")
    proposal_id = page.int_param("proposal_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        decision = form.raw("decision")
        reply = form.text("reply", max_length=MAX_REPLY, required=False)
        if decision == "accept":
            title = form.text("title", max_length=200, required=False)
            due_on = form.day("due_on", required=False)
            await proposals.accept(
                uow, page.actor, case_id, proposal_id, title=title or None, due_on=due_on
            )
            return ("proposal.accepted",)
        if decision == "rework":
            await proposals.rework(uow, page.actor, case_id, proposal_id, reply)
            return ("proposal.rework",)
        if decision == "decline":
            if not reply:
                raise FormError("form.reason")
            await proposals.decline(uow, page.actor, case_id, proposal_id, reply)
            return ("proposal.declined",)
        raise FormError("form.choice")

    return await case_action(page, case_id, action, anchor="proposals")


@staff_endpoint()
async def send_agreements(page: Page) -> Response:
    case_id = page.int_param("case_id")
    agreement_id = page.int_param("agreement_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await evaluation_voice.share(uow, page.actor, case_id, agreement_id)
        return ("agreements.sent",)

    return await case_action(page, case_id, action, anchor="agreements")


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/proposals/{proposal_id:int}", decide, methods=["POST"]),
    Route(
        "/cases/{case_id:int}/agreements/{agreement_id:int}/send",
        send_agreements,
        methods=["POST"],
    ),
]
