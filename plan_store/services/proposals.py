"""What the adolescent proposes for her own plan: a goal, or a step of a goal.

She proposes in a few taps and one short text; staff accept it (it becomes a goal or
a step of her plan), rework it with her, or decline it with a reason written for her
to read. Each decision is told to her chat once (``to_tell`` / ``told``): the words
she reads come from the dialogs, sent by a scheduled sweep.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from plan_store.enums import Channel, Horizon, Programme, ProposalKind, ProposalStatus
from plan_store.errors import InvalidTransition, NotFound, ValidationFailed
from plan_store.models import Adolescent, Goal, Proposal, Step
from plan_store.services import audit, plans
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork

MAX_TEXT = 200
MAX_REPLY = 500
UNDECIDED = (ProposalStatus.OPEN, ProposalStatus.REWORK)


def _clean(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationFailed("a proposal needs words")
    return text[:limit]


async def propose_goal(
    uow: UnitOfWork,
    adolescent_id: int,
    *,
    programme: Programme,
    horizon: Horizon,
    text: str,
    due_on: date | None = None,
    channel: Channel | None = None,
) -> Proposal:
    return await _add(
        uow,
        Proposal(
            adolescent_id=adolescent_id,
            kind=ProposalKind.GOAL,
            programme=programme,
            horizon=horizon,
            text_ciphertext=uow.cipher.encrypt(_clean(text, MAX_TEXT)),
            due_on=due_on,
            channel=channel,
        ),
    )


async def propose_step(
    uow: UnitOfWork,
    adolescent_id: int,
    goal_id: int,
    *,
    text: str,
    due_on: date | None = None,
    channel: Channel | None = None,
) -> Proposal:
    goal = await plans.goal_of_case(uow, adolescent_id, goal_id)
    return await _add(
        uow,
        Proposal(
            adolescent_id=adolescent_id,
            kind=ProposalKind.STEP,
            goal_id=goal.id,
            programme=goal.programme,
            horizon=goal.horizon,
            text_ciphertext=uow.cipher.encrypt(_clean(text, MAX_TEXT)),
            due_on=due_on,
            channel=channel,
        ),
    )


async def _add(uow: UnitOfWork, proposal: Proposal) -> Proposal:
    proposal.status = ProposalStatus.OPEN
    proposal.created_at = uow.now()
    uow.session.add(proposal)
    await uow.flush()
    audit.record(
        uow,
        "proposal.create",
        actor="adolescent",
        adolescent_id=proposal.adolescent_id,
        target=f"proposal:{proposal.id}",
        details={"kind": proposal.kind.value},
    )
    return proposal


def text_of(uow: UnitOfWork, proposal: Proposal) -> str:
    return uow.cipher.decrypt(proposal.text_ciphertext)


def reply_of(uow: UnitOfWork, proposal: Proposal) -> str:
    if proposal.reply_ciphertext is None:
        return ""
    return uow.cipher.decrypt(proposal.reply_ciphertext)


async def of_case(
    uow: UnitOfWork, adolescent_id: int, *, undecided: bool = False
) -> list[Proposal]:
    query = select(Proposal).where(Proposal.adolescent_id == adolescent_id)
    if undecided:
        query = query.where(Proposal.status.in_(UNDECIDED))
    return list(await uow.session.scalars(query.order_by(Proposal.created_at, Proposal.id)))


async def _undecided(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, proposal_id: int
) -> tuple[Adolescent, Proposal]:
    case = await case_for_staff(uow, actor, adolescent_id, purpose="change")
    proposal = await uow.session.get(Proposal, proposal_id)
    if proposal is None or proposal.adolescent_id != case.id:
        raise NotFound(f"no proposal {proposal_id} for case {adolescent_id}")
    if proposal.status not in UNDECIDED:
        raise InvalidTransition(f"proposal {proposal_id} is {proposal.status}")
    return case, proposal


def _decide(
    uow: UnitOfWork, actor: StaffActor, proposal: Proposal, status: ProposalStatus, reply: str
) -> None:
    proposal.status = status
    proposal.reply_ciphertext = uow.cipher.encrypt(reply) if reply else None
    proposal.decided_at = uow.now()
    proposal.decided_by_id = actor.id
    proposal.told_at = None
    audit.record(
        uow,
        f"proposal.{status.value}",
        staff_id=actor.id,
        adolescent_id=proposal.adolescent_id,
        target=f"proposal:{proposal.id}",
    )


async def accept(
    uow: UnitOfWork,
    actor: StaffActor,
    adolescent_id: int,
    proposal_id: int,
    *,
    title: str | None = None,
    due_on: date | None = None,
) -> Proposal:
    """It becomes a goal (or a step of its goal), in her words unless staff wrote a
    clearer ``title``."""
    case, proposal = await _undecided(uow, actor, adolescent_id, proposal_id)
    words = (title or "").strip() or text_of(uow, proposal)
    when = due_on or proposal.due_on
    if proposal.kind is ProposalKind.GOAL:
        assert proposal.programme is not None and proposal.horizon is not None
        goal = await plans.add_goal(
            uow,
            actor,
            case.id,
            programme=proposal.programme,
            horizon=proposal.horizon,
            title=words,
            target_date=when,
        )
        proposal.result_goal_id = goal.id
    else:
        if proposal.goal_id is None:
            raise InvalidTransition(f"proposal {proposal_id} names no goal")
        step = await plans.add_step(
            uow, actor, case.id, proposal.goal_id, title=words, responsible=case.alias, due_on=when
        )
        proposal.result_goal_id = proposal.goal_id
        proposal.result_step_id = step.id
    _decide(uow, actor, proposal, ProposalStatus.ACCEPTED, "")
    return proposal


async def rework(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, proposal_id: int, note: str = ""
) -> Proposal:
    """Staff will shape it with her; ``note`` (optional) is for her to read."""
    _, proposal = await _undecided(uow, actor, adolescent_id, proposal_id)
    _decide(uow, actor, proposal, ProposalStatus.REWORK, note.strip()[:MAX_REPLY])
    return proposal


async def decline(
    uow: UnitOfWork, actor: StaffActor, adolescent_id: int, proposal_id: int, reason: str
) -> Proposal:
    """Declined, with a reason she reads: never without one."""
    reason = reason.strip()[:MAX_REPLY]
    if not reason:
        raise ValidationFailed("declining a proposal needs a reason she can read")
    _, proposal = await _undecided(uow, actor, adolescent_id, proposal_id)
    _decide(uow, actor, proposal, ProposalStatus.DECLINED, reason)
    return proposal


async def to_tell(uow: UnitOfWork, *, limit: int = 500) -> list[tuple[Proposal, Adolescent]]:
    """Decisions not told to her chat yet, oldest first."""
    rows = await uow.session.execute(
        select(Proposal, Adolescent)
        .join(Adolescent, Adolescent.id == Proposal.adolescent_id)
        .where(Proposal.status != ProposalStatus.OPEN, Proposal.told_at.is_(None))
        .order_by(Proposal.decided_at, Proposal.id)
        .limit(limit)
    )
    return [(p, c) for p, c in rows.all()]


def told(uow: UnitOfWork, proposal: Proposal) -> None:
    proposal.told_at = uow.now()


def tell_key(proposal: Proposal) -> str:
    """The outbox dedupe key of one decision's message."""
    assert proposal.decided_at is not None
    stamp = int(proposal.decided_at.timestamp())
    return f"proposal:{proposal.id}:{proposal.status.value}:{stamp}"


async def became(uow: UnitOfWork, proposal: Proposal) -> str | None:
    """The title of the step or goal an accepted proposal became."""
    if proposal.result_step_id is not None:
        step = await uow.session.get(Step, proposal.result_step_id)
        return step.title if step else None
    if proposal.result_goal_id is not None:
        goal = await uow.session.get(Goal, proposal.result_goal_id)
        return goal.title if goal else None
    return None
