"""Telling the adolescent, in their chat, that staff changed something that concerns
them (an appointment scheduled, moved or cancelled, a step she marked done confirmed,
a new reference operator, her legal procedure at a new step).

The console records what happened (``dialogs.news``); the words are the dialogs'.
Only through the outbox, only on an active chat, only with valid consent, and never
during the home's quiet hours (the message then waits for the morning).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dialogs import news
from plan_store.enums import CaseStatus
from plan_store.models import Adolescent, Appointment, Home, LegalProcedure, Step
from plan_store.quiet_hours import held_until
from plan_store.services import consent, outbox
from plan_store.services.chats import active_links_of
from plan_store.unit_of_work import UnitOfWork


async def tell(uow: UnitOfWork, case: Adolescent, item: news.News, *, dedupe_key: str) -> bool:
    """Queue ``item`` for the adolescent's active chat. False when it may not be sent."""
    if case.status is CaseStatus.CLOSED or not (await consent.state(uow, case)).valid:
        return False
    links = await active_links_of(uow, case.id)
    if not links:
        return False
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    link = links[0]
    screen = news.screen(item, case.language, ZoneInfo(home.timezone))
    await outbox.enqueue(
        uow,
        channel=link.channel,
        external_chat_id=link.external_id,
        adolescent_id=case.id,
        payload=screen.to_payload(),
        dedupe_key=dedupe_key,
        not_before=held_until(uow.now(), home.quiet_start, home.quiet_end, home.timezone),
    )
    return True


async def appointment_changed(
    uow: UnitOfWork, case: Adolescent, appointment: Appointment, change: str
) -> bool:
    """Tell the adolescent about a new, moved or cancelled appointment."""
    item = news.AppointmentChanged(
        appointment.title, appointment.place, appointment.starts_at, news.Change(change)
    )
    stamp = int(uow.now().timestamp())
    key = f"console:appointment:{appointment.id}:{change}:{stamp}"
    return await tell(uow, case, item, dedupe_key=key)


async def step_confirmed(uow: UnitOfWork, case: Adolescent, step: Step, by_name: str) -> bool:
    """Tell the adolescent that a step she marked done was seen and confirmed."""
    item = news.StepConfirmed(step.title, by_name)
    return await tell(uow, case, item, dedupe_key=f"console:step:{step.id}:confirmed")


async def operator_changed(uow: UnitOfWork, case: Adolescent, name: str) -> bool:
    """Tell the adolescent who her new reference operator is, in words she can take in."""
    stamp = int(uow.now().timestamp())
    key = f"console:operator:{case.id}:{stamp}"
    return await tell(uow, case, news.OperatorChanged(name), dedupe_key=key)


async def procedure_moved(uow: UnitOfWork, case: Adolescent, procedure: LegalProcedure) -> bool:
    """Tell the adolescent that her procedure reached a new step, in plain words."""
    item = news.ProcedureMoved(procedure.kind, procedure.stage)
    key = f"console:legal:{procedure.id}:{procedure.stage.value}:{int(uow.now().timestamp())}"
    return await tell(uow, case, item, dedupe_key=key)
