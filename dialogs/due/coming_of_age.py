"""At 18, once: consent given as a minor is asked for again."""

from __future__ import annotations

from datetime import datetime

from dialogs import reminders
from dialogs.due.outgoing import full, message
from plan_store.services import outbox, reconsent
from plan_store.services.recipients import Targets
from plan_store.unit_of_work import UnitOfWork


async def reconsent_at_18(uow: UnitOfWork, now: datetime, *, limit: int | None = None) -> int:
    """Once, when an adolescent who consented as a minor turns 18: ask again. The
    question goes to the chat even though consent is no longer in force: it asks for it."""
    cases = await reconsent.come_of_age(uow, now)
    existing = await outbox.taken_keys(uow, (reconsent.key(case.id) for case in cases))
    cases = [case for case in cases if reconsent.key(case.id) not in existing]
    targets = Targets(uow)
    await targets.preload(cases)
    queued: list[outbox.Outgoing] = []
    for case in cases:
        if not (await targets.consent_of(case)).needs_reconsent_at_18:
            continue
        target = await targets.chat_of(case)
        if target is None:
            continue
        payload = reminders.reconsent_prompt(target.lang)
        queued.append(message(target, case, payload, reconsent.key(case.id), now))
        if full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)
