"""Her voice in the plan: a few short questions before each evaluation, and the
news of what staff decided about her proposals and the agreements they sent her."""

from __future__ import annotations

from datetime import datetime, timedelta

from dialogs import agreements, dates, pre_evaluation, proposals
from dialogs.common import first_name
from dialogs.due.outgoing import full, message
from plan_store.models import Adolescent, Staff
from plan_store.services import evaluation_voice, outbox
from plan_store.services import proposals as proposal_service
from plan_store.services.recipients import Targets
from plan_store.unit_of_work import UnitOfWork

PARTICIPATION_TTL = timedelta(days=3)


async def pre_evaluation_asks(uow: UnitOfWork, now: datetime, *, limit: int | None = None) -> int:
    """Three days before the evaluation (the home's calendar): a few short questions.
    The ``EvaluationVoice`` row is made once, and its first question sent once."""
    due = await evaluation_voice.asks_due(uow, now)
    targets = Targets(uow)
    await targets.preload(case for case, _, _ in due)
    queued: list[outbox.Outgoing] = []
    for case, _home, day in due:
        target = await targets.of(case)
        if target is None:
            continue
        voice = await evaluation_voice.ask(uow, case.id, day)
        voice.sent_at = now
        words = dates.day(day, target.lang)
        screen = pre_evaluation.first_screen(target.lang, voice, case.alias, words)
        key = pre_evaluation.key(voice.id)
        queued.append(
            message(target, case, screen.to_payload(), key, now, expires_at=now + PARTICIPATION_TTL)
        )
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def participation_news(uow: UnitOfWork, now: datetime, *, limit: int | None = None) -> int:
    """What staff decided about her proposals, and the agreements they sent her: told
    to her chat once. A decision or agreement with no chat to reach is marked told all
    the same (she sees her plan in the chat; staff see that nothing was sent)."""
    queued: list[outbox.Outgoing] = []
    decided = await proposal_service.to_tell(uow, limit=limit or 500)
    shared = await evaluation_voice.to_send(uow)
    targets = Targets(uow)
    await targets.preload([case for _, case in decided] + [case for _, _, case in shared])
    names: dict[int, str | None] = {}
    for proposal, case in decided:
        proposal_service.told(uow, proposal)
        target = await targets.of(case)
        if target is None:
            continue
        operator = await _operator_name(uow, case, names)
        in_plan = await proposal_service.became(uow, proposal)
        screen = proposals.decision_screen(uow, proposal, target.lang, operator, in_plan)
        key = proposal_service.tell_key(proposal)
        queued.append(message(target, case, screen.to_payload(), key, now))
        if full(len(queued), limit):
            break
    for agreement, evaluation, case in shared:
        if full(len(queued), limit):
            break
        agreement.sent_at = now
        target = await targets.of(case)
        if target is None:
            continue
        items = evaluation_voice.items_of(uow, agreement)
        screen = agreements.screen(target.lang, agreement.id, case.alias, items, evaluation.next_on)
        queued.append(message(target, case, screen.to_payload(), agreements.key(agreement.id), now))
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def _operator_name(
    uow: UnitOfWork, case: Adolescent, names: dict[int, str | None]
) -> str | None:
    """The first name her chat knows her reference operator by (None when inactive)."""
    staff_id = case.reference_operator_id
    if staff_id is None:
        return None
    if staff_id not in names:
        staff = await uow.session.get(Staff, staff_id)
        names[staff_id] = first_name(staff.display_name) if staff and staff.active else None
    return names[staff_id]
